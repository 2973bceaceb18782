#include "model/system/system_fabric.h"

#include <algorithm>
#include <cstdio>
#include <deque>

#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::system {

namespace {

std::string end_name(uint32_t chip, uint32_t port, uint32_t switch_vertex) {
    return chip == switch_vertex ? std::string("switch") : "c" + std::to_string(chip) + "p" + std::to_string(port);
}

}  // namespace

SystemFabric::SystemFabric(const SystemConfig& config, std::vector<soc::Chip*> chips, StatsGroup& parent)
    : chips_(std::move(chips)),
      switch_latency_ps_(config.network_switch.latency_ns * 1000),
      switch_fabric_(config.network_switch.present ? static_cast<uint32_t>(chips_.size()) : 0,
                     config.network_switch.port.bytes_per_ps(), config.network_switch.oversubscription),
      stats_(parent, "fabric"),
      link_stats_(parent, "links") {
    build_routes(config);
    register_stats();
}

SystemFabric::~SystemFabric() = default;

// Vertices: the chips, then the switch. Routes are shortest paths by breadth-first search, neighbours taken in port
// order, so they are deterministic.
void SystemFabric::build_routes(const SystemConfig& config) {
    const uint32_t chips = static_cast<uint32_t>(chips_.size()), switch_vertex = chips;
    struct Edge {
        uint32_t out_port, to_vertex, in_port;
        link::ChipLinkDirection* link;
    };
    std::vector<std::vector<Edge>> edges(chips + 1);
    port_links_.assign(chips, std::vector<std::array<const link::ChipLinkDirection*, 2>>(
                                  config.ports_per_chip, std::array<const link::ChipLinkDirection*, 2>{}));
    for (const LinkSpec& spec : config.links) {
        const uint32_t b_vertex = spec.to_switch() ? switch_vertex : spec.b.chip;
        const uint32_t b_port = spec.to_switch() ? spec.a.chip : spec.b.port;  // the switch's port i faces chip i
        const std::string a_name = end_name(spec.a.chip, spec.a.port, switch_vertex);
        const std::string b_name = end_name(b_vertex, b_port, switch_vertex);
        directions_.push_back(std::make_unique<link::ChipLinkDirection>(spec.config, link_stats_, a_name + "-" + b_name));
        edges[spec.a.chip].push_back(Edge{spec.a.port, b_vertex, b_port, directions_.back().get()});
        directions_.push_back(std::make_unique<link::ChipLinkDirection>(spec.config, link_stats_, b_name + "-" + a_name));
        edges[b_vertex].push_back(Edge{b_port, spec.a.chip, spec.a.port, directions_.back().get()});
        const std::array<const link::ChipLinkDirection*, 2> both{directions_[directions_.size() - 2].get(),
                                                                 directions_.back().get()};
        port_links_.at(spec.a.chip).at(spec.a.port) = both;
        if (!spec.to_switch()) port_links_.at(spec.b.chip).at(spec.b.port) = both;
    }
    for (auto& list : edges) {
        std::sort(list.begin(), list.end(), [](const Edge& x, const Edge& y) { return x.out_port < y.out_port; });
    }
    routes_.assign(chips, std::vector<Route>(chips));
    for (uint32_t source = 0; source < chips; ++source) {
        std::vector<int64_t> via(chips + 1, -1);  // per vertex: the step that reached it
        std::vector<Step> reached(chips + 1);
        std::deque<uint32_t> frontier{source};
        via[source] = -2;
        while (!frontier.empty()) {
            const uint32_t vertex = frontier.front();
            frontier.pop_front();
            for (const Edge& edge : edges[vertex]) {
                if (via[edge.to_vertex] != -1) continue;
                via[edge.to_vertex] = vertex;
                reached[edge.to_vertex] = Step{vertex, edge.out_port, edge.to_vertex, edge.in_port, edge.link};
                frontier.push_back(edge.to_vertex);
            }
        }
        for (uint32_t target = 0; target < chips; ++target) {
            if (target == source) continue;
            if (via[target] == -1) {
                throw Error("internal: chip " + std::to_string(target) + " cannot be reached from chip " +
                            std::to_string(source) + " (the system config's connectivity check should have said so)");
            }
            Route& route = routes_[source][target];
            for (uint32_t vertex = target; vertex != source; vertex = reached[vertex].from_vertex) {
                route.push_back(reached[vertex]);
            }
            std::reverse(route.begin(), route.end());
        }
    }
}

std::vector<std::string> SystemFabric::route_names(uint32_t from, uint32_t to) const {
    std::vector<std::string> names;
    for (const Step& step : routes_.at(from).at(to)) names.push_back(step.link->name());
    return names;
}

double SystemFabric::link_port_energy_pj(uint32_t chip, uint32_t port) const {
    double pj = 0;
    for (const link::ChipLinkDirection* direction : port_links_.at(chip).at(port)) {
        if (direction) pj += direction->energy_pj() / 2;
    }
    return pj;
}

uint64_t SystemFabric::drain_ps(uint32_t chip, uint32_t payload_bytes, const link::ChipLinkConfig& link) const {
    const noc::MeshConfig& mesh = chips_[chip]->config().mesh;
    const uint64_t packet = std::min(payload_bytes, link.max_payload_bytes) + uint64_t(mesh.header_bytes);
    const uint64_t cycles = (packet + mesh.link_bandwidth_bytes_per_cycle - 1) / mesh.link_bandwidth_bytes_per_cycle;
    return std::max<uint64_t>(cycles, 1) * mesh.clock_period_ps;
}

SystemFabric::Arrival SystemFabric::travel(const Route& route, noc::NodeId from, uint64_t ready_ps,
                                           uint32_t payload_bytes, noc::TrafficClass mesh_class) {
    const uint32_t switch_vertex = chip_count();
    // What lies behind the current time can no longer matter to anyone: keep the links' bookkeeping short.
    if (++sends_since_retire_ >= 1024) {
        sends_since_retire_ = 0;
        const uint64_t now = sc_core::sc_time_stamp().value();
        for (auto& direction : directions_) direction->retire_before(now);
        switch_fabric_.retire_before(now);
    }
    uint64_t time_ps = ready_ps;
    noc::NodeId node = from;
    for (const Step& step : route) {
        if (step.from_vertex != switch_vertex) {
            // Across this chip's mesh to the link port (from the tile, or from the port the transfer came in at).
            soc::MemorySystem& memory = chips_[step.from_vertex]->memory_system();
            time_ps = memory.network().send(node, memory.link_port_node(step.out_port), payload_bytes, time_ps,
                                            mesh_class);
        }
        const uint64_t drain = step.to_vertex == switch_vertex
                                   ? 0
                                   : drain_ps(step.to_vertex, payload_bytes, step.link->config());
        const link::ChipLinkDirection::Transfer crossed = step.link->send(payload_bytes, time_ps, drain);
        time_ps = crossed.arrival_ps;
        if (step.to_vertex == switch_vertex) {
            const link::ChipLinkConfig& link = step.link->config();
            const uint64_t packets =
                std::max<uint64_t>(1, (uint64_t(payload_bytes) + link.max_payload_bytes - 1) / link.max_payload_bytes);
            const uint64_t head_ps = crossed.first_departure_ps + step.link->latency_ps();
            time_ps = switch_fabric_.cross(head_ps, time_ps, payload_bytes + packets * link.header_bytes) +
                      switch_latency_ps_;
        } else {
            node = chips_[step.to_vertex]->memory_system().link_port_node(step.in_port);
        }
    }
    return Arrival{time_ps, node};
}

void SystemFabric::start(uint32_t chip, noc::NodeId from, uint32_t target, const mem::TimedAccess& access,
                         mem::AccessListener& listener, uint64_t cookie) {
    uint32_t index;
    if (!free_transactions_.empty()) {
        index = free_transactions_.back();
        free_transactions_.pop_back();
    } else {
        index = static_cast<uint32_t>(transactions_.size());
        transactions_.emplace_back();
    }
    (access.write ? writes_ : reads_) += 1;
    (access.write ? write_bytes_ : read_bytes_) += access.bytes;
    // A read's request is a header; a write carries its data.
    const Arrival arrival = travel(routes_.at(chip).at(target), from, access.issue_ps, access.write ? access.bytes : 0,
                                   access.write ? noc::TrafficClass::WriteData : noc::TrafficClass::ReadRequest);
    transactions_[index] = Transaction{&listener, cookie, chip, target, from, arrival.node, access.write, access.bytes,
                                       access.issue_ps};
    mem::TimedAccess inbound = access;
    inbound.issue_ps = arrival.time_ps;
    chips_[target]->memory_system().start_inbound(arrival.node, inbound, *this, index);
}

void SystemFabric::access_done(uint64_t cookie, uint64_t landed_ps) {
    const Transaction t = transactions_[cookie];
    free_transactions_.push_back(static_cast<uint32_t>(cookie));
    // The answer: a read's data, or a write's acknowledgement (a header), back to the tile that asked.
    const uint32_t payload = t.write ? 0 : t.bytes;
    const noc::TrafficClass cls = t.write ? noc::TrafficClass::WriteAck : noc::TrafficClass::ReadResponse;
    const Arrival back = travel(routes_.at(t.target).at(t.source), t.entry, landed_ps, payload, cls);
    const uint64_t at_tile = chips_[t.source]->memory_system().network().send(back.node, t.origin, payload, back.time_ps, cls);
    (t.write ? write_latency_ps_ : read_latency_ps_).record(at_tile - t.issue_ps);
    t.listener->access_done(t.cookie, at_tile);
}

void SystemFabric::ring(uint32_t chip, noc::NodeId from, uint64_t ready_ps, uint32_t target, uint32_t tile,
                        unsigned flag, mem::FlowRecord flow) {
    ++doorbells_;
    const Arrival arrival = travel(routes_.at(chip).at(target), from, ready_ps, 0, noc::TrafficClass::WriteData);
    chips_[target]->memory_system().deliver_doorbell(arrival.node, arrival.time_ps, tile, flag);
    flow.issue_ps = ready_ps;
    flow.done_ps = arrival.time_ps;
    record_flow(chip, flow);
}

void SystemFabric::export_flows(const std::string& path) {
    // Written into a temporary beside the path and moved into place at the end, as every output file is
    // (model/common/output_file.h): a failed run leaves what the user had at the path.
    flows_temporary_ = reserve_output_temporary(path);
    flows_ = std::make_unique<std::ofstream>(flows_temporary_, std::ios::trunc);
    if (!*flows_) throw OutputError(path + ": cannot write the flow export");
    flows_path_ = path;
}

void SystemFabric::record_flow(uint32_t chip, const mem::FlowRecord& flow) {
    if (!flows_) return;
    std::string route;
    if (flow.src_chip != flow.dst_chip) {
        for (const std::string& name : route_names(flow.src_chip, flow.dst_chip)) {
            route += (route.empty() ? "\"" : ",\"") + name + "\"";
        }
    }
    *flows_ << "{\"kind\":\"" << (flow.doorbell ? "doorbell" : "copy") << "\",\"chip\":" << chip
            << ",\"tile\":" << flow.tile << ",\"src_chip\":" << flow.src_chip << ",\"dst_chip\":" << flow.dst_chip
            << ",\"bytes\":" << flow.bytes << ",\"issue_ps\":" << flow.issue_ps << ",\"done_ps\":" << flow.done_ps
            << ",\"collective\":" << flow.collective << ",\"step\":" << flow.step << ",\"route\":[" << route
            << "]}\n";
}

void SystemFabric::finish_flows() {
    if (!flows_) return;
    flows_->flush();
    flows_->close();
    const bool failed = flows_->fail();
    flows_.reset();
    if (failed) {
        std::remove(flows_temporary_.c_str());
        throw OutputError(flows_path_ + ": error while writing the flow export");
    }
    install_output_file(flows_temporary_, flows_path_);
}

void SystemFabric::register_stats() {
    stats_.counter("reads", reads_, StatUnit::Count, "accesses that read another chip's memory");
    stats_.counter("writes", writes_, StatUnit::Count, "accesses that wrote another chip's memory");
    stats_.counter("read_bytes", read_bytes_, StatUnit::Bytes, "bytes read from other chips");
    stats_.counter("write_bytes", write_bytes_, StatUnit::Bytes, "bytes written to other chips");
    stats_.counter("doorbells", doorbells_, StatUnit::Count, "doorbells sent to another chip");
    if (switch_fabric_.limits()) {
        const SwitchFabric* sw = &switch_fabric_;
        stats_.derived(
            "switch_busy_ps", [sw] { return static_cast<double>(sw->busy_ps()); }, StatUnit::Picoseconds,
            "time the switch's oversubscribed fabric was moving data");
        stats_.derived(
            "switch_wait_ps", [sw] { return static_cast<double>(sw->wait_ps()); }, StatUnit::Picoseconds,
            "time transfers waited for the switch's fabric after their last byte had arrived");
    }
    stats_.derived("link_energy_j", [this] {
        double joules = 0;
        for (const auto& direction : directions_) joules += direction->energy_j();
        return joules;
    }, StatUnit::Joules, "energy on every link's wire (links.*.energy_j summed)");
    stats_.histogram("read_latency", read_latency_ps_, "a read of another chip leaving its tile to its data back");
    stats_.histogram("write_latency", write_latency_ps_,
                     "a write to another chip leaving its tile to its acknowledgement back");
}

}  // namespace npuemu::system
