// A comparator chip's heat (its `thermal:` section, model/cluster/cluster_heat.h): the compact model built from its
// parameters against closed forms (the preset's sink scaled, busy power the full load less leakage scaled by f V^2,
// the junction inlet + sink x average + package x busy power), the throttle holding Tj,max in a hot hall, a comparator
// without the section never throttled, and bad thermal keys named.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/cluster_heat.h"
#include "model/cluster/step_model.h"
#include "model/common/error.h"
#include "tests/unit/temp_yaml.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

// 16 chips (TP 2 x DP 8, one stage) in a liquid-cooled hall (the preset's cold plate: 0.03 K/W) at one inlet for
// every rack; `chips` is the chips: section.
std::string cluster_yaml(const std::string& chips) {
    return "name: comparator-heat\n"
           "chips:\n"
           "  count: 16\n" +
           chips +
           "node: {chips_per_node: 8}\n"
           "network: {tiers: 2, switch_radix: 16}\n"
           "model: {name: small, layers: 4, hidden: 1024, heads: 8, seq_length: 512, vocab: 8192, global_batch: 64}\n"
           "plan: {tensor_parallel: 2, pipeline_parallel: 1, micro_batch: 1}\n"
           "facility: {chips_per_rack: 8, cooling: liquid, inlet_mean_mC: 30000}\n";
}

// An A100 with a two-point thermal section of its own and no leakage.
const std::string kThermal =
    "    thermal:\n"
    "      tj_max_mC: 85000\n"
    "      nominal_clock_mhz: 1400\n"
    "      package_k_per_w: 0.04\n"
    "      sink_scale: 2\n"
    "      leakage_w: 0\n"
    "      operating_points:\n"
    "        - {frequency_ratio: 1.0, voltage_ratio: 1.0}\n"
    "        - {frequency_ratio: 0.5, voltage_ratio: 0.8}\n";
const std::string kComparatorCluster = cluster_yaml("  preset: a100-80gb\n  chip:\n    power_w: 400\n" + kThermal);

StepResult step_at(const std::vector<std::string>& overrides) {
    test::TempYaml file(kComparatorCluster);
    return simulate_cluster_step(load_cluster_config(file.path(), overrides));
}

std::string comparator_heat_error(const std::string& yaml) {
    test::TempYaml file(yaml);
    try {
        simulate_cluster_step(load_cluster_config(file.path()));
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("comparator heat: the compact model from the thermal section, in closed form") {
    const StepResult cool = step_at({});
    REQUIRE(cool.heat);
    const HeatResult& h = *cool.heat;
    CHECK(h.thermal_model);
    CHECK(h.cooling == "liquid");
    CHECK(h.chip.sink_k_per_w == doctest::Approx(0.03 * 2));
    CHECK(h.chip.package_k_per_w == doctest::Approx(0.04));
    REQUIRE(h.chip.points.size() == 2);
    const ThermalPoint& fast = h.chip.points[0];
    const ThermalPoint& slow = h.chip.points[1];
    CHECK(fast.frequency_mhz == doctest::Approx(1400));
    CHECK(slow.frequency_mhz == doctest::Approx(700));
    CHECK(fast.busy_dynamic_w == doctest::Approx(400));
    CHECK(slow.busy_dynamic_w == doctest::Approx(400 * 0.5 * 0.8 * 0.8));
    CHECK(fast.compute_factor == 1.0);
    // Half the clock: the GEMMs' FLOPs take up to twice as long; the fixed per-kernel cost does not grow.
    CHECK(slow.compute_factor > 1.5);
    CHECK(slow.compute_factor < 2.0);
    CHECK(fast.dynamic_w > 0);
    CHECK(fast.dynamic_w < fast.busy_dynamic_w);  // communication and the optimizer idle the chip part of the step

    // No leakage: the junction is inlet + sink x average power + package x busy power; 30 degC is far from Tj,max.
    CHECK(h.throttled_chips == 0);
    CHECK(h.racks.front().max_junction_mC ==
          doctest::Approx(30000 + 1000 * (0.06 * fast.dynamic_w + 0.04 * fast.busy_dynamic_w)));
    CHECK(cool.losses.throttling_s == 0);
}

TEST_CASE("comparator heat: in a hot hall the throttle holds Tj,max and the step pays for it; no section, no heat") {
    const StepResult cool = step_at({});
    // The inlet at which the fast point reaches Tj,max, plus 5 K: every chip dithers between the two points.
    const ThermalPoint& fast = cool.heat->chip.points[0];
    const double limit_inlet_mC = 85000 - 1000 * (0.06 * fast.dynamic_w + 0.04 * fast.busy_dynamic_w);
    const StepResult hot = step_at({"facility.inlet_mean_mC=" + std::to_string(int(limit_inlet_mC) + 5000)});
    CHECK(hot.heat->throttled_chips == 16);
    CHECK(hot.heat->racks.front().max_junction_mC == doctest::Approx(85000));
    CHECK(hot.heat->chip_power_w < cool.heat->chip_power_w);
    CHECK(hot.losses.throttling_s > 0);
    CHECK(hot.step_s > cool.step_s);

    // A chip without a thermal section runs at its nominal speed however hot the hall.
    test::TempYaml file(cluster_yaml("  chip:\n    gemm_efficiency: [{gemm_flops: 1e9, efficiency: 0.5}]\n"));
    const StepResult unmodelled_cool = simulate_cluster_step(load_cluster_config(file.path()));
    const StepResult unmodelled =
        simulate_cluster_step(load_cluster_config(file.path(), {"facility.inlet_mean_mC=90000"}));
    CHECK_FALSE(unmodelled.heat->thermal_model);
    CHECK(unmodelled.heat->throttled_chips == 0);
    CHECK(unmodelled.step_s == unmodelled_cool.step_s);
}

TEST_CASE("comparator heat: the shipped presets' sections load, and bad thermal keys are named") {
    for (const char* preset : {"a100-80gb", "h100-sxm"}) {
        test::TempYaml file(cluster_yaml("  preset: " + std::string(preset) + "\n"));
        const StepResult step = simulate_cluster_step(load_cluster_config(file.path()));
        CHECK(step.heat->thermal_model);
        CHECK(step.heat->chip.points.size() == 6);
        CHECK(step.heat->throttled_chips == 0);  // 30 degC coolant
    }
    auto with = [](const std::string& from, const std::string& to) {
        std::string yaml = kComparatorCluster;
        yaml.replace(yaml.find(from), from.size(), to);
        return yaml;
    };
    CHECK(comparator_heat_error(with("{frequency_ratio: 1.0, voltage_ratio: 1.0}", "{frequency_ratio: 0.9, voltage_ratio: 1.0}"))
              .find("frequency_ratio: the first (fastest) point is the nominal clock") != std::string::npos);
    CHECK(comparator_heat_error(with("{frequency_ratio: 0.5, voltage_ratio: 0.8}", "{frequency_ratio: 1.0, voltage_ratio: 0.8}"))
              .find("fastest first") != std::string::npos);
    CHECK(comparator_heat_error(with("package_k_per_w: 0.04", "package_k_per_w: -1")).find("package_k_per_w") != std::string::npos);
    CHECK(comparator_heat_error(with("sink_scale: 2", "sink_scale: 2\n      fans: 3")).find("fans") != std::string::npos);
}
