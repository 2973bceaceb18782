// The cluster's links as a flow network: inside each node every chip has one link up to the node switch and one down
// (NVLink/NVSwitch); between nodes every chip's NICs go to a leaf switch of a 2- or 3-tier fat tree. A leaf's (and a
// pod's) links to the tier above are one aggregate link each way whose capacity is the ports below divided by the
// oversubscription: flow-level ECMP, spreading evenly over the parallel uplinks.
// Or a torus (network.kind: torus): every chip has a link to each neighbour along x, y and z, each direction, with
// wrap-around; a transfer follows dimension-order routing (x, then y, then z), the shorter way round each ring (the
// + way on a tie), so shared links and their contention come out of the traffic as in the fat tree.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/flow_network.h"

namespace npuemu::cluster {

// How many chips a fat tree of this radix, tier count and NICs per chip can hold, and how it is cut up.
struct FatTreeShape {
    uint32_t chips_per_leaf = 0;
    uint32_t leaves_per_pod = 0;  // 3 tiers: leaves under one set of aggregation switches
    uint64_t max_chips = 0;
};

FatTreeShape fat_tree_shape(const NetworkSpec& network);

// A torus's extent along x, y, z for this many chips (network.torus_x = 0: x = chips / (y z)).
struct TorusShape {
    uint32_t dims[3] = {1, 1, 1};
};
TorusShape torus_shape(uint32_t chip_count, const NetworkSpec& network);

class ClusterTopology {
public:
    ClusterTopology(uint32_t chip_count, const NodeSpec& node, const NetworkSpec& network);

    const FlowNetwork& network() const { return network_; }
    uint32_t chip_count() const { return chip_count_; }
    uint32_t node_of(uint32_t chip) const { return chip / chips_per_node_; }
    uint32_t leaf_of(uint32_t chip) const { return leaf_of_[chip]; }
    // The links a transfer from chip a to chip b crosses (empty for a == b).
    std::vector<LinkId> path(uint32_t a, uint32_t b) const;

private:
    void build_fat_tree(const NodeSpec& node, const NetworkSpec& network);
    void build_torus(const NetworkSpec& network);
    std::vector<LinkId> torus_path(uint32_t a, uint32_t b) const;

    bool torus_ = false;
    TorusShape torus_shape_;
    // Per chip and dimension: the link to the + neighbour and to the - neighbour (none where the extent is 1).
    std::vector<std::array<LinkId, 3>> torus_plus_, torus_minus_;
    uint32_t chip_count_;
    uint32_t chips_per_node_;
    uint32_t tiers_;
    uint32_t leaves_per_pod_;
    FlowNetwork network_;
    std::vector<LinkId> node_up_, node_down_, nic_up_, nic_down_;  // per chip
    std::vector<LinkId> leaf_up_, leaf_down_;                      // per leaf
    std::vector<LinkId> pod_up_, pod_down_;                        // per pod (3 tiers)
    std::vector<uint32_t> leaf_of_;
};

// Refuses a network that cannot hold the chips, naming the limit.
void check_topology(uint32_t chip_count, const NodeSpec& node, const NetworkSpec& network);

}  // namespace npuemu::cluster
