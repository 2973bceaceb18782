#include "model/cluster/facility.h"

#include <algorithm>
#include <cmath>

#include "model/common/error.h"
#include "model/config/config_node.h"
#include "model/power/power_config.h"

namespace npuemu::cluster {

namespace {

constexpr double kMinInlet_mC = -20000, kMaxInlet_mC = 100000;

uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// (0, 1], never 0 (the logarithm below).
double unit_uniform(uint64_t bits) { return (double(bits >> 11) + 1.0) / 9007199254740992.0; }

// Streams of seeded_normal: one per kind of draw, so adding one kind leaves the others' numbers as they were.
constexpr uint64_t kSpeedStream = 1, kLeakageStream = 2, kInletStream = 3;

}  // namespace

double seeded_normal(uint64_t seed, uint64_t stream, uint64_t index) {
    const uint64_t base = splitmix64(splitmix64(seed) ^ splitmix64(stream * 0x100000001b3ull) ^ index);
    const double u1 = unit_uniform(splitmix64(base));
    const double u2 = unit_uniform(splitmix64(base ^ 0xda942042e4dd58b5ull));
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

void read_facility(config::ConfigNode node, FacilitySpec& f) {
    f.given = true;
    f.racks = static_cast<uint32_t>(node.get_uint("racks", f.racks, 0, 1u << 24));
    if (node.has("chips_per_rack") && node.has("racks")) {
        node.fail("chips_per_rack", "give racks or chips_per_rack, not both (the other is derived)");
    }
    f.chips_per_rack = static_cast<uint32_t>(node.get_uint("chips_per_rack", f.chips_per_rack, 1, 1u << 24));
    if (node.has("cooling")) {
        const std::vector<const char*>& names = power::cooling_names();
        const std::string name =
            node.get_choice("cooling", "air", std::vector<std::string>(names.begin(), names.end()));
        for (size_t i = 0; i < names.size(); ++i) {
            if (name == names[i]) f.cooling = static_cast<power::Cooling>(i);
        }
    }
    f.inlet_mean_given = node.has("inlet_mean_mC");
    f.inlet_mean_mC = node.get_double("inlet_mean_mC", f.inlet_mean_mC, kMinInlet_mC, kMaxInlet_mC);
    f.inlet_sigma_mC = node.get_double("inlet_sigma_mC", f.inlet_sigma_mC, 0, 50000);
    if (std::optional<YAML::Node> list = node.raw("inlet_mC")) {
        if (!list->IsSequence() || list->size() == 0) node.fail("inlet_mC", "expected a list of temperatures (mC)");
        if (f.inlet_mean_given || f.inlet_sigma_mC > 0) {
            node.fail("inlet_mC", "a list per rack, or inlet_mean_mC and inlet_sigma_mC, not both");
        }
        for (const YAML::Node& item : *list) {
            double value = 0;
            try {
                value = item.as<double>();
            } catch (const YAML::Exception&) {
                throw Error(node.where("inlet_mC", item.Mark()) + ": expected a number (mC)");
            }
            if (!(value >= kMinInlet_mC && value <= kMaxInlet_mC)) {
                throw Error(node.where("inlet_mC", item.Mark()) + ": " + std::to_string(value) +
                            " mC is outside -20000 .. 100000");
            }
            f.inlet_mC.push_back(value);
        }
    }
    f.hot_racks = static_cast<uint32_t>(node.get_uint("hot_racks", f.hot_racks, 0, 1u << 24));
    f.hot_inlet_mC = node.get_double("hot_inlet_mC", f.hot_inlet_mC, kMinInlet_mC, kMaxInlet_mC);
    f.node_overhead_w = node.get_double("node_overhead_w", f.node_overhead_w, 0, 1e6);
    f.pue = node.get_double("pue", f.pue, 1, 5);
    f.straggler_policy = node.get_choice("straggler_policy", "wait", {"wait", "none"}) == "none"
                             ? StragglerPolicy::None
                             : StragglerPolicy::Wait;
    node.finish();
}

void read_variation(config::ConfigNode node, VariationSpec& v) {
    v.seed = node.get_uint("seed", v.seed, 0, UINT64_MAX);
    v.speed_sigma = node.get_double("speed_sigma", v.speed_sigma, 0, 0.2);
    v.leakage_sigma = node.get_double("leakage_sigma", v.leakage_sigma, 0, 1.5);
    node.finish();
}

RackLayout lay_out_racks(const FacilitySpec& f, uint32_t chip_count, uint32_t chips_per_node, double default_inlet_mC,
                         uint64_t seed) {
    RackLayout layout;
    const uint32_t nodes = (chip_count + chips_per_node - 1) / chips_per_node;
    if (f.racks > 0) {
        const uint32_t nodes_per_rack = (nodes + f.racks - 1) / f.racks;
        layout.chips_per_rack = nodes_per_rack * chips_per_node;
    } else {
        if (f.chips_per_rack % chips_per_node != 0) {
            throw Error("facility.chips_per_rack: " + std::to_string(f.chips_per_rack) +
                        " is not a whole number of nodes of " + std::to_string(chips_per_node) + " chips");
        }
        layout.chips_per_rack = f.chips_per_rack;
    }
    // Racks fill in order: with racks given, whole nodes per rack may leave the last ones empty (not counted).
    const uint32_t racks = (chip_count + layout.chips_per_rack - 1) / layout.chips_per_rack;
    const uint32_t declared = f.racks > 0 ? f.racks : racks;
    if (!f.inlet_mC.empty() && f.inlet_mC.size() != declared) {
        throw Error("facility.inlet_mC: " + std::to_string(f.inlet_mC.size()) + " inlet temperatures for " +
                    std::to_string(declared) + " racks (" + std::to_string(layout.chips_per_rack) + " chips each)");
    }
    if (f.hot_racks > racks) {
        throw Error("facility.hot_racks: " + std::to_string(f.hot_racks) + " hot racks of only " +
                    std::to_string(racks) + " with chips");
    }
    const double mean = f.inlet_mean_given ? f.inlet_mean_mC : default_inlet_mC;
    for (uint32_t r = 0; r < racks; ++r) {
        double inlet =
            f.inlet_mC.empty() ? mean + f.inlet_sigma_mC * seeded_normal(seed, kInletStream, r) : f.inlet_mC[r];
        if (r >= racks - f.hot_racks) inlet = f.hot_inlet_mC;
        layout.inlet_mC.push_back(inlet);
    }
    return layout;
}

ChipVariation chip_variation(const VariationSpec& spec, uint32_t chip) {
    ChipVariation v;
    if (spec.speed_sigma > 0) {
        // Binning removed the chips too slow for the clock; the rest run at it or, where their silicon cannot hold
        // it at the point's voltage, that much slower: never faster than nominal.
        v.slowdown = 1.0 + spec.speed_sigma * std::fabs(seeded_normal(spec.seed, kSpeedStream, chip));
    }
    if (spec.leakage_sigma > 0) {
        v.leakage_scale = std::exp(spec.leakage_sigma * seeded_normal(spec.seed, kLeakageStream, chip));
    }
    return v;
}

}  // namespace npuemu::cluster
