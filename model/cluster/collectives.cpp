#include "model/cluster/collectives.h"

#include <algorithm>
#include <map>

namespace npuemu::cluster {

double Collectives::send_s(const std::vector<std::pair<uint32_t, uint32_t>>& pairs, double bytes) const {
    std::vector<Flow> flows;
    for (const auto& [from, to] : pairs) flows.push_back({topology_.path(from, to), bytes / spec_.bus_efficiency, 0});
    double last_s = 0;
    for (double t : topology_.network().simulate(flows)) last_s = std::max(last_s, t);
    return last_s;
}

double Collectives::ring_step_s(const std::vector<ChipGroup>& groups, double bytes) const {
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    for (const ChipGroup& g : groups) {
        for (size_t i = 0; i < g.size(); ++i) pairs.push_back({g[i], g[(i + 1) % g.size()]});
    }
    return send_s(pairs, bytes) + spec_.step_overhead_us * 1e-6;
}

double Collectives::ring_half_s(const std::vector<ChipGroup>& groups, double bytes) const {
    const size_t p = groups.empty() ? 1 : groups.front().size();
    if (p < 2) return 0;
    const double step_s = ring_step_s(groups, bytes / double(p));
    if (!spec_.pipelined_steps) return double(p - 1) * step_s;
    // The step's latency: the longest path's plus the step overhead; the rest of the step is its data.
    double path_s = 0;
    for (const ChipGroup& g : groups) {
        for (size_t i = 0; i < g.size(); ++i) {
            path_s = std::max(path_s, topology_.network().path_latency_s(topology_.path(g[i], g[(i + 1) % g.size()])));
        }
    }
    const double latency_s = path_s + spec_.step_overhead_us * 1e-6, data_s = std::max(0.0, step_s - latency_s);
    return double(p - 1) * std::max(latency_s, data_s) + std::min(latency_s, data_s);
}

double Collectives::ring_all_reduce_s(const std::vector<ChipGroup>& groups, double bytes) const {
    return 2 * ring_half_s(groups, bytes);
}

double Collectives::tree_all_reduce_s(const std::vector<ChipGroup>& groups, double bytes) const {
    const size_t p = groups.empty() ? 1 : groups.front().size();
    if (p < 2) return 0;
    // Binary tree over member indices (children of i: 2i+1, 2i+2); level by level, reduce up then broadcast down,
    // each level's sends at once.
    double total_s = 0;
    std::map<size_t, std::vector<std::pair<uint32_t, uint32_t>>> by_depth;  // depth of the child -> (child, parent)
    for (const ChipGroup& g : groups) {
        for (size_t i = 1; i < g.size(); ++i) {
            size_t depth = 0;
            for (size_t j = i; j > 0; j = (j - 1) / 2) ++depth;
            by_depth[depth].push_back({g[i], g[(i - 1) / 2]});
        }
    }
    for (const auto& [depth, pairs] : by_depth) {
        std::vector<std::pair<uint32_t, uint32_t>> down;
        for (const auto& [child, parent] : pairs) down.push_back({parent, child});
        total_s += send_s(pairs, bytes) + send_s(down, bytes) + 2 * spec_.step_overhead_us * 1e-6;
    }
    return total_s;
}

uint32_t Collectives::members_per_node(const ChipGroup& group) const {
    std::map<uint32_t, uint32_t> count;
    for (uint32_t c : group) ++count[topology_.node_of(c)];
    uint32_t most = 0;
    for (const auto& [node, n] : count) most = std::max(most, n);
    return most;
}

double Collectives::hierarchical_all_reduce_s(const std::vector<ChipGroup>& groups, double bytes) const {
    // Split each group by node (members in node order) and by local index across nodes.
    std::vector<ChipGroup> inside, across;
    for (const ChipGroup& g : groups) {
        std::map<uint32_t, ChipGroup> by_node;
        for (uint32_t c : g) by_node[topology_.node_of(c)].push_back(c);
        const size_t k = by_node.begin()->second.size();
        std::vector<ChipGroup> rails(k);
        for (const auto& [node, members] : by_node) {
            if (members.size() != k) return ring_all_reduce_s(groups, bytes);  // uneven: no hierarchy
            inside.push_back(members);
            for (size_t i = 0; i < k; ++i) rails[i].push_back(members[i]);
        }
        for (ChipGroup& r : rails) across.push_back(std::move(r));
    }
    const size_t k = inside.front().size();
    return 2 * ring_half_s(inside, bytes) + ring_all_reduce_s(across, bytes / double(k));
}

CollectiveTime Collectives::all_reduce(const std::vector<ChipGroup>& groups, double bytes) const {
    if (groups.empty() || groups.front().size() < 2 || bytes <= 0) return {0, "none"};
    CollectiveAlgorithm algorithm = spec_.algorithm;
    // Whether the hierarchy applies: several members on each of several nodes (asked only where a choice needs it).
    const auto hierarchy_fits = [&] {
        const uint32_t per_node = members_per_node(groups.front());
        return per_node > 1 && per_node < groups.front().size();
    };
    if (algorithm == CollectiveAlgorithm::Fastest) {
        // The model's own estimates decide, as a tuner with this cost model would: no step at a size threshold.
        CollectiveTime best{tree_all_reduce_s(groups, bytes), "tree"};
        const double ring_s = ring_all_reduce_s(groups, bytes);
        if (ring_s < best.time_s) best = {ring_s, "ring"};
        if (hierarchy_fits()) {
            const double hierarchical_s = hierarchical_all_reduce_s(groups, bytes);
            if (hierarchical_s < best.time_s) best = {hierarchical_s, "hierarchical"};
        }
        return best;
    }
    if (algorithm == CollectiveAlgorithm::Auto) {
        if (bytes < spec_.tree_below_kib * 1024) {
            algorithm = CollectiveAlgorithm::Tree;
        } else if (hierarchy_fits()) {
            algorithm = CollectiveAlgorithm::Hierarchical;
        } else {
            algorithm = CollectiveAlgorithm::Ring;
        }
    }
    switch (algorithm) {
        case CollectiveAlgorithm::Tree: return {tree_all_reduce_s(groups, bytes), "tree"};
        case CollectiveAlgorithm::Hierarchical: return {hierarchical_all_reduce_s(groups, bytes), "hierarchical"};
        default: return {ring_all_reduce_s(groups, bytes), "ring"};
    }
}

CollectiveTime Collectives::reduce_scatter(const std::vector<ChipGroup>& groups, double bytes) const {
    if (groups.empty() || groups.front().size() < 2 || bytes <= 0) return {0, "none"};
    return {ring_half_s(groups, bytes), "ring"};
}

CollectiveTime Collectives::all_to_all(const std::vector<ChipGroup>& groups, double bytes) const {
    if (groups.empty() || groups.front().size() < 2 || bytes <= 0) return {0, "none"};
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    for (const ChipGroup& g : groups) {
        for (uint32_t from : g) {
            for (uint32_t to : g) {
                if (from != to) pairs.push_back({from, to});
            }
        }
    }
    return {send_s(pairs, bytes / double(groups.front().size())) + spec_.step_overhead_us * 1e-6, "direct"};
}

CollectiveTime Collectives::all_gather(const std::vector<ChipGroup>& groups, double bytes) const {
    return reduce_scatter(groups, bytes);
}

}  // namespace npuemu::cluster
