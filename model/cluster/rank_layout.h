// Which chips form each parallel group. Megatron-core's rank order (megatron/core/parallel_state.py, order
// "tp-cp-ep-dp-pp"): TP fastest, then CP, then DP, then PP; the EP group is carved out of the DP ranks, the EP ranks
// varying fastest, so the EP peers of a chip are its neighbouring replicas.
#pragma once

#include <cstdint>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/collectives.h"

namespace npuemu::cluster {

class RankLayout {
public:
    explicit RankLayout(const ClusterConfig& config);

    uint32_t chip(uint32_t stage, uint32_t replica, uint32_t cp_rank, uint32_t tp_rank) const {
        return ((stage * d_ + replica) * cp_ + cp_rank) * t_ + tp_rank;
    }
    ChipGroup tp_group(uint32_t stage, uint32_t replica, uint32_t cp_rank) const;
    // The CP rings of a stage: every replica's, for every TP rank.
    std::vector<ChipGroup> cp_rings(uint32_t stage) const;
    // The EP groups of a stage: ep neighbouring replicas, for every CP and TP rank.
    std::vector<ChipGroup> ep_groups(uint32_t stage) const;
    // The ranks that reduce the same dense gradients (DP x CP), for every stage and TP rank.
    std::vector<ChipGroup> gradient_groups() const;
    // The ranks that hold the same experts (the expert-data-parallel group: DP x CP / EP), for every stage, TP rank
    // and EP rank.
    std::vector<ChipGroup> expert_gradient_groups() const;

private:
    uint32_t t_, cp_, d_, p_, ep_;
};

}  // namespace npuemu::cluster
