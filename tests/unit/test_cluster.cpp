// The cluster model (model/cluster) against closed forms: a flow alone gets its path's line rate, flows share a
// bottleneck max-min fairly, a ring all-reduce on an uncontended ring takes 2(P-1)/P S/B + 2(P-1) alpha, a 1F1B
// pipeline idles (p-1)/m of its ideal time; and every bad cluster is refused with a message naming the problem.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "model/cluster/cluster_config.h"
#include "model/cluster/collectives.h"
#include "model/cluster/flow_network.h"
#include "model/cluster/pipeline_schedule.h"
#include "model/cluster/step_model.h"
#include "model/cluster/step_report.h"
#include "model/cluster/topology.h"
#include "model/common/error.h"
#include "tests/unit/temp_yaml.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

const std::string kSelene = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/megatron_selene/selene.yaml";

std::string error_of(const std::string& file, const std::vector<std::string>& overrides) {
    try {
        simulate_step(load_cluster_config(file, overrides));
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("cluster: one flow on an idle path moves at the path's slowest link, then pays the path's latency") {
    FlowNetwork net;
    const LinkId a = net.add_link("a", 100e9, 1e-6), b = net.add_link("b", 50e9, 2e-6), c = net.add_link("c", 200e9, 0);
    const std::vector<double> done = net.simulate({{{a, b, c}, 1e9, 0.5}});
    CHECK(done[0] == doctest::Approx(0.5 + 1e9 / 50e9 + 3e-6).epsilon(1e-12));
}

TEST_CASE("cluster: two flows share a bottleneck fairly, and the survivor takes the whole link when one ends") {
    FlowNetwork net;
    const LinkId shared = net.add_link("shared", 100e9, 0);
    const LinkId x = net.add_link("x", 400e9, 0), y = net.add_link("y", 400e9, 0);
    const std::vector<LinkId> p1{x, shared}, p2{y, shared};
    const std::vector<double> rates = net.max_min_rates({&p1, &p2});
    CHECK(rates[0] == doctest::Approx(50e9));
    CHECK(rates[1] == doctest::Approx(50e9));
    // 0.5 GB and 1 GB: the first ends at 0.5/50 = 10 ms; the second's last 0.5 GB then runs at 100 GB/s: 15 ms.
    const std::vector<double> done = net.simulate({{p1, 0.5e9, 0}, {p2, 1e9, 0}});
    CHECK(done[0] == doctest::Approx(0.010));
    CHECK(done[1] == doctest::Approx(0.015));
}

TEST_CASE("cluster: max-min fairness, 3 flows on 2 bottlenecks, equals the hand-computed allocation") {
    // L1 = 10, L2 = 4; flow a uses L1, b uses L1 and L2, c uses L2. L2 is tightest (4/2 = 2): b = c = 2; a takes
    // what L1 has left: 10 - 2 = 8.
    FlowNetwork net;
    const LinkId l1 = net.add_link("l1", 10, 0), l2 = net.add_link("l2", 4, 0);
    const std::vector<LinkId> a{l1}, b{l1, l2}, c{l2};
    const std::vector<double> rates = net.max_min_rates({&a, &b, &c});
    CHECK(rates[0] == doctest::Approx(8));
    CHECK(rates[1] == doctest::Approx(2));
    CHECK(rates[2] == doctest::Approx(2));
}

// A ring all-reduce over chips 0..p-1 of the topology against 2(P-1)/P S/B + 2(P-1) alpha.
void check_ring_closed_form(const ClusterTopology& topology, double p, double link_bytes_per_s, double hop_s) {
    CollectiveSpec spec;
    spec.algorithm = CollectiveAlgorithm::Ring;
    spec.step_overhead_us = 3;
    const double bytes = 64e6, alpha = hop_s + 3e-6;  // hop latency + step overhead
    ChipGroup ring;
    for (uint32_t c = 0; c < p; ++c) ring.push_back(c);
    const CollectiveTime t = Collectives(topology, spec).all_reduce({ring}, bytes);
    CHECK(t.algorithm == "ring");
    CHECK(t.time_s == doctest::Approx(2 * (p - 1) / p * bytes / link_bytes_per_s + 2 * (p - 1) * alpha).epsilon(1e-9));
}

TEST_CASE("cluster: ring all-reduce on an uncontended ring takes 2(P-1)/P S/B + 2(P-1) alpha") {
    SUBCASE("8 chips on one node switch") {
        NodeSpec node;
        node.chips_per_node = 8;
        node.link_bandwidth_gbyte_per_s = 100;
        node.link_latency_us = 2;
        check_ring_closed_form(ClusterTopology(8, node, NetworkSpec{}), 8, 100e9, 2e-6);
    }
    SUBCASE("5 nodes of one chip, over their NICs") {
        NodeSpec node;
        node.chips_per_node = 1;
        NetworkSpec network;
        network.nic_gbit_per_s = 400;
        network.nic_latency_us = 1.5;
        check_ring_closed_form(ClusterTopology(5, node, network), 5, 50e9, 1.5e-6);
    }
}

TEST_CASE("cluster: a pipelined ring's phase is (P-1) max(alpha, d) + min(alpha, d), d = S/(P B), both regimes") {
    NodeSpec node;
    node.chips_per_node = 4;
    node.link_bandwidth_gbyte_per_s = 25;
    node.link_latency_us = 0.2;
    const ClusterTopology topology(4, node, NetworkSpec{});
    CollectiveSpec spec;
    spec.algorithm = CollectiveAlgorithm::Ring;
    spec.step_overhead_us = 1;
    spec.pipelined_steps = true;
    const double alpha = 1.2e-6;
    for (const double bytes : {4096.0, 16e6}) {  // latency-bound and data-bound steps
        const double d = bytes / 4 / 25e9;
        const double phase = 3 * std::max(alpha, d) + std::min(alpha, d);
        CHECK(Collectives(topology, spec).all_reduce({{0, 1, 2, 3}}, bytes).time_s ==
              doctest::Approx(2 * phase).epsilon(1e-9));
    }
}

TEST_CASE(
    "cluster: hierarchical all-reduce = ring reduce-scatter in the node, ring all-reduce of S/k across, "
    "all-gather in the node, a tree of two pays the whole message up and down") {
    NodeSpec node;
    node.chips_per_node = 4;
    node.link_bandwidth_gbyte_per_s = 100;
    node.link_latency_us = 2;
    NetworkSpec network;
    network.nic_gbit_per_s = 400;  // 50 GB/s
    network.nic_latency_us = 1.5;
    const ClusterTopology topology(8, node, network);
    CollectiveSpec spec;
    spec.step_overhead_us = 3;
    spec.tree_below_kib = 0;  // auto: never the tree
    const Collectives collectives(topology, spec);
    const double bytes = 64e6, k = 4, n = 2, node_alpha = 2e-6 + 3e-6, nic_alpha = 1.5e-6 + 3e-6;
    const CollectiveTime t = collectives.all_reduce({{0, 1, 2, 3, 4, 5, 6, 7}}, bytes);
    CHECK(t.algorithm == "hierarchical");
    const double inside = (k - 1) * (bytes / k / 100e9 + node_alpha);
    const double across = 2 * (n - 1) * (bytes / k / n / 50e9 + nic_alpha);
    CHECK(t.time_s == doctest::Approx(2 * inside + across).epsilon(1e-9));
    // Cheaper than a flat ring, whose steps each wait for the slow NIC hop.
    CHECK(t.time_s < collectives.ring_all_reduce_s({{0, 1, 2, 3, 4, 5, 6, 7}}, bytes));
    // Two chips on one node: reduce (1 -> 0), broadcast (0 -> 1), the whole message each way.
    CHECK(collectives.tree_all_reduce_s({{0, 1}}, bytes) == doctest::Approx(2 * (bytes / 100e9 + node_alpha)));
}

TEST_CASE(
    "cluster: the fastest all-reduce is the quickest of the model's estimates at every size, no step at a "
    "threshold") {
    NodeSpec node;
    node.chips_per_node = 8;
    node.link_bandwidth_gbyte_per_s = 50;
    node.link_latency_us = 1;
    const ClusterTopology topology(8, node, NetworkSpec{});
    CollectiveSpec spec;
    spec.step_overhead_us = 5;
    spec.algorithm = CollectiveAlgorithm::Fastest;
    const Collectives fastest(topology, spec);
    spec.algorithm = CollectiveAlgorithm::Auto;
    const Collectives by_threshold(topology, spec);
    const ChipGroup group{0, 1, 2, 3, 4, 5, 6, 7};
    bool saw_tree = false, saw_ring = false;
    double previous_s = 0;
    for (double bytes = 1024; bytes <= 64e6; bytes *= 2) {
        const CollectiveTime t = fastest.all_reduce({group}, bytes);
        const double tree_s = fastest.tree_all_reduce_s({group}, bytes);
        const double ring_s = fastest.ring_all_reduce_s({group}, bytes);
        CHECK(t.time_s == doctest::Approx(std::min(tree_s, ring_s)).epsilon(1e-12));
        CHECK(t.time_s <= by_threshold.all_reduce({group}, bytes).time_s * (1 + 1e-12));
        CHECK(t.time_s >= previous_s);  // never faster for a bigger message
        previous_s = t.time_s;
        saw_tree |= t.algorithm == "tree";
        saw_ring |= t.algorithm == "ring";
    }
    CHECK(saw_tree);
    CHECK(saw_ring);
    // Between the sizes where each wins, the NCCL-style threshold (256 KiB) picks the slower one on this node.
    const double at_threshold = 256 * 1024;
    CHECK(fastest.all_reduce({group}, at_threshold).time_s < by_threshold.all_reduce({group}, at_threshold).time_s);
}

TEST_CASE("cluster: rings that share an oversubscribed leaf uplink slow down, on a full fat tree they do not") {
    NodeSpec node;
    node.chips_per_node = 1;
    NetworkSpec network;
    network.tiers = 2;
    network.switch_radix = 8;  // full: 4 chips per leaf, 4 ports up
    network.rail_optimised = false;
    CollectiveSpec spec;
    spec.algorithm = CollectiveAlgorithm::Ring;
    spec.step_overhead_us = 0;
    // Six rings of two, chip i with chip i + 6: on the full tree no leaf sends more than its 4 uplinks carry.
    const std::vector<ChipGroup> rings{{0, 6}, {1, 7}, {2, 8}, {3, 9}, {4, 10}, {5, 11}};
    const double full = Collectives(ClusterTopology(12, node, network), spec).all_reduce(rings, 1e9).time_s;
    // A ring of two: one step each way of S/2 at the NIC's 25 GB/s, plus the path's 1.5 us (NIC, leaf up, down).
    CHECK(full == doctest::Approx(2 * (0.5e9 / 25e9 + 1.5e-6)));
    // Oversubscribed 3:1, 6 ports down and 2 up: leaf 0 holds chips 0-5, whose 6 flows share 2 chips' worth of
    // uplink: a third of the line rate each.
    network.leaf_oversubscription = 3;
    const double over = Collectives(ClusterTopology(12, node, network), spec).all_reduce(rings, 1e9).time_s;
    CHECK(over == doctest::Approx(3 * full).epsilon(0.01));
}

TEST_CASE("cluster: the 1F1B pipeline idles (p-1)/m of the ideal time, interleaving v chunks divides it by v") {
    const uint32_t p = 4, m = 8;
    const double f = 1, b = 2;
    PipelineInput in;
    in.stages = p;
    in.micro_batches = m;
    in.forward_s.assign(p, {f});
    in.backward_s.assign(p, {b});
    const PipelineResult plain = simulate_pipeline(in);
    const double ideal = m * (f + b);
    CHECK(plain.makespan_s == doctest::Approx(ideal * (1 + double(p - 1) / m)));
    const uint32_t v = 2;
    in.chunks = v;
    in.forward_s.assign(p, {f / v, f / v});
    in.backward_s.assign(p, {b / v, b / v});
    const PipelineResult interleaved = simulate_pipeline(in);
    CHECK(interleaved.makespan_s == doctest::Approx(ideal * (1 + double(p - 1) / (v * m))));
}

TEST_CASE("cluster: GEMM efficiency depends on the GEMM's size (never one flat roofline), both presets load") {
    const ClusterConfig h100 = load_cluster_config(kSelene, {"chips.preset=h100-sxm"});
    CHECK(h100.chip.peak_bf16_tflops == doctest::Approx(989.5));
    CHECK(h100.chip.gemm_efficiency_at(1e12) < h100.chip.gemm_efficiency_at(1e13));
    const ClusterConfig c = load_cluster_config(kSelene);
    const double small = c.chip.gemm_efficiency_at(1e9), mid = c.chip.gemm_efficiency_at(3e10),
                 large = c.chip.gemm_efficiency_at(1e12);
    CHECK(small < mid);
    CHECK(mid < large);
    CHECK(large < 1);
}

TEST_CASE("cluster: a step's losses add up to its time, and the JSON-facing figures agree with each other") {
    const ClusterConfig c =
        load_cluster_config(kSelene, {"chips.count=512", "model.layers=48", "model.hidden=8192", "model.heads=64",
                                      "model.global_batch=1536", "plan.pipeline_parallel=2"});
    const StepResult r = simulate_step(c);
    const StepLosses& l = r.losses;
    const double sum = l.useful_compute_s + l.recompute_s + l.compute_inefficiency_s + l.tp_communication_s +
                       l.pipeline_bubble_s + l.pp_communication_s + l.dp_communication_s + l.optimizer_s;
    CHECK(sum == doctest::Approx(r.step_s).epsilon(1e-6));
    CHECK(r.tokens_per_s == doctest::Approx(1536.0 * 2048 / r.step_s));
    CHECK(r.mfu == doctest::Approx(r.model_tflops_per_chip / 312));
    CHECK(l.tp_communication_s > 0);
    CHECK(l.pipeline_bubble_s > 0);
    CHECK(l.dp_communication_s > 0);
    CHECK(r.data_parallel == 32);
    const nlohmann::ordered_json j = step_json(c, r);
    CHECK(j["schema"] == "npuemu.cluster.step/1");
    CHECK(j["step_s"].get<double>() == r.step_s);
    double shares = 0;
    for (const auto& [name, loss] : j["losses"].items()) shares += loss["share"].get<double>();
    CHECK(shares == doctest::Approx(1).epsilon(1e-6));
    CHECK(step_summary(c, r).find("pipeline_bubble") != std::string::npos);
}

TEST_CASE("cluster: the plan's switches move the losses they should") {
    const std::vector<std::string> base{"chips.count=512", "model.layers=48",         "model.hidden=8192",
                                        "model.heads=64",  "model.global_batch=1536", "plan.pipeline_parallel=2"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> all = base;
        all.insert(all.end(), extra.begin(), extra.end());
        return simulate_step(load_cluster_config(kSelene, all));
    };
    const StepResult plain = with({});
    SUBCASE("overlapping the gradient all-reduce hides some of it") {
        const StepResult overlap = with({"plan.dp_overlap=true"});
        CHECK(overlap.losses.dp_communication_s < plain.losses.dp_communication_s);
        CHECK(overlap.step_s < plain.step_s);
    }
    SUBCASE("without recomputation: no recompute time, a shorter step, more activation memory") {
        const StepResult keep = with({"plan.recompute=false"});
        CHECK(keep.losses.recompute_s == 0);
        CHECK(keep.step_s < plain.step_s);
        CHECK(keep.memory.activation_bytes > 4 * plain.memory.activation_bytes);
    }
    SUBCASE("ZeRO-1 divides the optimizer state by the DP size") {
        const StepResult zero = with({"plan.dp_sharding=zero1"});
        CHECK(zero.memory.optimizer_bytes == doctest::Approx(plain.memory.optimizer_bytes / 32));
    }
    SUBCASE(
        "without dropout: no attention dropout, 6 bytes per element for bias + residual; the forward's ops sum "
        "to its compute") {
        const StepResult none = with({"model.dropout=false"});
        auto op_s = [](const StepResult& r, const std::string& name) {
            for (const auto& [op, s] : r.layer_forward.ops)
                if (op == name) return s;
            return -1.0;
        };
        CHECK(op_s(plain, "attention_dropout") > 0);
        CHECK(op_s(none, "attention_dropout") == -1.0);
        CHECK(op_s(none, "bias_dropout_add1") == doctest::Approx(op_s(plain, "bias_dropout_add1") * 6 / 7));
        CHECK(none.step_s < plain.step_s);
        double sum_s = 0;
        for (const auto& [op, s] : none.layer_forward.ops) sum_s += s;
        CHECK(sum_s == doctest::Approx(none.layer_forward.compute_s));
        CHECK(none.layer_forward.tp_s == doctest::Approx(2 * none.tp_all_reduce_s));
    }
    SUBCASE("more micro-batches in the same pipeline shrink the bubble's share") {
        const StepResult big = with({"model.global_batch=3072"});
        CHECK(big.losses.pipeline_bubble_s / big.step_s < plain.losses.pipeline_bubble_s / plain.step_s);
    }
}

TEST_CASE("cluster: bad clusters are refused with a message that names the problem") {
    SUBCASE("a plan that does not divide the chips") {
        CHECK(error_of(kSelene, {"chips.count=1000"}).find("does not divide the 1000 chips") != std::string::npos);
    }
    SUBCASE("a model that does not fit in HBM says by how much") {
        const std::string e =
            error_of(kSelene, {"plan.tensor_parallel=1", "plan.pipeline_parallel=1", "model.global_batch=1536"});
        CHECK(e.find("does not fit in HBM") != std::string::npos);
        CHECK(e.find("GB over") != std::string::npos);
    }
    SUBCASE("a topology that cannot hold the chips") {
        const std::string e = error_of(kSelene, {"network.tiers=2"});
        CHECK(e.find("cannot hold the chips") != std::string::npos);
        CHECK(e.find("at most 800 chips") != std::string::npos);
    }
    SUBCASE("an unknown key names file, line, column and key path") {
        test::TempYaml file("name: x\nchips:\n  count: 8\n  preset: a100-80gb\nplan:\n  tensor_paralel: 8\n");
        const std::string e = error_of(file.path(), {});
        CHECK(e.find(file.path() + ":6:3: plan.tensor_paralel") != std::string::npos);
    }
    SUBCASE("a wrong type and an out-of-range value") {
        CHECK(error_of(kSelene, {"network.nic_gbit_per_s=fast"}).find("network.nic_gbit_per_s") != std::string::npos);
        CHECK(error_of(kSelene, {"network.tiers=4"}).find("network.tiers") != std::string::npos);
    }
    SUBCASE("an unknown chip preset lists the known ones") {
        const std::string e = error_of(kSelene, {"chips.preset=b200"});
        CHECK(e.find("a100-80gb") != std::string::npos);
        CHECK(e.find("h100-sxm") != std::string::npos);
    }
    SUBCASE("a chip preset name the file system refuses is the same error, with the reason") {
        const std::string e = error_of(kSelene, {"chips.preset=" + std::string(300, 'x')});
        CHECK(e.find("no chip preset 'xxx") != std::string::npos);
        CHECK(e.find("(File name too long)") != std::string::npos);
        CHECK(e.find("a100-80gb") != std::string::npos);
    }
}
