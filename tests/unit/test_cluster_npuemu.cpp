// An npuemu chip in the cluster model (model/cluster/npuemu_chip.h): its layer GEMMs take the cycles of a profile
// table (tests/data/cluster/tiny_tp2_test_chip.json, hand-written for the test chip and a tiny model at TP 2), at the
// chip's clock or at a profiled operating point; a shape the table lacks, a profile of another chip and an
// operating point never profiled are refused with messages that say what to run.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "model/cluster/cluster_config.h"
#include "model/cluster/step_model.h"
#include "model/common/error.h"
#include "tests/unit/temp_yaml.h"
#include "tests/unit/tiny_npuemu_cluster.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

std::string npuemu_cluster_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
    test::TempYaml file(yaml);
    try {
        simulate_step(load_cluster_config(file.path(), overrides));
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

// The compute part of the step on its critical stage.
double compute_s(const StepResult& r) {
    return r.losses.useful_compute_s + r.losses.recompute_s + r.losses.compute_inefficiency_s;
}

}  // namespace

TEST_CASE("cluster npuemu chip: the layer's GEMMs take the profile's cycles at the chip's clock") {
    test::TempYaml file(test::tiny_npuemu_cluster(test::kTinyProfile));
    const ClusterConfig c = load_cluster_config(file.path());
    REQUIRE(c.npuemu);
    const NpuemuChip& n = *c.npuemu;
    CHECK(c.chip.name == "npu7-test");
    CHECK(c.chip.peak_bf16_tflops == doctest::Approx(2 * 1024 * 1e9 / 1e12));  // 4 tiles of 16 x 16 at 1 GHz
    CHECK(n.gemm_s("qkv", 0) == doctest::Approx(24576e-9));
    CHECK(n.gemm_s("proj", 0) == doctest::Approx(8192e-9));  // the profile's attention_out
    CHECK(n.gemm_s("mlp_up", 0) == doctest::Approx(20480e-9));
    CHECK(n.gemm_s("mlp_down", 0) == doctest::Approx(32768e-9));
    // The stated estimates: attention at attention_efficiency of peak; logits at the layer GEMMs' MAC utilisation
    // (12288 + 4096 + 16384 + 16384 ideal cycles over 24576 + 8192 + 20480 + 32768).
    const double peak_flops = 2 * 1024 * 1e9;
    CHECK(n.gemm_s("attention_scores", 1e9) == doctest::Approx(1e9 / (peak_flops * 0.538)));
    CHECK(n.layer_gemm_utilization == doctest::Approx(49152.0 / 86016.0));
    CHECK(n.gemm_s("logits", 1e9) == doctest::Approx(1e9 / (peak_flops * 49152.0 / 86016.0)));
    // Power: the runs' energy over their time, 4 x 5 mJ over 4 x 50 us.
    CHECK(n.power_w == doctest::Approx(100));
    CHECK(c.chip.power_w == doctest::Approx(100));
}

TEST_CASE("cluster npuemu chip: the step's compute moves by exactly the profiled cycles") {
    test::TempYaml file(test::tiny_npuemu_cluster(test::kTinyProfile));
    const ClusterConfig c = load_cluster_config(file.path());
    const StepResult base = simulate_step(c);

    // The same table with every GEMM 1000 cycles slower.
    nlohmann::json profile;
    std::ifstream(test::kTinyProfile) >> profile;
    for (auto& op : profile["ops"]) op["cycles"] = op["cycles"].get<uint64_t>() + 1000;
    test::TempYaml slower_profile(profile.dump());
    test::TempYaml slower_file(test::tiny_npuemu_cluster(slower_profile.path()));
    const StepResult slower = simulate_step(load_cluster_config(slower_file.path()));
    // Per micro-batch and layer: forward, backward (2x) and the recomputed forward: 4 x the 4 GEMMs' 4000 cycles;
    // the logits GEMM follows the layer GEMMs' utilisation, so take the layers' part only: 4 micro-batches x 2 layers.
    const double layer_delta_s = 4 * 2 * 4 * 4000e-9;
    const double logits_before_s_per_flop = c.npuemu->gemm_s("logits", 1);
    CHECK(compute_s(slower) > compute_s(base) + layer_delta_s * 0.999);
    // Everything else (attention estimates, element-wise ops) is unchanged: the rest of the difference is the
    // logits GEMM (forward and backward, 4 micro-batches), at the slower utilisation.
    const ClusterConfig slower_config = load_cluster_config(slower_file.path());  // alive while `s` is used
    const NpuemuChip& s = *slower_config.npuemu;
    const double logits_flops = 2.0 * 128 * (1024 / 2) * 256;
    const double logits_delta_s = 4 * 3 * (s.gemm_s("logits", logits_flops) - logits_before_s_per_flop * logits_flops);
    CHECK(compute_s(slower) - compute_s(base) == doctest::Approx(layer_delta_s + logits_delta_s).epsilon(1e-9));
}

TEST_CASE("cluster npuemu chip: an operating point's cycles at its own clock") {
    test::TempYaml file(test::tiny_npuemu_cluster(test::kTinyProfile));
    const ClusterConfig c = load_cluster_config(file.path(), {"chips.npuemu.operating_point_mhz=500"});
    CHECK(c.npuemu->gemm_s("qkv", 0) == doctest::Approx(20000 / 500e6));
    CHECK(c.npuemu->gemm_s("mlp_down", 0) == doctest::Approx(30000 / 500e6));
    // The pinned runs' energy over their GEMM time: 4 x 2 mJ over (20000 + 7000 + 18000 + 30000) / 500 MHz.
    CHECK(c.npuemu->power_w == doctest::Approx(8e-3 / (75000 / 500e6)));
    const std::string e =
        npuemu_cluster_error(test::tiny_npuemu_cluster(test::kTinyProfile), {"chips.npuemu.operating_point_mhz=700"});
    CHECK(e.find("operating_point_mhz 700 is not a profiled operating point (MHz: 1000 500)") != std::string::npos);
    // A table whose ops lack a listed point's run (edited by hand, or cut short).
    nlohmann::json profile;
    std::ifstream(test::kTinyProfile) >> profile;
    profile["ops"][2]["at_operating_points"].erase(1);
    test::TempYaml cut(profile.dump());
    const std::string missing =
        npuemu_cluster_error(test::tiny_npuemu_cluster(cut.path()), {"chips.npuemu.operating_point_mhz=500"});
    CHECK(missing.find("op 'mlp_up' has no run at 500 MHz") != std::string::npos);
}

TEST_CASE("cluster npuemu chip: the optimizer step takes the profiled AdamW time per parameter when there is one") {
    test::TempYaml file(test::tiny_npuemu_cluster(test::kTinyProfile));
    const ClusterConfig c = load_cluster_config(file.path());
    const StepResult estimated = simulate_step(c);
    CHECK_FALSE(estimated.optimizer_measured);
    CHECK(c.npuemu->optimizer_s_per_param == 0);
    CHECK(c.npuemu->estimated_ops().find("and the optimizer (memory_efficiency)") != std::string::npos);
    // The estimate: 28 bytes per parameter at memory_efficiency of the HBM peak.
    const double params = estimated.losses.optimizer_s * c.chip.hbm_bandwidth_gbyte_per_s * 1e9 * 0.8 / 28;

    // The same table with a profiled optimizer step: 3 M cycles for 1 Mi parameters at 1 GHz, 1.5 M at 500 MHz.
    nlohmann::json profile;
    std::ifstream(test::kTinyProfile) >> profile;
    profile["ops"].push_back(
        {{"name", "optimizer"},
         {"kind", "optimizer"},
         {"params", 1u << 20},
         {"m", 0},
         {"n", 0},
         {"k", 0},
         {"dtype", "bf16"},
         {"cycles", 3000000},
         {"energy_j", 0.01},
         {"at_operating_points",
          {{{"frequency_mhz", 1000}, {"voltage_mv", 750}, {"cycles", 3000000}, {"energy_j", 0.01}},
           {{"frequency_mhz", 500}, {"voltage_mv", 600}, {"cycles", 1500000}, {"energy_j", 0.004}}}}});
    test::TempYaml with_optimizer(profile.dump());
    test::TempYaml measured_file(test::tiny_npuemu_cluster(with_optimizer.path()));
    const ClusterConfig m = load_cluster_config(measured_file.path());
    CHECK(m.npuemu->optimizer_params == 1u << 20);
    CHECK(m.npuemu->optimizer_s_per_param == doctest::Approx(3e-3 / (1u << 20)));
    CHECK(m.npuemu->measured_ops().find("optimizer") != std::string::npos);
    CHECK(m.npuemu->estimated_ops().find("optimizer") == std::string::npos);
    const StepResult measured = simulate_step(m);
    CHECK(measured.optimizer_measured);
    CHECK(measured.losses.optimizer_s == doctest::Approx(params * 3e-3 / (1u << 20)));
    // Everything but the optimizer is as before.
    CHECK(measured.step_s - measured.losses.optimizer_s ==
          doctest::Approx(estimated.step_s - estimated.losses.optimizer_s));
    // At an operating point: that point's cycles at its clock.
    const ClusterConfig slow = load_cluster_config(measured_file.path(), {"chips.npuemu.operating_point_mhz=500"});
    CHECK(slow.npuemu->optimizer_s_per_param == doctest::Approx(1.5e6 / 500e6 / (1u << 20)));
}

TEST_CASE("cluster npuemu chip: attention takes the profiled flash attention, the softmax inside it") {
    test::TempYaml file(test::tiny_npuemu_cluster(test::kTinyProfile));
    const ClusterConfig c = load_cluster_config(file.path());
    const StepResult estimated = simulate_step(c);
    CHECK(c.npuemu->attention_s == 0);
    CHECK_FALSE(c.npuemu->fused("softmax"));
    CHECK(c.npuemu->estimated_ops().find("attention scores and values (attention_efficiency)") != std::string::npos);

    // The tiny model at TP 2: 2 of 4 heads (2 KV heads) of 64, 128 tokens; 40,000 cycles at 1 GHz, 30,000 at 500 MHz.
    nlohmann::json profile;
    std::ifstream(test::kTinyProfile) >> profile;
    const auto attention_op = [](uint32_t heads) {
        return nlohmann::json{
            {"name", "attention"},
            {"kind", "attention"},
            {"m", 0},
            {"n", 0},
            {"k", 0},
            {"dtype", "bf16"},
            {"attention", {{"seq", 128}, {"heads", heads}, {"kv_heads", heads}, {"d_head", 64}, {"causal", 1}}},
            {"cycles", 40000},
            {"energy_j", 0.001},
            {"at_operating_points",
             {{{"frequency_mhz", 1000}, {"voltage_mv", 750}, {"cycles", 40000}, {"energy_j", 0.001}},
              {{"frequency_mhz", 500}, {"voltage_mv", 600}, {"cycles", 30000}, {"energy_j", 0.0005}}}}};
    };
    nlohmann::json other_plan = profile;
    other_plan["ops"].push_back(attention_op(1));  // TP 4's shard: not this plan's, so not used
    test::TempYaml other_file(other_plan.dump());
    test::TempYaml other_cluster(test::tiny_npuemu_cluster(other_file.path()));
    CHECK(load_cluster_config(other_cluster.path()).npuemu->attention_s == 0);

    profile["ops"].push_back(attention_op(2));
    test::TempYaml with_attention(profile.dump());
    test::TempYaml measured_file(test::tiny_npuemu_cluster(with_attention.path()));
    const ClusterConfig m = load_cluster_config(measured_file.path());
    CHECK(m.npuemu->attention_s == doctest::Approx(40e-6));
    CHECK(m.npuemu->gemm_s("attention_scores", 1e9) == doctest::Approx(20e-6));  // half each, one sequence
    CHECK(m.npuemu->gemm_s("attention_values", 1e9) == doctest::Approx(20e-6));
    CHECK(m.npuemu->fused("softmax"));
    CHECK_FALSE(m.npuemu->fused("attention_dropout"));
    CHECK(m.npuemu->measured_ops().find("attention (scores, softmax, values") != std::string::npos);
    CHECK(m.npuemu->estimated_ops().find("attention") == std::string::npos);
    // The step's compute moves by the attention's difference: per micro-batch and layer, forward, backward (2x) and
    // the recomputed forward, 4 x (the profiled time - the estimates of the two GEMMs and the softmax).
    const StepResult measured = simulate_step(m);
    const double s = 128, h = 256, heads_per_rank = 2, gemm_flops = 2 * s * s * (h / 4) * heads_per_rank;
    const double estimate_s = 2 * c.npuemu->gemm_s("attention_scores", gemm_flops) +
                              2 * s * s * heads_per_rank * 2 / (c.chip.hbm_bandwidth_gbyte_per_s * 1e9 * 0.8);
    CHECK(compute_s(measured) - compute_s(estimated) ==
          doctest::Approx(4 * 2 * 4 * (40e-6 - estimate_s)).epsilon(1e-6));
    // At an operating point: its cycles at its clock.
    const ClusterConfig slow = load_cluster_config(measured_file.path(), {"chips.npuemu.operating_point_mhz=500"});
    CHECK(slow.npuemu->attention_s == doctest::Approx(30000 / 500e6));
    // A micro-batch of two sequences takes twice one sequence's time.
    NpuemuChip twice = *m.npuemu;
    twice.micro_batch = 2;
    CHECK(twice.gemm_s("attention_scores", 1) == doctest::Approx(40e-6));
}

TEST_CASE("cluster npuemu chip: a shape missing from the profile names the shape and the command that profiles it") {
    // TP 4 (4 chips, DP 1): the shards differ from the TP-2 table's.
    const std::string e =
        npuemu_cluster_error(test::tiny_npuemu_cluster(test::kTinyProfile), {"plan.tensor_parallel=4"});
    CHECK(e.find("chips.npuemu") != std::string::npos);
    CHECK(e.find("has no bf16 GEMM 128 x 192 x 256 (m x n x k: qkv of tiny at TP 4") != std::string::npos);
    CHECK(e.find("the profile ran: tiny, TP 2") != std::string::npos);
    CHECK(e.find("Profile it with: npuemu profile --model tiny -w model.hidden=256 -w model.heads=4") !=
          std::string::npos);
    CHECK(e.find("-w plan.tensor_parallel=4 -w plan.micro_batch=1 --dtype bf16 -c test") != std::string::npos);
    // Another dtype is another shape.
    const std::string int8 =
        npuemu_cluster_error(test::tiny_npuemu_cluster(test::kTinyProfile), {"chips.npuemu.dtype=int8"});
    CHECK(int8.find("has no int8 GEMM 128 x 384 x 256") != std::string::npos);
}

TEST_CASE("cluster npuemu chip: a profile of another chip config is refused") {
    const std::string e =
        npuemu_cluster_error(test::tiny_npuemu_cluster(test::kTinyProfile), {"chips.npuemu.config=default"});
    CHECK(e.find("the profile was made for chip 'npu7-test' (1024 MACs/cycle") != std::string::npos);
    CHECK(e.find("is 'npu7-default' (131072 MACs/cycle): profile it with -c default") != std::string::npos);
}

TEST_CASE("cluster npuemu chip: bad sections are refused") {
    CHECK(
        npuemu_cluster_error(test::tiny_npuemu_cluster("/nonexistent/p.json")).find("no file '/nonexistent/p.json'") !=
        std::string::npos);
    CHECK(npuemu_cluster_error(test::tiny_npuemu_cluster(test::kTinyProfile), {"chips.preset=a100-80gb"})
              .find("an npuemu chip (npuemu:) or a comparator (preset:, chip:), not both") != std::string::npos);
    CHECK(
        npuemu_cluster_error(test::tiny_npuemu_cluster(test::kTinyProfile), {"chips.npuemu.profle=x"}).find("profle") !=
        std::string::npos);
    test::TempYaml not_profile("{\"schema\": \"something-else\"}");
    CHECK(npuemu_cluster_error(test::tiny_npuemu_cluster(not_profile.path())).find("not an `npuemu profile` table") !=
          std::string::npos);
}

TEST_CASE("cluster npuemu chip: the shipped GPT-3 175B 10,240-chip example loads and runs beside its A100 twin") {
    const std::string dir = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/gpt3_10k/";
    const ClusterConfig npu = load_cluster_config(dir + "npuemu_default.yaml");
    const ClusterConfig a100 = load_cluster_config(dir + "a100.yaml");
    REQUIRE(npu.npuemu);
    CHECK(npu.npuemu->layer_gemms.size() == 4);
    CHECK(npu.data_parallel() == a100.data_parallel());
    const StepResult r = simulate_step(npu);
    CHECK(r.step_s > 0);
    CHECK(r.mfu > 0);
    CHECK(r.mfu < 1);
}

TEST_CASE("cluster npuemu chip: the node4 calibration file predicts its TP layer within 5% of the multi-chip run") {
    // The L1 figure is bench/calibration.sh's: firmware/decoder_layer_tp, GPT-3 6.7B at TP 4 on node4, 2048 tokens,
    // 3,576,082 cycles at 1 GHz (docs/cluster.md). Re-measure and update it when the firmware or the chip changes.
    const double measured_s = 3576082e-9;
    const ClusterConfig c =
        load_cluster_config(std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/calibration/node4_gpt3_6.7b_tp4.yaml");
    const StepResult r = simulate_step(c);
    CHECK(r.layer_forward.tp_all_reduces == 2);
    CHECK(r.layer_forward.total_s() == doctest::Approx(measured_s).epsilon(0.05));
    // Each compute phase too, now that the profile runs the layer's GEMMs with their epilogues and its row passes
    // (the firmware's phases in microseconds, bench/compare_tp_layer.py's "measured" column; docs/cluster.md).
    const auto model_us = [&r](std::initializer_list<const char*> ops) {
        double seconds = 0;
        for (const char* op : ops) {
            for (const auto& [name, s] : r.layer_forward.ops) seconds += name == op ? s : 0;
        }
        return seconds * 1e6;
    };
    CHECK(model_us({"layernorm1"}) == doctest::Approx(52.9).epsilon(0.05));
    CHECK(model_us({"qkv"}) == doctest::Approx(265.3).epsilon(0.05));
    CHECK(model_us({"attention_scores", "softmax", "attention_values"}) == doctest::Approx(124.1).epsilon(0.05));
    CHECK(model_us({"proj"}) == doctest::Approx(103.4).epsilon(0.05));
    CHECK(model_us({"bias_dropout_add1"}) == doctest::Approx(60.8).epsilon(0.05));
    CHECK(model_us({"layernorm2"}) == doctest::Approx(52.9).epsilon(0.05));
    CHECK(model_us({"mlp_up", "bias_gelu"}) == doctest::Approx(353.5).epsilon(0.05));
    CHECK(model_us({"mlp_down"}) == doctest::Approx(349.2).epsilon(0.05));
    CHECK(model_us({"bias_dropout_add2"}) == doctest::Approx(60.9).epsilon(0.05));
}
