// Inference serving on the cluster model (model/cluster/inference.h) against closed forms: a decode step on a
// comparator chip at small batch reads every weight once (bytes / (HBM bandwidth x efficiency)) plus each sequence's
// KV cache; the KV cache per token is 2 x layers x KV heads x head_dim x 2 bytes / TP; the batch that fits; the
// saturation point; and bad inference input refused naming its key.
#include <doctest/doctest.h>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "model/cluster/cluster_config.h"
#include "model/cluster/inference.h"
#include "model/cluster/step_model.h"
#include "model/common/error.h"
#include "tests/unit/temp_yaml.h"
#include "tests/unit/tiny_npuemu_cluster.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

// One chip with a flat GEMM efficiency, no kernel overhead, a small dense model: at batch 1 every op is memory-bound
// (a GEMM's 2 n k FLOPs at 500 TFLOP/s against its 2 n k bytes at 500 GB/s).
const char* const kSmall = R"(
name: small-inference
chips:
  count: 1
  chip:
    name: flat
    peak_bf16_tflops: 1000
    hbm_bandwidth_gbyte_per_s: 1000
    hbm_capacity_gbyte: 4
    memory_efficiency: 0.5
    kernel_overhead_us: 0
    gemm_efficiency:
      - {gemm_flops: 1e3, efficiency: 0.5}
      - {gemm_flops: 1e15, efficiency: 0.5}
node: {chips_per_node: 8}
network: {tiers: 2}
model:
  layers: 2
  hidden: 1024
  heads: 8
  kv_heads: 8
  ffn_hidden: 4096
  vocab: 32000
  seq_length: 2048
  activation: gelu
plan: {tensor_parallel: 1, pipeline_parallel: 1}
workload:
  kind: inference
  prompt_tokens: 1000
  output_tokens: 100
  request_rate_per_s: 1
  max_batch: 64
)";

const std::string kLlama = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/inference/llama3_70b_h100.yaml";

std::string load_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
    test::TempYaml file(text);
    try {
        simulate_inference(load_cluster_config(file.path(), overrides));
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

// The shared tiny cluster of test chips (tests/unit/tiny_npuemu_cluster.h) as 2 replicas of TP 2 serving requests.
std::string tiny_npuemu_inference(const std::string& profile) {
    return test::tiny_npuemu_cluster(profile) +
           "workload: {kind: inference, prompt_tokens: 128, output_tokens: 16, request_rate_per_s: 10, max_batch: 8}\n";
}

}  // namespace

TEST_CASE("inference: an npuemu chip's prefill takes the profiled GEMMs of its shapes, the decode's m = B the rule") {
    const std::string& profile_file = test::kTinyProfile;
    test::TempYaml file(tiny_npuemu_inference(profile_file));
    const ClusterConfig c = load_cluster_config(file.path());
    // The same table with every GEMM 1000 cycles (1 us at the test chip's 1 GHz) slower.
    nlohmann::json profile;
    std::ifstream(profile_file) >> profile;
    for (auto& op : profile["ops"]) op["cycles"] = op["cycles"].get<uint64_t>() + 1000;
    test::TempYaml slower_profile(profile.dump());
    test::TempYaml slower_file(tiny_npuemu_inference(slower_profile.path()));
    const ClusterConfig slower = load_cluster_config(slower_file.path());
    const InferenceModel base_model(c), slower_model(slower);
    // Prefill at the profile's 128 tokens: 2 layers x 4 profiled GEMMs, each 1 us slower.
    CHECK(slower_model.prefill_s() - base_model.prefill_s() == doctest::Approx(2 * 4 * 1e-6).epsilon(1e-6));
    // Decode at batch 1: no profiled shape; its GEMMs are bound by their weight reads, the same for both tables.
    CHECK(slower_model.decode_step(1).step_s == doctest::Approx(base_model.decode_step(1).step_s).epsilon(1e-12));
    const InferenceResult r = simulate_inference(c);
    CHECK(r.replicas == 2);
    CHECK(r.request_rate_per_replica_s == doctest::Approx(5));
}

TEST_CASE("inference: a decode step at small batch reads the weights once and each sequence's KV cache") {
    test::TempYaml file(kSmall);
    const ClusterConfig c = load_cluster_config(file.path());
    const InferenceModel model(c);
    const double h = 1024, ffn = 4096, v = 32000, layers = 2, d = 128, kv = 8;
    const double layer_weight_bytes = 2 * (h * 3 * h + h * h + h * ffn + ffn * h);
    const double context = 1000 + 100 / 2.0;
    const double rate = 1000e9 * 0.5;
    for (const double b : {1.0, 4.0}) {
        const double kv_bytes = b * (context + 1) * 2 * kv * d * 2;
        // layernorms 2 x 2bh, residual adds 2 x 3bh (bf16), the activation 2 b ffn (bf16), the embedding 2bh (bf16)
        const double activation_bytes = b * h * 2 * (2 + 2 + 3 + 3) + 2 * b * ffn * 2;
        const double bytes = layers * (layer_weight_bytes + kv_bytes + activation_bytes) + 2 * v * h + 2 * b * h * 2;
        const DecodeStep step = model.decode_step(uint32_t(b));
        CHECK(step.tp_s == 0);
        CHECK(step.step_s == doctest::Approx(bytes / rate).epsilon(1e-9));
    }
}

TEST_CASE("inference: KV cache per token is 2 x layers x KV heads x head_dim x 2 bytes / TP, and the batch that fits") {
    const ClusterConfig c = load_cluster_config(kLlama);
    const InferenceMemory m = inference_memory(c);
    CHECK(m.kv_bytes_per_token == doctest::Approx(2.0 * 80 * 8 * 128 * 2 / 8));
    CHECK(m.kv_bytes_per_sequence == doctest::Approx(m.kv_bytes_per_token * (2048 + 256)));
    const double free_bytes = 80e9 - m.weights_bytes;
    CHECK(m.max_batch_fit == uint32_t(free_bytes / m.kv_bytes_per_sequence));
    CHECK(m.max_batch_fit > 0);
}

TEST_CASE("inference: the saturation point is replicas / (prefill + output_tokens x decode step / batch)") {
    test::TempYaml file(kSmall);
    const ClusterConfig c = load_cluster_config(file.path());
    const InferenceResult r = simulate_inference(c);
    const double expected_max =
        1 / (r.prefill_s + 100 * r.decode_at_cap.step_s / r.batch_cap);  // one replica on one chip
    CHECK(r.max_request_rate_per_s == doctest::Approx(expected_max));
    CHECK(r.utilisation == doctest::Approx(1 / expected_max).epsilon(1e-9));

    auto at_rate = [&](double rate) {
        return simulate_inference(
            load_cluster_config(file.path(), {"workload.request_rate_per_s=" + std::to_string(rate)}));
    };
    const InferenceResult below = at_rate(0.99 * expected_max), above = at_rate(1.01 * expected_max);
    CHECK(below.sustainable);
    CHECK(below.utilisation == doctest::Approx(0.99).epsilon(1e-6));
    CHECK(below.tokens_per_s == doctest::Approx(0.99 * expected_max * 100).epsilon(1e-6));
    CHECK_FALSE(above.sustainable);
    CHECK(above.settled_batch == above.batch_cap);
    CHECK(above.tokens_per_s == doctest::Approx(expected_max * 100).epsilon(1e-6));
    CHECK(above.time_to_first_token_s == std::numeric_limits<double>::infinity());
    // Served at the max rate, the requests in decode fill the cap exactly (Little's law at saturation).
    CHECK(above.mean_decoding_sequences == doctest::Approx(above.batch_cap).epsilon(1e-9));

    // The settled batch is the smallest whose decode steps keep up: one sequence fewer would not.
    const InferenceModel model(
        load_cluster_config(file.path(), {"workload.request_rate_per_s=" + std::to_string(0.99 * expected_max)}));
    const double rate = 0.99 * expected_max;
    auto busy = [&](uint32_t b) { return rate * (below.prefill_s + 100 * model.decode_step(b).step_s / b); };
    REQUIRE(below.settled_batch > 1);
    CHECK(busy(below.settled_batch) <= 1);
    CHECK(busy(below.settled_batch - 1) > 1);
    CHECK(below.time_per_output_token_s == doctest::Approx(below.decode.step_s / (1 - rate * below.prefill_s)));
}

TEST_CASE("inference: bad input is refused naming the key, and a model that does not fit says by how much") {
    CHECK(load_error(kSmall, {"workload.kind=serving"}).find("kind") != std::string::npos);
    CHECK(load_error(kSmall, {"workload.prompt_tokens=0"}).find("prompt_tokens") != std::string::npos);
    CHECK(load_error(kSmall, {"workload.request_rate_per_s=-1"}).find("request_rate_per_s") != std::string::npos);
    CHECK(load_error(kSmall, {"workload.max_batch=0"}).find("max_batch") != std::string::npos);
    CHECK(load_error(kSmall, {"workload.tokens=5"}).find("tokens") != std::string::npos);
    CHECK(load_error(kSmall, {"model.experts=8"}).find("dense models only") != std::string::npos);
    const std::string too_big = load_error(kSmall, {"chips.chip.hbm_capacity_gbyte=0.05"});
    CHECK(too_big.find("does not fit in HBM for inference") != std::string::npos);
    CHECK(too_big.find("GB over") != std::string::npos);
    // A training step of an inference cluster is refused, not silently run.
    test::TempYaml file(kSmall);
    CHECK_THROWS_AS(simulate_step(load_cluster_config(file.path())), Error);
}
