// Collectives decomposed into the transfers of the algorithms the SDK firmware uses, each step's transfers run as
// flows on the cluster network (so concurrent groups contend where they share links):
//   ring all-reduce = reduce-scatter (P-1 steps of S/P) + all-gather (P-1 steps of S/P);
//   tree (small messages): reduce up a binary tree, broadcast down it, the whole message per level;
//   hierarchical (groups spanning nodes, several members per node): reduce-scatter inside each node, all-reduce of
//   S/k across nodes by the k local ranks at once, all-gather inside the node.
// Every group passed runs the same collective at the same time; a ring's steps are identical, so one is simulated
// and counted P-1 times (symmetry).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/topology.h"

namespace npuemu::cluster {

using ChipGroup = std::vector<uint32_t>;  // members in ring order

struct CollectiveTime {
    double time_s = 0;
    std::string algorithm;  // "ring", "tree", "hierarchical", "none"
};

class Collectives {
public:
    Collectives(const ClusterTopology& topology, const CollectiveSpec& spec) : topology_(topology), spec_(spec) {}

    CollectiveTime all_reduce(const std::vector<ChipGroup>& groups, double bytes) const;
    // Half of a ring all-reduce each (used by sharded data parallelism).
    CollectiveTime reduce_scatter(const std::vector<ChipGroup>& groups, double bytes) const;
    CollectiveTime all_gather(const std::vector<ChipGroup>& groups, double bytes) const;
    // All-to-all (MoE token dispatch and combine): every member sends bytes/P to each other member, all at once, as
    // NCCL's all-to-all posts all its sends and receives together (ncclGroupStart .. ncclGroupEnd). bytes: what one
    // member holds before the exchange, its own share included. Uncontended on a switch: (P-1)/P S/B + alpha.
    CollectiveTime all_to_all(const std::vector<ChipGroup>& groups, double bytes) const;
    // One step of a ring: member i sends `bytes` to member i+1 in every group at once (ring attention's key/value
    // pass), plus the step's overhead.
    double ring_step_s(const std::vector<ChipGroup>& groups, double bytes) const;
    // Point-to-point sends, all at once: the time until the last arrives.
    double send_s(const std::vector<std::pair<uint32_t, uint32_t>>& pairs, double bytes) const;

    double ring_all_reduce_s(const std::vector<ChipGroup>& groups, double bytes) const;
    double tree_all_reduce_s(const std::vector<ChipGroup>& groups, double bytes) const;
    double hierarchical_all_reduce_s(const std::vector<ChipGroup>& groups, double bytes) const;

private:
    double ring_half_s(const std::vector<ChipGroup>& groups, double bytes) const;  // P-1 steps of bytes/P
    uint32_t members_per_node(const ChipGroup& group) const;

    const ClusterTopology& topology_;
    CollectiveSpec spec_;
};

}  // namespace npuemu::cluster
