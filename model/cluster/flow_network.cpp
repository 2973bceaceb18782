#include "model/cluster/flow_network.h"

#include <algorithm>
#include <limits>

#include "model/common/error.h"

namespace npuemu::cluster {

LinkId FlowNetwork::add_link(std::string name, double bandwidth_bytes_per_s, double latency_s) {
    if (!(bandwidth_bytes_per_s > 0)) throw Error("network link '" + name + "': bandwidth must be positive");
    links_.push_back({std::move(name), bandwidth_bytes_per_s, latency_s});
    return static_cast<LinkId>(links_.size() - 1);
}

double FlowNetwork::path_latency_s(const std::vector<LinkId>& path) const {
    double latency_s = 0;
    for (LinkId l : path) latency_s += links_[l].latency_s;
    return latency_s;
}

std::vector<double> FlowNetwork::max_min_rates(const std::vector<const std::vector<LinkId>*>& paths) const {
    const size_t flows = paths.size();
    std::vector<double> rate(flows, 0);
    std::vector<bool> frozen(flows, false);
    // Only the links some flow uses take part; their residual capacity and unfrozen flow count.
    std::vector<LinkId> used;
    std::vector<double> residual(links_.size(), -1);
    std::vector<uint32_t> active(links_.size(), 0);
    std::vector<std::vector<uint32_t>> on_link(links_.size());
    for (uint32_t f = 0; f < flows; ++f) {
        for (LinkId l : *paths[f]) {
            if (residual[l] < 0) {
                residual[l] = links_[l].bandwidth_bytes_per_s;
                used.push_back(l);
            }
            ++active[l];
            on_link[l].push_back(f);
        }
    }
    std::sort(used.begin(), used.end());
    size_t remaining = 0;
    for (uint32_t f = 0; f < flows; ++f) remaining += paths[f]->empty() ? 0 : 1;
    while (remaining > 0) {
        // The tightest link sets the next level; every link at that level (ties) freezes its flows at once.
        double level = std::numeric_limits<double>::infinity();
        for (LinkId l : used) {
            if (active[l] > 0) level = std::min(level, residual[l] / active[l]);
        }
        const double tie = level * (1 + 1e-12);
        std::vector<LinkId> bottlenecks;
        for (LinkId l : used) {
            if (active[l] > 0 && residual[l] / active[l] <= tie) bottlenecks.push_back(l);
        }
        for (LinkId b : bottlenecks) {
            for (uint32_t f : on_link[b]) {
                if (frozen[f]) continue;
                frozen[f] = true;
                rate[f] = level;
                --remaining;
                for (LinkId l : *paths[f]) {
                    residual[l] = std::max(0.0, residual[l] - level);
                    --active[l];
                }
            }
        }
    }
    return rate;
}

std::vector<double> FlowNetwork::simulate(const std::vector<Flow>& flows) const {
    const size_t n = flows.size();
    std::vector<double> done_s(n, 0);
    std::vector<double> left(n);
    std::vector<uint32_t> order(n);
    for (uint32_t f = 0; f < n; ++f) {
        left[f] = flows[f].bytes;
        order[f] = f;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return flows[a].start_s < flows[b].start_s; });
    std::vector<uint32_t> running;
    size_t next = 0;
    double now_s = n ? flows[order[0]].start_s : 0;
    auto finish = [&](uint32_t f, double t) { done_s[f] = t + path_latency_s(flows[f].path); };
    while (next < n || !running.empty()) {
        while (next < n && flows[order[next]].start_s <= now_s) {
            const uint32_t f = order[next++];
            if (left[f] <= 0 || flows[f].path.empty()) {
                finish(f, now_s);  // nothing to move, or a chip talking to itself
            } else {
                running.push_back(f);
            }
        }
        if (running.empty()) {
            if (next < n) now_s = flows[order[next]].start_s;
            continue;
        }
        std::sort(running.begin(), running.end());
        std::vector<const std::vector<LinkId>*> paths;
        for (uint32_t f : running) paths.push_back(&flows[f].path);
        const std::vector<double> rate = max_min_rates(paths);
        // The next event: the first running flow to finish, or the next flow to start.
        double step_s = std::numeric_limits<double>::infinity();
        for (size_t i = 0; i < running.size(); ++i) step_s = std::min(step_s, left[running[i]] / rate[i]);
        if (next < n) step_s = std::min(step_s, flows[order[next]].start_s - now_s);
        now_s += step_s;
        std::vector<uint32_t> still;
        for (size_t i = 0; i < running.size(); ++i) {
            const uint32_t f = running[i];
            left[f] -= rate[i] * step_s;
            if (left[f] <= flows[f].bytes * 1e-12) {
                finish(f, now_s);
            } else {
                still.push_back(f);
            }
        }
        running.swap(still);
    }
    return done_s;
}

}  // namespace npuemu::cluster
