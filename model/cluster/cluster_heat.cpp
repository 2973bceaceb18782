#include "model/cluster/cluster_heat.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "model/cluster/facility.h"
#include "model/common/error.h"
#include "model/config/chip_config.h"
#include "model/power/thermal_network.h"

namespace npuemu::cluster {

namespace {

// The hottest die's steady rise above the heat sink per watt of chip power, equal power in every tile.
double package_rise_k_per_w(const power::ThermalConfig& thermal) {
    const power::ThermalNetwork network(thermal);
    const size_t tiles = network.tile_count();
    const std::vector<double> temperatures = network.steady_state(std::vector<double>(tiles, 1.0));
    double hottest = temperatures[network.sink()];
    for (size_t t = 0; t < tiles; ++t) hottest = std::max(hottest, temperatures[t]);
    return (hottest - temperatures[network.sink()]) / 1000.0 / double(tiles);
}

double critical_compute_s(const StepLosses& l) { return l.useful_compute_s + l.recompute_s + l.compute_inefficiency_s; }

// The npuemu chip's compact thermal model: R from its config's network with the facility's cooling (the package's part
// from the network's steady state, the sink's its sink-to-ambient resistance), leakage from its
// config, and at each DVFS point the step (simulated with every chip at that point) for its compute time and busy
// share, and the profiled GEMMs' power there less the leakage they carried.
ChipThermal npuemu_chip_thermal(const ClusterConfig& c, const config::ChipConfig& profiled_config,
                                const config::ChipConfig& cooled_config) {
    const power::PowerConfig& pc = cooled_config.power;
    const double tiles = cooled_config.tile_count;
    ChipThermal chip;
    chip.package_k_per_w = package_rise_k_per_w(pc.thermal);
    chip.sink_k_per_w = pc.thermal.sink_to_ambient_k_per_w;
    chip.tj_max_mC = pc.tj_max_mC;
    chip.leakage_w = pc.leakage.reference_w * tiles;
    chip.leakage_reference_mC = pc.leakage.reference_mC;
    chip.leakage_per_kelvin = pc.leakage.per_kelvin;
    const double nominal_mv = pc.operating_points.front().voltage_mv;
    double nominal_compute_s = 0;
    for (const power::OperatingPoint& op : pc.operating_points) {
        ClusterConfig at = c;
        NpuemuChipSpec spec = c.npuemu->spec;
        spec.operating_point_mhz = op.frequency_mhz;
        try {
            at.npuemu =
                std::make_shared<const NpuemuChip>(load_npuemu_chip(spec, c.source_file, c.model, c.plan, at.chip));
        } catch (const Error& e) {
            throw Error(c.source_file +
                        ": facility: each chip's operating point needs the profile's runs at every "
                        "DVFS point of its chip config (" +
                        std::to_string(op.frequency_mhz) + " MHz): " + e.what());
        }
        const StepResult step = simulate_step(at);
        ThermalPoint point;
        point.frequency_mhz = op.frequency_mhz;
        point.voltage_ratio = op.voltage_mv / nominal_mv;
        const double busy_s = critical_compute_s(step.losses);
        if (nominal_compute_s == 0) nominal_compute_s = busy_s;
        point.compute_factor = busy_s / nominal_compute_s;
        // The profiled runs started at the profiling config's ambient and lasted milliseconds: their leakage is the
        // config's at that temperature (the die warms by well under a kelvin in them).
        const auto& leak = profiled_config.power.leakage;
        const double profiled_leakage_w =
            leak.reference_w * tiles * point.voltage_ratio *
            (1 + leak.per_kelvin * (profiled_config.power.thermal.ambient_mC - leak.reference_mC) / 1000.0);
        point.busy_dynamic_w = std::max(0.0, at.npuemu->power_w - profiled_leakage_w);
        point.dynamic_w = point.busy_dynamic_w * busy_s / step.step_s;
        chip.points.push_back(point);
    }
    return chip;
}

// A comparator's compact thermal model from its `thermal:` section: the package resistance given, the sink the cooling
// preset's scaled to the chip's power, and at each DVFS point the step simulated with its peaks scaled by the clock
// ratio (HBM and links keep their rates) for its compute time and busy share; the busy switching power is the
// datasheet's full load less the leakage at the reference temperature, scaled by f V^2.
ChipThermal comparator_chip_thermal(const ClusterConfig& c, double preset_sink_k_per_w) {
    const ComparatorThermal& t = c.chip.thermal;
    ChipThermal chip;
    chip.package_k_per_w = t.package_k_per_w;
    chip.sink_k_per_w = preset_sink_k_per_w * t.sink_scale;
    chip.tj_max_mC = t.tj_max_mC;
    chip.leakage_w = t.leakage_w;
    chip.leakage_reference_mC = t.leakage_reference_mC;
    chip.leakage_per_kelvin = t.leakage_per_kelvin;
    const double full_load_dynamic_w = std::max(0.0, c.chip.power_w - t.leakage_w);
    double nominal_compute_s = 0;
    for (const ComparatorDvfsPoint& p : t.points) {
        ClusterConfig at = c;
        at.chip.peak_bf16_tflops *= p.frequency_ratio;
        at.chip.peak_fp8_tflops *= p.frequency_ratio;
        at.chip.peak_fp32_tflops *= p.frequency_ratio;
        const StepResult step = simulate_step(at);
        const double busy_s = critical_compute_s(step.losses);
        if (nominal_compute_s == 0) nominal_compute_s = busy_s;
        ThermalPoint point;
        point.frequency_mhz = t.nominal_clock_mhz * p.frequency_ratio;
        point.voltage_ratio = p.voltage_ratio;
        point.compute_factor = busy_s / nominal_compute_s;
        point.busy_dynamic_w = full_load_dynamic_w * p.frequency_ratio * p.voltage_ratio * p.voltage_ratio;
        point.dynamic_w = point.busy_dynamic_w * busy_s / step.step_s;
        chip.points.push_back(point);
    }
    return chip;
}

struct ChipState {
    OperatingState state;
    double factor = 1;
};

void add_rack(HeatResult& heat, const RackLayout& layout, const std::vector<ChipState>& chips, uint32_t rack) {
    RackHeat r;
    r.inlet_mC = layout.inlet_mC[rack];
    const uint32_t first = rack * layout.chips_per_rack;
    const uint32_t last = std::min<uint32_t>(first + layout.chips_per_rack, uint32_t(chips.size()));
    r.min_frequency_mhz = 1e30;
    for (uint32_t i = first; i < last; ++i) {
        const OperatingState& s = chips[i].state;
        r.mean_junction_mC += s.junction_mC;
        r.max_junction_mC = std::max(r.max_junction_mC, s.junction_mC);
        r.mean_frequency_mhz += s.frequency_mhz;
        r.min_frequency_mhz = std::min(r.min_frequency_mhz, s.frequency_mhz);
        r.power_w += s.power_w;
        r.throttled += s.throttled ? 1 : 0;
        r.over_limit += s.over_limit ? 1 : 0;
    }
    r.chips = last - first;
    r.mean_junction_mC /= std::max(1u, r.chips);
    r.mean_frequency_mhz /= std::max(1u, r.chips);
    heat.racks.push_back(r);
}

}  // namespace

StepResult simulate_cluster_step(const ClusterConfig& c) {
    const bool spread = c.variation.speed_sigma > 0 || c.variation.leakage_sigma > 0;
    if (!c.facility.given && !spread) return simulate_step(c);

    auto heat = std::make_shared<HeatResult>();
    std::vector<ChipState> chips(c.chip_count);
    double default_inlet_mC = 0;
    if (c.npuemu) {
        if (c.npuemu->spec.operating_point_mhz != 0) {
            throw Error(c.source_file + ": chips.npuemu.operating_point_mhz pins every chip at " +
                        std::to_string(c.npuemu->spec.operating_point_mhz) +
                        " MHz, but with a facility (or a spread) each chip's operating point is derived: give one "
                        "or the other");
        }
        const config::ChipConfig profiled = config::load_chip_config(c.npuemu->config_file);
        std::vector<std::string> cooling;
        if (c.facility.cooling) {
            cooling.push_back(std::string("thermal.cooling=") + power::cooling_names()[size_t(*c.facility.cooling)]);
        }
        const config::ChipConfig cooled = config::load_chip_config(c.npuemu->config_file, cooling);
        if (!cooled.power.enabled) {
            throw Error(c.source_file + ": facility: the chip config " + c.npuemu->config_file +
                        " has no power model (a power: section): its operating point cannot be derived");
        }
        heat->thermal_model = true;
        heat->thermal_source = "npuemu chip config (compact steady state)";
        heat->cooling = power::cooling_names()[static_cast<size_t>(cooled.power.cooling)];
        heat->chip = npuemu_chip_thermal(c, profiled, cooled);
        default_inlet_mC = cooled.power.thermal.ambient_mC;
    } else if (c.chip.thermal.given) {
        // The facility's cooling preset (air when it names none), its sink scaled to this chip.
        const power::Cooling preset = c.facility.cooling.value_or(power::Cooling::Air);
        power::ThermalConfig cooled;
        power::apply_cooling(preset, cooled);
        heat->thermal_model = true;
        heat->thermal_source = "comparator chip's thermal section (compact steady state)";
        heat->cooling = power::cooling_names()[static_cast<size_t>(preset)];
        heat->chip = comparator_chip_thermal(c, cooled.sink_to_ambient_k_per_w);
        default_inlet_mC = cooled.ambient_mC;
    }
    RackLayout layout;
    try {
        layout = lay_out_racks(c.facility, c.chip_count, c.node.chips_per_node, default_inlet_mC, c.variation.seed);
    } catch (const Error& e) {
        throw Error(c.source_file + ": " + e.what());
    }
    heat->chips_per_rack = layout.chips_per_rack;

    ChipSlowdowns slowdowns;
    slowdowns.policy = c.facility.straggler_policy;
    std::map<std::pair<double, double>, OperatingState> solved;  // (inlet, leakage scale): alike chips solved once
    double power_sum_w = 0;
    for (uint32_t i = 0; i < c.chip_count; ++i) {
        const ChipVariation v = chip_variation(c.variation, i);
        ChipState& chip = chips[i];
        if (heat->thermal_model) {
            const std::pair<double, double> key{layout.inlet_mC[layout.rack_of(i)], v.leakage_scale};
            auto found = solved.find(key);
            if (found == solved.end()) {
                found = solved.emplace(key, solve_operating_state(heat->chip, key.first, key.second)).first;
            }
            chip.state = found->second;
        } else {
            chip.state.frequency_mhz = 0;
            chip.state.power_w = c.chip.power_w;
        }
        chip.factor = chip.state.compute_factor * v.slowdown;
        slowdowns.chip_compute_factor.push_back(chip.factor);
        power_sum_w += chip.state.power_w;
        heat->throttled_chips += chip.state.throttled ? 1 : 0;
        heat->over_limit_chips += chip.state.over_limit ? 1 : 0;
        if (chip.factor > heat->max_compute_factor) {
            heat->max_compute_factor = chip.factor;
            heat->slowest_chip = i;
        }
    }
    double factor_sum = 0;
    for (double f : slowdowns.chip_compute_factor) factor_sum += f;
    heat->mean_compute_factor = factor_sum / c.chip_count;
    for (uint32_t r = 0; r < layout.inlet_mC.size(); ++r) add_rack(*heat, layout, chips, r);
    heat->chip_power_w = power_sum_w / c.chip_count;
    heat->it_power_w = power_sum_w + c.facility.node_overhead_w * c.node_count();
    heat->facility_power_w = heat->it_power_w * c.facility.pue;

    StepResult result = simulate_step(c, slowdowns);
    result.heat = std::move(heat);
    return result;
}

}  // namespace npuemu::cluster
