// The cluster model's sharded data parallelism (ZeRO-3 / FSDP), context parallelism (ring attention) and expert
// parallelism (MoE all-to-alls) against closed forms: where each collective is placed and how many bytes it moves,
// what the overlap hides, what memory the sharding saves; and every bad plan refused naming the key.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/collectives.h"
#include "model/cluster/fsdp_schedule.h"
#include "model/cluster/step_model.h"
#include "model/cluster/step_report.h"
#include "model/cluster/topology.h"
#include "model/cluster/workload.h"
#include "model/common/error.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

const std::string kSelene = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/megatron_selene/selene.yaml";

// A GPT of 24 layers, h 4096 on 64 A100s, TP 8 x DP 8, one micro-batch per replica (global batch 8).
std::vector<std::string> small_gpt(std::vector<std::string> extra) {
    std::vector<std::string> all{"chips.count=64",       "model.layers=24",      "model.hidden=4096",
                                 "model.heads=32",       "model.global_batch=8", "plan.pipeline_parallel=1",
                                 "plan.virtual_stages=1"};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
}

StepResult step_of(const std::vector<std::string>& overrides) {
    return simulate_step(load_cluster_config(kSelene, overrides));
}

std::string error_of(const std::vector<std::string>& overrides) {
    try {
        simulate_step(load_cluster_config(kSelene, overrides));
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

double step_loss_sum(const StepLosses& l) {
    return l.useful_compute_s + l.recompute_s + l.compute_inefficiency_s + l.tp_communication_s + l.cp_communication_s +
           l.ep_communication_s + l.pipeline_bubble_s + l.pp_communication_s + l.dp_communication_s + l.optimizer_s;
}

const Op& op_named(const Piece& piece, const std::string& name) {
    for (const Op& op : piece.forward) {
        if (op.name == name) return op;
    }
    FAIL("no op " << name);
    return piece.forward.front();
}

}  // namespace

TEST_CASE("cluster parallel: FSDP's prefetch hides a gather behind each unit but the first: a + (n-1) max(0, a-f)") {
    const double a = 2e-3, f = 5e-3, r = 1e-3;
    const std::vector<FsdpUnit> fast_gather(6, FsdpUnit{f, a, 0});
    CHECK(fsdp_exposed_s(fast_gather) == doctest::Approx(a));
    const std::vector<FsdpUnit> slow_gather(6, FsdpUnit{a, f, 0});  // compute 2 ms, gather 5 ms
    CHECK(fsdp_exposed_s(slow_gather) == doctest::Approx(f + 5 * (f - a)));
    // Backward: gathers and reduce-scatters share the stream; with b >= a + r only the first gather and the last
    // reduce-scatter show.
    const std::vector<FsdpUnit> backward(6, FsdpUnit{2 * f, a, r});
    CHECK(fsdp_exposed_s(backward) == doctest::Approx(a + r));
    CHECK(fsdp_exposed_s({}) == 0);
}

TEST_CASE(
    "cluster parallel: ZeRO-3/FSDP moves 3x the parameters per micro-batch (gather, gather, reduce-scatter), "
    "plain DP 2x per step; the sharding divides weights, gradients and optimizer state by DP") {
    const ClusterConfig plain_config = load_cluster_config(kSelene, small_gpt({}));
    const Workload w = make_workload(plain_config);
    const double n = 8;  // DP group
    const double params_bytes = 2 * w.params_per_chip;
    const StepResult plain = simulate_step(plain_config);
    CHECK(plain.dp_bytes_per_chip == doctest::Approx(2 * (n - 1) / n * params_bytes));
    for (const char* name : {"zero3", "fsdp"}) {
        CAPTURE(name);
        const StepResult fsdp = step_of(small_gpt({std::string("plan.dp_sharding=") + name}));
        CHECK(fsdp.dp_bytes_per_chip == doctest::Approx(3 * (n - 1) / n * params_bytes));
        CHECK(fsdp.dp_bytes_per_chip == doctest::Approx(1.5 * plain.dp_bytes_per_chip));
        CHECK(fsdp.dp_gradient_s == 0);  // nothing left for the step's end
        CHECK(fsdp.fsdp_layer_gather_s > 0);
        CHECK(fsdp.losses.dp_communication_s > 0);
        CHECK(step_loss_sum(fsdp.losses) == doctest::Approx(fsdp.step_s).epsilon(1e-9));
        const double unit_bytes = std::max(w.fsdp_layer_bytes, w.fsdp_embedding_bytes);
        CHECK(fsdp.memory.weights_bytes == doctest::Approx(4 * w.params_per_chip / n + 3 * unit_bytes));
        CHECK(fsdp.memory.optimizer_bytes == doctest::Approx(12 * w.params_per_chip / n));
        CHECK(fsdp.memory.activation_bytes == doctest::Approx(plain.memory.activation_bytes));
    }
    // Twice the micro-batches: FSDP gathers and reduces per micro-batch, plain DP still once per step.
    const StepResult fsdp2 = step_of(small_gpt({"plan.dp_sharding=fsdp", "model.global_batch=16"}));
    const StepResult plain2 = step_of(small_gpt({"model.global_batch=16"}));
    CHECK(fsdp2.micro_batches == 2);
    CHECK(fsdp2.dp_bytes_per_chip == doctest::Approx(6 * (n - 1) / n * params_bytes));
    CHECK(plain2.dp_bytes_per_chip == doctest::Approx(plain.dp_bytes_per_chip));
}

TEST_CASE("cluster parallel: FSDP's exposed gathers are DP communication, and a slow network exposes more of them") {
    const StepResult fast = step_of(small_gpt({"plan.dp_sharding=fsdp"}));
    const StepResult slow = step_of(small_gpt({"plan.dp_sharding=fsdp", "network.nic_gbit_per_s=10"}));
    CHECK(slow.fsdp_layer_gather_s > 10 * fast.fsdp_layer_gather_s);
    CHECK(slow.losses.dp_communication_s > fast.losses.dp_communication_s + 24 * (slow.fsdp_layer_gather_s / 2));
    CHECK(step_loss_sum(slow.losses) == doctest::Approx(slow.step_s).epsilon(1e-9));
    const std::string summary = step_summary(load_cluster_config(kSelene, small_gpt({"plan.dp_sharding=fsdp"})), fast);
    CHECK(summary.find("FSDP layer all-gather") != std::string::npos);
    CHECK(summary.find(", fsdp,") != std::string::npos);
}

TEST_CASE(
    "cluster parallel: a model that does not fit without sharding fits with ZeRO-3, which the memory check "
    "counts") {
    const std::vector<std::string> gpt3{"chips.count=64",       "model.layers=96",       "model.hidden=12288",
                                        "model.heads=96",       "model.global_batch=64", "plan.pipeline_parallel=1",
                                        "plan.virtual_stages=1"};
    const std::string e = error_of(gpt3);
    CHECK(e.find("does not fit in HBM") != std::string::npos);
    CHECK(e.find("zero3") != std::string::npos);
    std::vector<std::string> sharded = gpt3;
    sharded.push_back("plan.dp_sharding=zero3");
    const StepResult r = step_of(sharded);
    CHECK(r.memory.total_bytes() < 80e9);
}

TEST_CASE(
    "cluster parallel: CP splits the sequence: a rank's GEMMs see s/cp tokens, its attention (s/cp) x s, and "
    "ring attention passes K and V blocks of b (s/cp) 2 kv d_head/t x 2 bytes") {
    const ClusterConfig one = load_cluster_config(kSelene, small_gpt({}));
    const ClusterConfig four = load_cluster_config(kSelene, small_gpt({"chips.count=256", "plan.context_parallel=4"}));
    const Workload w1 = make_workload(one), w4 = make_workload(four);
    for (const char* op : {"qkv", "attention_scores", "attention_values", "proj", "mlp_up", "mlp_down"}) {
        CAPTURE(op);
        CHECK(op_named(w4.layer, op).flops == doctest::Approx(op_named(w1.layer, op).flops / 4));
    }
    CHECK(op_named(w4.layer, "attention_scores").attention_core);
    CHECK(w4.tp_all_reduce_bytes == doctest::Approx(w1.tp_all_reduce_bytes / 4));
    CHECK(w4.cp_kv_block_bytes == doctest::Approx(1.0 * (2048 / 4) * 2 * (32 * 128 / 8) * 2));
    CHECK(w4.layer.cp_ring_steps_forward == 3);
    CHECK(w4.layer.cp_blocks_per_step_backward == 2);
    CHECK(w4.micro_batches == w1.micro_batches);
    CHECK(w4.params_per_chip == doctest::Approx(w1.params_per_chip));
}

TEST_CASE("cluster parallel: a CP ring on one node passes a block in block/B + alpha; gradients reduce over DP x CP") {
    // 8 chips, TP 1, CP 8: one ring on one node switch (300 GB/s, 2 us, 5 us per step, 80% bus efficiency).
    const ClusterConfig c = load_cluster_config(
        kSelene, {"chips.count=8", "model.layers=24", "model.hidden=4096", "model.heads=32", "model.seq_length=8192",
                  "model.global_batch=8", "plan.tensor_parallel=1", "plan.pipeline_parallel=1", "plan.virtual_stages=1",
                  "plan.context_parallel=8", "plan.dp_sharding=zero1"});
    const StepResult r = simulate_step(c);
    const Workload w = make_workload(c);
    const double block = 1.0 * (8192 / 8) * 2 * 4096 * 2;  // K and V, all 32 heads on the one TP rank
    CHECK(r.cp_kv_pass_s == doctest::Approx(block / 0.8 / 300e9 + 2e-6 + 5e-6).epsilon(1e-9));
    CHECK(r.data_parallel == 1);
    // The CP ranks hold the same weights: their gradients are reduced over the 8 of them (ZeRO-1: reduce-scatter
    // and all-gather), the optimizer state sharded 8 ways.
    CHECK(r.dp_bytes_per_chip == doctest::Approx(2 * 7.0 / 8 * w.grad_bytes_per_chip));
    CHECK(r.memory.optimizer_bytes == doctest::Approx(12 * w.params_per_chip / 8));
    CHECK(r.dp_gradient_s > 0);
}

TEST_CASE(
    "cluster parallel: ring attention hides its pass behind the block's attention on fast links, and shows it "
    "as CP communication on slow ones") {
    const std::vector<std::string> base{
        "chips.count=256",          "model.layers=24",        "model.hidden=4096",
        "model.heads=32",           "model.seq_length=32768", "model.global_batch=8",
        "plan.pipeline_parallel=1", "plan.virtual_stages=1",  "plan.context_parallel=4"};
    const StepResult fast = step_of(base);
    CHECK(fast.cp_kv_pass_s > 0);
    CHECK(fast.losses.cp_communication_s == 0);
    std::vector<std::string> slow_net = base;
    slow_net.push_back("network.nic_gbit_per_s=1");
    const StepResult slow = step_of(slow_net);
    // 24 layers x 3 ring steps, forward, recomputed forward and backward (twice the blocks): never more than the
    // passes themselves, and most of them once they dwarf the attention.
    const double passes_s = 24 * 3 * (2 * slow.cp_kv_pass_s + 2 * slow.cp_kv_pass_s);
    CHECK(slow.losses.cp_communication_s > 0.5 * passes_s);
    CHECK(slow.losses.cp_communication_s <= passes_s);
    CHECK(step_loss_sum(slow.losses) == doctest::Approx(slow.step_s).epsilon(1e-9));
    const nlohmann::ordered_json j = step_json(load_cluster_config(kSelene, slow_net), slow);
    CHECK(j["losses"]["cp_communication"]["s"].get<double>() == slow.losses.cp_communication_s);
    CHECK(j["plan"]["context_parallel"] == 4);
}

TEST_CASE("cluster parallel: an all-to-all on one switch takes (P-1)/P S/B + alpha") {
    NodeSpec node;
    node.chips_per_node = 8;
    node.link_bandwidth_gbyte_per_s = 100;
    node.link_latency_us = 2;
    const ClusterTopology topology(8, node, NetworkSpec{});
    CollectiveSpec spec;
    spec.step_overhead_us = 3;
    const double bytes = 64e6;
    const CollectiveTime t = Collectives(topology, spec).all_to_all({{0, 1, 2, 3, 4, 5, 6, 7}}, bytes);
    CHECK(t.time_s == doctest::Approx(7.0 / 8 * bytes / 100e9 + 2e-6 + 3e-6).epsilon(1e-9));
}

TEST_CASE(
    "cluster parallel: MoE: each rank's experts compute its T k routed tokens, two all-to-alls per layer "
    "forward and two backward within the EP group, expert gradients over DP/EP") {
    // The preset's keys, but Selene's model section sets layers, hidden, heads and vocab over it: set them back.
    const std::vector<std::string> mixtral{
        "chips.count=64",           "model.preset=mixtral-8x7b", "model.layers=32",       "model.hidden=4096",
        "model.heads=32",           "model.vocab=32000",         "model.seq_length=4096", "model.global_batch=16",
        "plan.pipeline_parallel=1", "plan.virtual_stages=1",     "plan.expert_parallel=8"};
    const ClusterConfig c = load_cluster_config(kSelene, mixtral);
    CHECK(c.model.experts == 8);
    CHECK(c.model.experts_per_token == 2);
    CHECK(c.model.kv_heads == 8);
    CHECK(c.model.expert_ffn_hidden == 14336);
    const Workload w = make_workload(c);
    const double tokens = 4096, h = 4096, ffn = 14336, t = 8;
    // Sequence parallelism: each TP rank dispatches 1/t of the tokens; the routed tokens are gathered over TP before
    // the experts and reduce-scattered after them (k all-reduces' worth, beside proj's).
    CHECK(w.ep_all_to_all_bytes == doctest::Approx(tokens * 2 * h * 2 / t));
    CHECK(w.layer.tp_all_reduces_forward == 3);
    CHECK(w.layer.tp_all_reduces_backward == 3);
    const Op& up = op_named(w.layer, "expert_up");
    CHECK(up.flops == doctest::Approx(2 * tokens * 2 * (2 * ffn / t) * h));  // swiglu: gate and up
    CHECK(op_named(w.layer, "expert_down").flops == doctest::Approx(2 * tokens * 2 * h * ffn / t));
    CHECK(w.layer.ep_all_to_alls_forward == 2);
    CHECK(w.layer.ep_all_to_alls_backward == 2);
    // One expert per rank (8 experts over EP 8): its gradients are reduced over DP / EP = 1 rank, nothing to send.
    CHECK(w.expert_grad_bytes_per_chip == doctest::Approx(32 * 3 * h * ffn / t * 2));
    const StepResult r = simulate_step(c);
    CHECK(r.ep_all_to_all_s > 0);
    // Recomputation repeats the forward's two: 6 per layer per micro-batch, 32 layers, 2 micro-batches.
    CHECK(r.losses.ep_communication_s == doctest::Approx(2 * 32 * 6 * r.ep_all_to_all_s));
    CHECK(r.dp_bytes_per_chip == doctest::Approx(2 * 7.0 / 8 * w.grad_bytes_per_chip));
    CHECK(step_loss_sum(r.losses) == doctest::Approx(r.step_s).epsilon(1e-9));
    CHECK(step_summary(c, r).find("ep_communication") != std::string::npos);
    // Without EP each rank holds all 8 experts and no all-to-all runs; MFU counts the routed FLOPs only.
    std::vector<std::string> no_ep = mixtral;
    no_ep.back() = "plan.expert_parallel=1";
    no_ep.push_back("plan.dp_sharding=zero1");  // 8 experts per rank do not fit unsharded
    const StepResult dense_ep = step_of(no_ep);
    CHECK(dense_ep.losses.ep_communication_s == 0);
    CHECK(dense_ep.memory.weights_bytes > 4 * r.memory.weights_bytes);
}

TEST_CASE("cluster parallel: bad CP, EP and sharding plans are refused naming the key") {
    SUBCASE("CP not dividing the sequence") {
        const std::string e = error_of(small_gpt({"chips.count=192", "plan.context_parallel=3"}));
        CHECK(e.find("context_parallel 3 does not divide seq_length 2048") != std::string::npos);
    }
    SUBCASE("TP x PP x CP not dividing the chips") {
        const std::string e = error_of(small_gpt({"plan.context_parallel=16"}));
        CHECK(e.find("tensor_parallel x pipeline_parallel x context_parallel = 128 does not divide the 64 chips") !=
              std::string::npos);
    }
    SUBCASE("EP without experts") {
        CHECK(error_of(small_gpt({"plan.expert_parallel=2"})).find("expert_parallel 2 needs a mixture-of-experts") !=
              std::string::npos);
    }
    SUBCASE("EP not dividing the experts") {
        const std::string e = error_of(small_gpt({"model.experts=6", "plan.expert_parallel=4"}));
        CHECK(e.find("expert_parallel 4 does not divide the 6 experts") != std::string::npos);
    }
    SUBCASE("EP not dividing the DP group") {
        const std::string e = error_of(small_gpt({"model.experts=32", "plan.expert_parallel=16"}));
        CHECK(e.find("expert_parallel 16 does not divide the data-parallel group of 8") != std::string::npos);
    }
    SUBCASE("top-k above the experts") {
        const std::string e = error_of(small_gpt({"model.experts=4", "model.experts_per_token=5"}));
        CHECK(e.find("experts_per_token 5 exceeds the 4 experts") != std::string::npos);
    }
    SUBCASE("ZeRO-3 with EP") {
        const std::string e =
            error_of(small_gpt({"model.experts=8", "plan.expert_parallel=8", "plan.dp_sharding=zero3"}));
        CHECK(e.find("dp_sharding zero3/fsdp with expert_parallel") != std::string::npos);
    }
    SUBCASE("an unknown sharding lists the choices") {
        const std::string e = error_of(small_gpt({"plan.dp_sharding=zero2"}));
        CHECK(e.find("plan.dp_sharding") != std::string::npos);
        CHECK(e.find("fsdp") != std::string::npos);
    }
}

TEST_CASE(
    "cluster parallel: groups sit in Megatron-core's rank order: with TP filling the node, CP and EP peers are "
    "on other nodes; with TP 1 they share the node") {
    SUBCASE("a CP ring across nodes passes at the NIC's rate, on one node at the node link's") {
        const double block = 1.0 * (32768 / 2) * 2 * (32 * 128 / 8) * 2;
        const StepResult across = step_of(
            small_gpt({"chips.count=16", "model.seq_length=32768", "model.global_batch=1", "plan.context_parallel=2"}));
        CHECK(across.cp_kv_pass_s == doctest::Approx(block / 0.8 / 25e9).epsilon(0.01));
    }
    SUBCASE("an EP group of 8 neighbouring replicas on one node all-to-alls over the node switch") {
        const StepResult r =
            step_of({"chips.count=8", "model.layers=8", "model.hidden=4096", "model.heads=32", "model.global_batch=8",
                     "model.experts=8", "model.ffn_hidden=16384", "plan.tensor_parallel=1", "plan.pipeline_parallel=1",
                     "plan.virtual_stages=1", "plan.expert_parallel=8"});
        const double bytes = 2048.0 * 2 * 4096 * 2;
        CHECK(r.ep_all_to_all_s == doctest::Approx(7.0 / 8 * bytes / 0.8 / 300e9 + 2e-6 + 5e-6).epsilon(1e-9));
        CHECK(r.losses.ep_communication_s == doctest::Approx(8 * 6 * r.ep_all_to_all_s));
    }
}
