// The cluster model's torus network (network.kind: torus): dimension-order routes the shorter way round each ring, a
// ring all-reduce along one dimension equals the closed form on its links, rings that share links slow down, and a
// torus whose dimensions do not multiply to the chip count is refused.
#include <doctest/doctest.h>

#include <string>

#include "model/cluster/cluster_config.h"
#include "model/cluster/collectives.h"
#include "model/cluster/step_model.h"
#include "model/cluster/topology.h"
#include "model/common/error.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

NetworkSpec torus_network(uint32_t x, uint32_t y, uint32_t z) {
    NetworkSpec network;
    network.kind = NetworkKind::Torus;
    network.torus_x = x;
    network.torus_y = y;
    network.torus_z = z;
    network.torus_link_gbyte_per_s = 50;
    network.torus_hop_latency_us = 0.5;
    return network;
}

std::vector<std::string> torus_route(const ClusterTopology& topology, uint32_t a, uint32_t b) {
    std::vector<std::string> names;
    for (LinkId l : topology.path(a, b)) names.push_back(topology.network().link(l).name);
    return names;
}

}  // namespace

TEST_CASE("cluster torus: routes go x, then y, then z, the shorter way round each ring (+ on a tie)") {
    const ClusterTopology topology(4 * 4 * 2, NodeSpec{}, torus_network(4, 4, 2));
    CHECK(topology.path(5, 5).empty());
    CHECK(torus_route(topology, 0, 1) == std::vector<std::string>{"chip0.torus.x+"});
    CHECK(torus_route(topology, 0, 3) == std::vector<std::string>{"chip0.torus.x-"});  // wrap-around: one hop
    CHECK(torus_route(topology, 0, 2) == std::vector<std::string>{"chip0.torus.x+", "chip1.torus.x+"});  // a tie
    // Chip 0 (0,0,0) to chip 5 (1,1,0): x first, then y from chip 1.
    CHECK(torus_route(topology, 0, 5) == std::vector<std::string>{"chip0.torus.x+", "chip1.torus.y+"});
    // Chip 0 to chip 16 + 12 = (0,3,1): y the short way back (- one hop), then z.
    CHECK(torus_route(topology, 0, 28) == std::vector<std::string>{"chip0.torus.y-", "chip12.torus.z+"});
    // Any pair: as many hops as the torus distance.
    for (uint32_t a = 0; a < 32; ++a) {
        for (uint32_t b = 0; b < 32; ++b) {
            auto ring_distance = [](uint32_t p, uint32_t q, uint32_t n) {
                const uint32_t d = (q + n - p) % n;
                return std::min(d, n - d);
            };
            const uint32_t hops = ring_distance(a % 4, b % 4, 4) + ring_distance(a / 4 % 4, b / 4 % 4, 4) +
                                  ring_distance(a / 16, b / 16, 2);
            CHECK(topology.path(a, b).size() == hops);
        }
    }
}

TEST_CASE("cluster torus: a ring all-reduce along one dimension takes 2(P-1)/P S/B + 2(P-1) alpha on its links") {
    const ClusterTopology topology(8 * 2, NodeSpec{}, torus_network(8, 2, 1));
    CollectiveSpec spec;
    spec.algorithm = CollectiveAlgorithm::Ring;
    spec.step_overhead_us = 3;
    const double bytes = 64e6, alpha = 0.5e-6 + 3e-6, p = 8;
    ChipGroup row, other_row;
    for (uint32_t c = 0; c < 8; ++c) row.push_back(c);
    for (uint32_t c = 8; c < 16; ++c) other_row.push_back(c);
    const Collectives collectives(topology, spec);
    const double closed_form = 2 * (p - 1) / p * bytes / 50e9 + 2 * (p - 1) * alpha;
    CHECK(collectives.all_reduce({row}, bytes).time_s == doctest::Approx(closed_form).epsilon(1e-9));
    // Two rows at once use disjoint links: no slower.
    CHECK(collectives.all_reduce({row, other_row}, bytes).time_s == doctest::Approx(closed_form).epsilon(1e-9));
    // A ring in the order 0, 2, 4, 6, 1, 3, 5, 7 crosses two x hops per step, and its flows share x+ links.
    const ChipGroup strided{0, 2, 4, 6, 1, 3, 5, 7};
    CHECK(collectives.all_reduce({strided}, bytes).time_s > 1.5 * closed_form);
}

TEST_CASE("cluster torus: a torus that cannot hold the chips is refused, naming its dimensions") {
    CHECK_THROWS_WITH_AS(check_topology(64, NodeSpec{}, torus_network(4, 4, 2)),
                         "network: the torus cannot hold the chips: 4 x 4 x 2 = 32 chips (network.torus_x, torus_y, "
                         "torus_z); the cluster has 64 (the dimensions' product must be the chip count)",
                         Error);
    // torus_x = 0 takes the chips / (y z): 64 / (4 x 4) = 4 along x.
    CHECK(torus_shape(64, torus_network(0, 4, 4)).dims[0] == 4);
    CHECK_NOTHROW(check_topology(64, NodeSpec{}, torus_network(0, 4, 4)));
    CHECK_THROWS_AS(check_topology(60, NodeSpec{}, torus_network(0, 4, 4)), Error);
}

TEST_CASE("cluster torus: the shipped 10,240-chip torus runs; its TP rings on 50 GB/s links cost what the links say") {
    const std::string dir = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/gpt3_10k/";
    const StepResult fat_tree = simulate_step(load_cluster_config(dir + "npuemu_default.yaml"));
    const StepResult torus = simulate_step(load_cluster_config(dir + "npuemu_torus.yaml"));
    // The same chips and plan: TP all-reduces over one 50 GB/s link instead of a 300 GB/s switch port.
    CHECK(torus.tp_all_reduce_s > 3 * fat_tree.tp_all_reduce_s);
    CHECK(torus.step_s > fat_tree.step_s);
    const StepResult fast_torus = simulate_step(
        load_cluster_config(dir + "npuemu_torus.yaml", {"network.torus_link_gbyte_per_s=200"}));
    CHECK(fast_torus.step_s < torus.step_s);
    CHECK(fast_torus.step_s == doctest::Approx(fat_tree.step_s).epsilon(0.05));
}
