// The cluster's network at flow level: directed links with a capacity and a latency, and flows (a path of links and
// a byte count) that share every link max-min fairly. Simulated event by event: rates are recomputed whenever a flow
// starts or ends, so congestion and oversubscription come out of the traffic, not out of a factor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npuemu::cluster {

using LinkId = uint32_t;

struct NetworkLink {
    std::string name;  // "chip12.nic.up", "leaf3.up": for messages and reports
    double bandwidth_bytes_per_s = 0;
    double latency_s = 0;
};

struct Flow {
    std::vector<LinkId> path;
    double bytes = 0;
    double start_s = 0;
};

class FlowNetwork {
public:
    LinkId add_link(std::string name, double bandwidth_bytes_per_s, double latency_s);
    const NetworkLink& link(LinkId id) const { return links_[id]; }
    size_t link_count() const { return links_.size(); }
    double path_latency_s(const std::vector<LinkId>& path) const;

    // Each flow's completion time: its bytes moved at its max-min fair rate (re-shared at every start and end),
    // then its path's latency. Deterministic: flows and links are visited by index.
    std::vector<double> simulate(const std::vector<Flow>& flows) const;

    // The max-min fair rate of each flow, every flow active at once (progressive filling). Exposed for tests.
    std::vector<double> max_min_rates(const std::vector<const std::vector<LinkId>*>& paths) const;

private:
    std::vector<NetworkLink> links_;
};

}  // namespace npuemu::cluster
