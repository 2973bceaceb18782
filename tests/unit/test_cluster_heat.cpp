// Heat and variation in the cluster model against closed forms: a chip's steady junction temperature and the
// throttle's dithering share (model/cluster/thermal_operating_point.h); a step whose chips are all alike loses
// nothing to stragglers, one slow chip slows a one-stage step by exactly its own compute slowdown
// (straggler_losses.h); racks, inlets and the manufacturing spread are laid out as given and the same seed gives the
// same cluster (facility.h); and the shipped 10,240-chip air and liquid clusters run with their facilities.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/cluster_heat.h"
#include "model/cluster/facility.h"
#include "model/cluster/step_model.h"
#include "model/cluster/step_report.h"
#include "model/cluster/thermal_operating_point.h"
#include "model/common/error.h"
#include "tests/unit/temp_yaml.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

// Two points, no leakage: 200 W at 1000 MHz, 130 W at 800 MHz taking 1.25x the compute time, always busy; 0.2 K/W,
// 0.05 of it the package's.
ChipThermal two_point_chip() {
    ChipThermal chip;
    chip.package_k_per_w = 0.05;
    chip.sink_k_per_w = 0.15;
    chip.tj_max_mC = 85000;
    chip.points = {{1000, 1.0, 200, 200, 1.0}, {800, 0.9, 130, 130, 1.25}};
    return chip;
}

// 16 A100s, TP 2 x DP 8, one pipeline stage: the step is the micro-batches' compute and TP all-reduces, then the
// gradient all-reduce (not overlapped) and the optimizer.
ClusterConfig one_stage_cluster() {
    test::TempYaml file(
        "name: one-stage\n"
        "chips: {count: 16, preset: a100-80gb}\n"
        "node: {chips_per_node: 8}\n"
        "network: {tiers: 2, switch_radix: 16}\n"
        "model: {name: small, layers: 4, hidden: 1024, heads: 8, seq_length: 512, vocab: 8192, "
        "global_batch: 64}\n"
        "plan: {tensor_parallel: 2, pipeline_parallel: 1, micro_batch: 1}\n");
    return load_cluster_config(file.path());
}

double compute_s(const StepLosses& l) { return l.useful_compute_s + l.recompute_s + l.compute_inefficiency_s; }

double loss_sum(const StepLosses& l) {
    return l.useful_compute_s + l.recompute_s + l.compute_inefficiency_s + l.tp_communication_s + l.pipeline_bubble_s +
           l.pp_communication_s + l.dp_communication_s + l.optimizer_s + l.throttling_s + l.stragglers_s;
}

const std::string kGpt3HeatDir = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/gpt3_10k/";

}  // namespace

TEST_CASE("cluster heat: a cool chip's junction is inlet + R x P, a hot one dithers to hold Tj,max exactly") {
    const ChipThermal chip = two_point_chip();
    const OperatingState cool = solve_operating_state(chip, 35000, 1.0);
    CHECK(cool.point == 0);
    CHECK_FALSE(cool.throttled);
    CHECK(cool.junction_mC == doctest::Approx(35000 + 1000 * 0.2 * 200));  // 75 degC
    CHECK(cool.compute_factor == 1.0);

    // Inlet 50 degC: 1000 MHz would reach 90 degC, 800 MHz 76. Allowed (85 - 50) / 0.2 = 175 W: the share at
    // 800 MHz is (200 - 175) / (200 - 130) = 5/14, the work rate (9/14) / 1 + (5/14) / 1.25.
    const OperatingState hot = solve_operating_state(chip, 50000, 1.0);
    CHECK(hot.throttled);
    CHECK(hot.point == 1);
    CHECK(hot.share_at_point == doctest::Approx(5.0 / 14));
    CHECK(hot.junction_mC == doctest::Approx(85000));
    CHECK(hot.power_w == doctest::Approx(175));
    CHECK(hot.frequency_mhz == doctest::Approx(1000 - 200 * 5.0 / 14));
    CHECK(hot.compute_factor == doctest::Approx(1.0 / (9.0 / 14 + (5.0 / 14) / 1.25)));

    // Too hot even at 800 MHz: the slowest point, flagged.
    const OperatingState tripped = solve_operating_state(chip, 70000, 1.0);
    CHECK(tripped.over_limit);
    CHECK(tripped.point == 1);
    CHECK(tripped.compute_factor == 1.25);
}

TEST_CASE("cluster heat: leakage feeds back on temperature in closed form, and a leakier chip runs hotter") {
    ChipThermal chip = two_point_chip();
    chip.leakage_w = 20;
    chip.leakage_reference_mC = 60000;
    chip.leakage_per_kelvin = 0.015;
    // T = (T_in + R (D + a (1 - k T_ref))) / (1 - R a k), a = 20 W, k = 0.015/K.
    const double a = 20, k = 0.015, r = 0.2;
    const double expected_c = (30 + r * (200 + a * (1 - k * 60))) / (1 - r * a * k);
    CHECK(steady_junction_mC(chip, chip.points[0], 30000, 1.0) == doctest::Approx(1000 * expected_c));
    const OperatingState nominal = solve_operating_state(chip, 30000, 1.0);
    const OperatingState leaky = solve_operating_state(chip, 30000, 2.0);
    CHECK(leaky.junction_mC > nominal.junction_mC);
    CHECK(leaky.power_w > nominal.power_w);
    // Half the time busy at twice the power: the sink sees the average, the package the busy power.
    chip.leakage_w = 0;
    chip.points[0].dynamic_w = 100;
    CHECK(steady_junction_mC(chip, chip.points[0], 30000, 1.0) ==
          doctest::Approx(1000 * (30 + 0.15 * 100 + 0.05 * 200)));
    CHECK_THROWS_AS(solve_operating_state(ChipThermal{}, 30000, 1.0), Error);
}

TEST_CASE(
    "cluster heat: chips all alike lose nothing to stragglers, one slow chip slows a one-stage step by its own "
    "compute slowdown") {
    const ClusterConfig c = one_stage_cluster();
    const StepResult nominal = simulate_step(c);
    REQUIRE(c.plan.pipeline_parallel == 1);

    ChipSlowdowns alike;
    alike.chip_compute_factor.assign(c.chip_count, 1.1);
    const StepResult uniform = simulate_step(c, alike);
    CHECK(uniform.losses.stragglers_s == doctest::Approx(0.0).epsilon(1e-12));
    CHECK(uniform.losses.throttling_s == doctest::Approx(0.1 * compute_s(nominal.losses)).epsilon(1e-9));
    CHECK(uniform.step_s == doctest::Approx(loss_sum(uniform.losses)).epsilon(1e-12));

    ChipSlowdowns one_slow;
    one_slow.chip_compute_factor.assign(c.chip_count, 1.0);
    one_slow.chip_compute_factor[5] = 1.08;  // TP rank 1 of replica 2
    const StepResult slowed = simulate_step(c, one_slow);
    CHECK(slowed.nominal_step_s == doctest::Approx(nominal.step_s));
    CHECK(slowed.step_s - nominal.step_s == doctest::Approx(0.08 * compute_s(nominal.losses)).epsilon(1e-9));
    CHECK(slowed.slowest_replica == 2);
    CHECK(slowed.losses.stragglers_s > 0);
    CHECK(slowed.losses.throttling_s == doctest::Approx(0.08 / 16 * compute_s(nominal.losses)).epsilon(1e-9));
    CHECK(slowed.step_s == doctest::Approx(loss_sum(slowed.losses)).epsilon(1e-12));

    // No waiting: every chip at the mean slowdown.
    one_slow.policy = StragglerPolicy::None;
    const StepResult balanced = simulate_step(c, one_slow);
    CHECK(balanced.losses.stragglers_s == 0);
    CHECK(balanced.step_s == doctest::Approx(nominal.step_s + 0.08 / 16 * compute_s(nominal.losses)).epsilon(1e-9));

    one_slow.chip_compute_factor.pop_back();
    CHECK_THROWS_AS(simulate_step(c, one_slow), Error);
}

TEST_CASE("cluster heat: racks take whole nodes in order, their inlets as listed, the last ones hot") {
    FacilitySpec f;
    f.given = true;
    f.chips_per_rack = 16;
    f.inlet_mC = {20000, 22000, 24000, 26000};
    f.hot_racks = 1;
    f.hot_inlet_mC = 45000;
    const RackLayout layout = lay_out_racks(f, 64, 8, 35000, 1);
    REQUIRE(layout.inlet_mC.size() == 4);
    CHECK(layout.rack_of(15) == 0);
    CHECK(layout.rack_of(16) == 1);
    CHECK(layout.inlet_mC[0] == 20000);
    CHECK(layout.inlet_mC[2] == 24000);
    CHECK(layout.inlet_mC[3] == 45000);

    f.inlet_mC.pop_back();
    CHECK_THROWS_WITH_AS(lay_out_racks(f, 64, 8, 35000, 1), doctest::Contains("3 inlet temperatures for 4 racks"),
                         Error);
    f.inlet_mC.clear();
    f.chips_per_rack = 12;
    CHECK_THROWS_WITH_AS(lay_out_racks(f, 64, 8, 35000, 1), doctest::Contains("not a whole number of nodes"), Error);

    // Without a list: the default inlet (the cooling preset's) for every rack when there is no spread.
    f.chips_per_rack = 32;
    f.hot_racks = 0;
    const RackLayout plain = lay_out_racks(f, 64, 8, 35000, 1);
    CHECK(plain.inlet_mC == std::vector<double>{35000, 35000});

    // Given as a rack count: whole nodes per rack (64 chips in 5 racks: 2 nodes each, 4 racks hold chips).
    f.racks = 5;
    const RackLayout by_count = lay_out_racks(f, 64, 8, 35000, 1);
    CHECK(by_count.chips_per_rack == 16);
    CHECK(by_count.inlet_mC.size() == 4);
}

TEST_CASE("cluster heat: the manufacturing spread is a pure function of the seed and the chip") {
    VariationSpec v;
    v.seed = 7;
    v.speed_sigma = 0.02;
    v.leakage_sigma = 0.25;
    const ChipVariation a = chip_variation(v, 123), b = chip_variation(v, 123);
    CHECK(a.slowdown == b.slowdown);
    CHECK(a.leakage_scale == b.leakage_scale);
    CHECK(a.slowdown >= 1.0);
    v.seed = 8;
    CHECK(chip_variation(v, 123).leakage_scale != a.leakage_scale);
    // The normal draws are standard: mean ~0, variance ~1 over many chips (deterministic: fixed seed).
    double sum = 0, sum_squares = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
        const double z = seeded_normal(3, 1, i);
        sum += z;
        sum_squares += z * z;
    }
    CHECK(std::fabs(sum / n) < 0.03);
    CHECK(sum_squares / n == doctest::Approx(1.0).epsilon(0.03));
}

TEST_CASE("cluster heat: bad facility and variation keys are refused with the key named") {
    const std::string base = kGpt3HeatDir + "npuemu_air.yaml";
    auto error_of = [&](const std::vector<std::string>& overrides) {
        try {
            simulate_cluster_step(load_cluster_config(base, overrides));
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of({"facility.cooling=water"}).find("facility.cooling") != std::string::npos);
    CHECK(error_of({"facility.pue=0.5"}).find("facility.pue") != std::string::npos);
    CHECK(error_of({"variation.leakage_sigma=-1"}).find("variation.leakage_sigma") != std::string::npos);
    CHECK(error_of({"facility.inlet_mC=[30000, 31000]"}).find("facility.inlet_mC") != std::string::npos);
    CHECK(error_of({"facility.racks=10"}).find("give racks or chips_per_rack, not both") != std::string::npos);
    CHECK(error_of({"chips.npuemu.operating_point_mhz=800"}).find("each chip's operating point is derived") !=
          std::string::npos);
}

TEST_CASE(
    "cluster heat: the 10,240-chip cluster on air and on liquid: no throttling at the design inlet, a hot rack "
    "makes stragglers, and the same seed gives the same step") {
    const ClusterConfig air = load_cluster_config(kGpt3HeatDir + "npuemu_air.yaml");
    const StepResult design = simulate_cluster_step(air);
    REQUIRE(design.heat);
    CHECK(design.heat->thermal_model);
    CHECK(design.heat->throttled_chips == 0);
    CHECK(design.heat->racks.size() == 320);
    CHECK(design.step_s == doctest::Approx(loss_sum(design.losses)).epsilon(1e-12));

    const ClusterConfig hot =
        load_cluster_config(kGpt3HeatDir + "npuemu_air.yaml", {"facility.hot_racks=1", "facility.hot_inlet_mC=60000"});
    const StepResult slowed = simulate_cluster_step(hot);
    CHECK(slowed.heat->throttled_chips == 32);
    CHECK(slowed.heat->racks.back().throttled == 32);
    CHECK(slowed.step_s > design.step_s);
    CHECK(slowed.losses.stragglers_s > 0);
    CHECK(slowed.losses.stragglers_s > 10 * slowed.losses.throttling_s);  // 32 of 10,240 chips are slow

    const StepResult again = simulate_cluster_step(load_cluster_config(kGpt3HeatDir + "npuemu_air.yaml"));
    CHECK(again.step_s == design.step_s);
    CHECK(step_json(air, again).dump() == step_json(air, design).dump());

    const StepResult liquid = simulate_cluster_step(load_cluster_config(kGpt3HeatDir + "npuemu_liquid.yaml"));
    CHECK(liquid.heat->throttled_chips == 0);
    const RackHeat& cold_plate = liquid.heat->racks.front();
    const RackHeat& heat_sink = design.heat->racks.front();
    CHECK(cold_plate.max_junction_mC - cold_plate.inlet_mC < heat_sink.max_junction_mC - heat_sink.inlet_mC);
}
