#include "model/replay/flow_replay.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "model/cluster/flow_network.h"
#include "model/common/error.h"

namespace npuemu::replay {

namespace {

std::string replay_end_name(const system::LinkEnd& end) {
    return "c" + std::to_string(end.chip) + "p" + std::to_string(end.port);
}

double payload_bytes_per_s(const link::ChipLinkConfig& link) {
    const double payload_share = double(link.max_payload_bytes) / double(link.max_payload_bytes + link.header_bytes);
    return link.gigabytes_per_second() * 1e9 * payload_share;
}

struct ReplayNetwork {
    cluster::FlowNetwork network;
    std::unordered_map<std::string, cluster::LinkId> by_name;
    bool has_fabric = false;
    cluster::LinkId fabric = 0;

    explicit ReplayNetwork(const system::SystemConfig& config) {
        uint32_t switch_ports = 0;
        for (const system::LinkSpec& spec : config.links) {
            const std::string a = replay_end_name(spec.a);
            const std::string b = spec.to_switch() ? std::string("switch") : replay_end_name(spec.b);
            const double rate = payload_bytes_per_s(spec.config), latency_s = spec.config.latency_ns * 1e-9;
            const double switch_s = spec.to_switch() ? config.network_switch.latency_ns * 1e-9 : 0.0;
            add(a + "-" + b, rate, latency_s);
            add(b + "-" + a, rate, latency_s + switch_s);
            if (spec.to_switch()) ++switch_ports;
        }
        if (switch_ports > 0) {
            const link::ChipLinkConfig& port = config.network_switch.port;
            has_fabric = true;
            fabric = network.add_link("switch.fabric",
                                      switch_ports * payload_bytes_per_s(port) / config.network_switch.oversubscription,
                                      0.0);
        }
    }

    void add(const std::string& name, double rate, double latency_s) {
        by_name.emplace(name, network.add_link(name, rate, latency_s));
    }

    std::vector<cluster::LinkId> path(const FlowRecord& flow) const {
        std::vector<cluster::LinkId> links;
        for (const std::string& name : flow.route) {
            auto it = by_name.find(name);
            if (it == by_name.end()) {
                throw Error("flow export line " + std::to_string(flow.line) + ": route link '" + name +
                            "' is not a link direction of this system (a flow export of another system?)");
            }
            links.push_back(it->second);
            if (has_fabric && name.rfind("switch-", 0) == 0) links.push_back(fabric);
        }
        return links;
    }
};

void add_to(CollectiveReplay& entry, const FlowRecord& flow, double replay_done_s, double& first_s, double& last_run_s,
            double& last_replay_s) {
    ++entry.copies;
    entry.bytes += flow.bytes;
    first_s = std::min(first_s, flow.issue_ps * 1e-12);
    last_run_s = std::max(last_run_s, flow.done_ps * 1e-12);
    last_replay_s = std::max(last_replay_s, replay_done_s);
}

}  // namespace

ReplayResult replay_flows(const system::SystemConfig& config, const std::vector<FlowRecord>& flows) {
    const ReplayNetwork net(config);
    const uint32_t chips = static_cast<uint32_t>(config.chips.size());
    std::vector<cluster::Flow> copies;
    std::vector<const FlowRecord*> records;
    ReplayResult result;
    for (const FlowRecord& flow : flows) {
        if (flow.src_chip >= chips || flow.dst_chip >= chips) {
            throw Error("flow export line " + std::to_string(flow.line) + ": chip " +
                        std::to_string(std::max(flow.src_chip, flow.dst_chip)) + " is not in system '" + config.name +
                        "' (" + std::to_string(chips) + " chips)");
        }
        if (flow.doorbell) {
            ++result.doorbells;
            continue;
        }
        copies.push_back(cluster::Flow{net.path(flow), double(flow.bytes), flow.issue_ps * 1e-12});
        records.push_back(&flow);
    }
    const std::vector<double> done_s = net.network.simulate(copies);

    struct Span {
        CollectiveReplay entry;
        double first_s = 1e300, last_run_s = 0, last_replay_s = 0;
    };
    std::map<uint32_t, Span> by_label;
    Span all;
    for (size_t i = 0; i < records.size(); ++i) {
        Span& span = by_label[records[i]->collective];
        span.entry.collective = records[i]->collective;
        add_to(span.entry, *records[i], done_s[i], span.first_s, span.last_run_s, span.last_replay_s);
        add_to(all.entry, *records[i], done_s[i], all.first_s, all.last_run_s, all.last_replay_s);
    }
    auto close = [](Span& span) {
        span.entry.measured_s = span.entry.copies ? span.last_run_s - span.first_s : 0;
        span.entry.replayed_s = span.entry.copies ? span.last_replay_s - span.first_s : 0;
        return span.entry;
    };
    for (auto& [label, span] : by_label) result.collectives.push_back(close(span));
    result.all = close(all);
    return result;
}

}  // namespace npuemu::replay
