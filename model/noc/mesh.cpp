// The mesh: topology (routers, their links, tiles and ports), dimension-ordered routes, and the cut-through timing
// of a packet over the link calendars of its route. See mesh.h for the model.
#include "model/noc/mesh.h"

#include <string>
#include <utility>

#include "model/common/error.h"

namespace npuemu::noc {

namespace {

// Beyond this the per-link tables would take a lot of host memory for no real chip.
constexpr uint64_t kMaxRouters = 65536;

const char* edge_name(Edge edge) {
    switch (edge) {
        case Edge::North: return "north";
        case Edge::South: return "south";
        case Edge::West: return "west";
        case Edge::East: return "east";
    }
    return "unknown";
}

std::string router_name(uint32_t x, uint32_t y) { return "x" + std::to_string(x) + "y" + std::to_string(y); }

uint32_t distance(uint32_t a, uint32_t b) { return a > b ? a - b : b - a; }

}  // namespace

const char* traffic_class_name(TrafficClass cls) {
    switch (cls) {
        case TrafficClass::ReadRequest: return "read_request";
        case TrafficClass::ReadResponse: return "read_response";
        case TrafficClass::WriteData: return "write_data";
        case TrafficClass::WriteAck: return "write_ack";
        case TrafficClass::Count: break;
    }
    return "invalid";
}

namespace {

// The config's divisors, checked before a FastDivisor is made of them (the mesh's own errors name the key).
const MeshConfig& checked(const MeshConfig& config) {
    if (config.link_bandwidth_bytes_per_cycle == 0)
        throw Error("mesh: link_bandwidth_bytes_per_cycle must be at least 1");
    if (config.clock_period_ps == 0) throw Error("mesh: clock_period_ps must be at least 1");
    return config;
}

}  // namespace

Mesh::Mesh(const MeshConfig& config)
    : config_(checked(config)),
      clock_period_(config.clock_period_ps),
      link_bandwidth_(config.link_bandwidth_bytes_per_cycle) {
    if (config.cols == 0 || config.rows == 0) {
        throw Error("mesh: cols and rows must be at least 1, got cols = " + std::to_string(config.cols) +
                    ", rows = " + std::to_string(config.rows));
    }
    if (uint64_t(config.cols) * config.rows > kMaxRouters) {
        throw Error("mesh: " + std::to_string(config.cols) + " x " + std::to_string(config.rows) + " = " +
                    std::to_string(uint64_t(config.cols) * config.rows) + " routers is more than the " +
                    std::to_string(kMaxRouters) + " supported");
    }
    max_tail_cycle_ = UINT64_MAX / config.clock_period_ps;
    tiles_ = config.cols * config.rows;
    router_out_links_.assign(tiles_, {});
    router_links_.assign(size_t(tiles_) * DirectionCount, kNoLink);
    route_.assign(size_t(config.cols) + config.rows, 0);  // the longest route: inject, cols - 1 + rows - 1, eject
    for (uint32_t y = 0; y < config.rows; ++y) {
        for (uint32_t x = 0; x < config.cols; ++x) {
            uint32_t* links = &router_links_[(size_t(y) * config.cols + x) * DirectionCount];
            const std::string name = router_name(x, y);
            if (x + 1 < config.cols) links[East] = add_link(name + ".east");
            if (x > 0) links[West] = add_link(name + ".west");
            if (y > 0) links[North] = add_link(name + ".north");
            if (y + 1 < config.rows) links[South] = add_link(name + ".south");
            for (uint32_t dir = 0; dir < DirectionCount; ++dir) {
                if (links[dir] != kNoLink) router_out_links_[size_t(y) * config.cols + x].push_back(links[dir]);
            }
        }
    }
    nodes_.reserve(tiles_);
    for (uint32_t t = 0; t < tiles_; ++t) {
        const std::string name = "tile" + std::to_string(t);
        const uint32_t inject = add_link(name + ".inject");
        const uint32_t eject = add_link(name + ".eject");
        nodes_.push_back(Node{name, t % config.cols, t / config.cols, inject, eject});
        router_out_links_[t].push_back(eject);
    }
    last_serialization_cycles_ = serialization_cycles(last_payload_bytes_);
}

uint32_t Mesh::add_link(std::string name) {
    links_.emplace_back();
    LinkStats stats;
    stats.name = std::move(name);
    link_stats_.push_back(std::move(stats));
    return uint32_t(link_stats_.size() - 1);
}

void Mesh::throw_no_tile(uint32_t tile) const {
    throw Error("mesh: no tile " + std::to_string(tile) + " in a " + std::to_string(config_.cols) + "x" +
                std::to_string(config_.rows) + " mesh (tiles 0.." + std::to_string(tiles_ - 1) + ")");
}

NodeId Mesh::attach_port(Edge edge, uint32_t position, const std::string& name) {
    const std::string what = "mesh: port '" + name + "'";
    if (sent_) throw Error(what + ": ports must be attached before the first send()");
    if (name.empty()) throw Error("mesh: a port needs a name");
    for (const Node& n : nodes_) {
        if (n.name == name) throw Error(what + ": the name is already taken by another node");
    }
    const bool along_x = edge == Edge::North || edge == Edge::South;
    const uint32_t limit = along_x ? config_.cols : config_.rows;
    if (position >= limit) {
        throw Error(what + ": position " + std::to_string(position) + " is off the " + edge_name(edge) + " edge of a " +
                    std::to_string(config_.cols) + "x" + std::to_string(config_.rows) + " mesh (cols x rows); " +
                    (along_x ? "x" : "y") + " must be 0.." + std::to_string(limit - 1));
    }
    uint32_t x = 0, y = 0;
    switch (edge) {
        case Edge::North:
            x = position;
            y = 0;
            break;
        case Edge::South:
            x = position;
            y = config_.rows - 1;
            break;
        case Edge::West:
            x = 0;
            y = position;
            break;
        case Edge::East:
            x = config_.cols - 1;
            y = position;
            break;
    }
    const uint32_t in = add_link(name + ".in");
    const uint32_t out = add_link(name + ".out");
    nodes_.push_back(Node{name, x, y, in, out});
    router_out_links_[size_t(y) * config_.cols + x].push_back(out);
    return NodeId(nodes_.size() - 1);
}

uint32_t Mesh::node_count() const { return uint32_t(nodes_.size()); }

void Mesh::throw_no_node(NodeId id, const char* what) const {
    throw Error(std::string("mesh: ") + what + ": no node " + std::to_string(id) + " (the mesh has " +
                std::to_string(nodes_.size()) + " nodes: " + std::to_string(tiles_) + " tiles and " +
                std::to_string(nodes_.size() - tiles_) + " ports)");
}

const std::string& Mesh::node_name(NodeId id) const { return node(id, "node_name").name; }
uint32_t Mesh::router_x(NodeId id) const { return node(id, "router_x").x; }
uint32_t Mesh::router_y(NodeId id) const { return node(id, "router_y").y; }

uint32_t Mesh::routers_on_path(NodeId from, NodeId to) const {
    const Node& a = node(from, "routers_on_path: source");
    const Node& b = node(to, "routers_on_path: destination");
    return distance(a.x, b.x) + distance(a.y, b.y) + 1;
}

uint64_t Mesh::serialization_cycles(uint32_t payload_bytes) const {
    const uint64_t bytes = uint64_t(config_.header_bytes) + payload_bytes;
    const uint64_t cycles = link_bandwidth_.quotient_ceil(bytes);
    return cycles == 0 ? 1 : cycles;
}

uint64_t Mesh::zero_load_latency_ps(NodeId from, NodeId to, uint32_t payload_bytes) const {
    const uint64_t cycles =
        uint64_t(routers_on_path(from, to)) * config_.router_latency_cycles + serialization_cycles(payload_bytes);
    return cycles * config_.clock_period_ps;
}

uint64_t Mesh::send(NodeId from, NodeId to, uint32_t payload_bytes, uint64_t inject_ps, TrafficClass cls) {
    const Node& a = node(from, "send: source");
    const Node& b = node(to, "send: destination");
    if (cls >= TrafficClass::Count) {
        throw Error("mesh: send: invalid traffic class " + std::to_string(unsigned(cls)));
    }
    if (inject_ps < retired_before_ps_) {
        throw Error("mesh: send from " + a.name + " to " + b.name + " injected at " + std::to_string(inject_ps) +
                    " ps, before " + std::to_string(retired_before_ps_) +
                    " ps already passed to retire_before() (a caller bug: time went backwards)");
    }
    sent_ = true;

    if (payload_bytes != last_payload_bytes_) {  // a run sends few sizes: a burst, a header alone
        last_payload_bytes_ = payload_bytes;
        last_serialization_cycles_ = serialization_cycles(payload_bytes);
    }
    const uint64_t ser = last_serialization_cycles_;
    const uint64_t bytes = uint64_t(config_.header_bytes) + payload_bytes;
    const uint64_t period_ps = config_.clock_period_ps;
    const uint64_t busy_ps = ser * period_ps;
    const uint64_t router_cycles = config_.router_latency_cycles;
    const uint64_t inject_cycle = edge_cycle(inject_ps);

    // The route's links in order, then cut-through over them: on each link in turn the packet takes the first free
    // ser-cycle interval at or after the cycle its head gets there; the head gets to the next link
    // router_latency_cycles after it started on this one.
    uint32_t* const route = route_.data();  // sized for the longest route at construction
    uint32_t* route_end = route;
    *route_end++ = a.into_mesh_link;
    uint32_t x = a.x, y = a.y;
    auto walk_x = [&] {
        for (; x < b.x; ++x) *route_end++ = router_link(x, y, East);
        for (; x > b.x; --x) *route_end++ = router_link(x, y, West);
    };
    auto walk_y = [&] {
        for (; y < b.y; ++y) *route_end++ = router_link(x, y, South);
        for (; y > b.y; --y) *route_end++ = router_link(x, y, North);
    };
    if (config_.order == DimensionOrder::XY) {
        walk_x();
        walk_y();
    } else {
        walk_y();
        walk_x();
    }
    *route_end++ = b.out_of_mesh_link;

    LinkState* const links = links_.data();
    // (One loop per kind: a one-cycle packet's reservation is a few instructions, kept apart from the general one.)
    auto reserve_route = [&](auto reserve) {
        uint64_t head_cycle = inject_cycle, start_cycle = inject_cycle;
        for (const uint32_t* link = route; link != route_end; ++link) {
            LinkState& state = links[*link];
            start_cycle = reserve(state.calendar, head_cycle);
            head_cycle = start_cycle + router_cycles;
            ++state.packets;
            state.bytes += bytes;
            state.busy_ps += busy_ps;
        }
        return start_cycle;
    };
    const uint64_t start_cycle =
        ser == 1 ? reserve_route([](CycleCalendar& calendar, uint64_t head) { return calendar.reserve_one(head); })
                 : reserve_route([ser](CycleCalendar& calendar, uint64_t head) { return calendar.reserve(head, ser); });

    const uint64_t tail_cycle = start_cycle + ser;
    if (tail_cycle > max_tail_cycle_) {
        throw Error("mesh: send at " + std::to_string(inject_ps) + " ps: arrival time overflows 64-bit picoseconds");
    }
    const uint64_t tail_ps = tail_cycle * period_ps;

    const uint64_t routers = uint64_t(route_end - route) - 1;  // |dx| + |dy| + 1: every link but the injection
    const uint64_t zero_load_cycles = routers * router_cycles + ser;
    ClassStats& stats = class_stats_[size_t(cls)];
    ++stats.packets;
    stats.payload_bytes += payload_bytes;
    stats.hops += routers;
    stats.latency_ps.record(tail_ps - inject_ps);
    // Waiting for the next clock edge is not contention; only what the calendars added is.
    stats.contention_ps += (tail_cycle - inject_cycle - zero_load_cycles) * period_ps;
    return tail_ps;
}

uint64_t Mesh::router_byte_hops(uint32_t router) const {
    if (router >= tiles_) {
        throw Error("mesh: router_byte_hops: no router " + std::to_string(router) + " (the mesh has " +
                    std::to_string(tiles_) + ")");
    }
    uint64_t bytes = 0;
    for (uint32_t link : router_out_links_[router]) bytes += links_[link].bytes;
    return bytes;
}

void Mesh::retire_before(uint64_t ps) {
    if (ps <= retired_before_ps_) return;
    retired_before_ps_ = ps;
    // An interval [s, e) in cycles ends at or before ps when e x period <= ps.
    const uint64_t cycle = clock_period_.quotient(ps);
    for (LinkState& link : links_) link.calendar.retire_through(cycle);
}

const std::vector<Mesh::LinkStats>& Mesh::link_stats() const {
    for (size_t i = 0; i < links_.size(); ++i) {
        link_stats_[i].packets = links_[i].packets;
        link_stats_[i].bytes = links_[i].bytes;
        link_stats_[i].busy_ps = links_[i].busy_ps;
    }
    return link_stats_;
}

const Mesh::ClassStats& Mesh::class_stats(TrafficClass cls) const {
    if (cls >= TrafficClass::Count) {
        throw Error("mesh: class_stats: invalid traffic class " + std::to_string(unsigned(cls)));
    }
    return class_stats_[size_t(cls)];
}

size_t Mesh::calendar_interval_count() const {
    size_t total = 0;
    for (const LinkState& link : links_) total += link.calendar.interval_count();
    return total;
}

void Mesh::reset() {
    for (LinkState& link : links_) link = LinkState();
    for (ClassStats& stats : class_stats_) stats = ClassStats();
    retired_before_ps_ = 0;
    sent_ = false;
}

}  // namespace npuemu::noc
