#include "model/cluster/rank_layout.h"

namespace npuemu::cluster {

RankLayout::RankLayout(const ClusterConfig& c)
    : t_(c.plan.tensor_parallel),
      cp_(c.plan.context_parallel),
      d_(c.data_parallel()),
      p_(c.plan.pipeline_parallel),
      ep_(c.plan.expert_parallel) {}

ChipGroup RankLayout::tp_group(uint32_t stage, uint32_t replica, uint32_t cp_rank) const {
    ChipGroup g;
    for (uint32_t i = 0; i < t_; ++i) g.push_back(chip(stage, replica, cp_rank, i));
    return g;
}

std::vector<ChipGroup> RankLayout::cp_rings(uint32_t stage) const {
    std::vector<ChipGroup> rings;
    if (cp_ < 2) return rings;
    for (uint32_t j = 0; j < d_; ++j) {
        for (uint32_t i = 0; i < t_; ++i) {
            ChipGroup g;
            for (uint32_t q = 0; q < cp_; ++q) g.push_back(chip(stage, j, q, i));
            rings.push_back(std::move(g));
        }
    }
    return rings;
}

std::vector<ChipGroup> RankLayout::ep_groups(uint32_t stage) const {
    std::vector<ChipGroup> groups;
    if (ep_ < 2) return groups;
    for (uint32_t first = 0; first < d_; first += ep_) {
        for (uint32_t q = 0; q < cp_; ++q) {
            for (uint32_t i = 0; i < t_; ++i) {
                ChipGroup g;
                for (uint32_t e = 0; e < ep_; ++e) g.push_back(chip(stage, first + e, q, i));
                groups.push_back(std::move(g));
            }
        }
    }
    return groups;
}

std::vector<ChipGroup> RankLayout::gradient_groups() const {
    std::vector<ChipGroup> groups;
    if (d_ * cp_ < 2) return groups;
    for (uint32_t s = 0; s < p_; ++s) {
        for (uint32_t i = 0; i < t_; ++i) {
            ChipGroup g;
            for (uint32_t j = 0; j < d_; ++j) {
                for (uint32_t q = 0; q < cp_; ++q) g.push_back(chip(s, j, q, i));
            }
            groups.push_back(std::move(g));
        }
    }
    return groups;
}

std::vector<ChipGroup> RankLayout::expert_gradient_groups() const {
    std::vector<ChipGroup> groups;
    if (d_ / ep_ * cp_ < 2) return groups;
    for (uint32_t s = 0; s < p_; ++s) {
        for (uint32_t i = 0; i < t_; ++i) {
            for (uint32_t e = 0; e < ep_; ++e) {
                ChipGroup g;
                for (uint32_t j = e; j < d_; j += ep_) {
                    for (uint32_t q = 0; q < cp_; ++q) g.push_back(chip(s, j, q, i));
                }
                groups.push_back(std::move(g));
            }
        }
    }
    return groups;
}

}  // namespace npuemu::cluster
