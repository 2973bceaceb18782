// The on-chip mesh: a 2-D grid of routers, one per tile, with endpoints (HBM channel controllers) attached to
// routers on its edges. Dimension-ordered routing (XY: along the row first, then the column). A packet is cut
// through: its head passes each router after router_latency_cycles, its tail follows ceil(bytes / bandwidth)
// cycles behind, so with no other traffic
//     latency = routers traversed x router_latency_cycles + ceil((header + payload) / link_bandwidth) cycles.
// Contention: every link (each direction) keeps a calendar of the intervals it is reserved for; a packet takes, on
// each link of its path in turn, the earliest free interval long enough for it at or after its head reaches that
// link (routers buffer without limit). Calendars fill gaps, so packets submitted out of time order (a DMA window
// submitted ahead) still share a link as they would in time order. Plain C++, times in picoseconds.
//
// Exactly (in mesh cycles of clock_period_ps; ser = serialization_cycles(payload)): the path from A to B is A's
// injection (tile) or ".in" (port) link, the router-to-router links, B's ejection or ".out" link. The packet
// starts at t0 = the first clock edge at or after inject_ps. On each link i in turn it reserves [s_i, s_i + ser)
// with s_i the earliest start >= h_i that overlaps no reservation, where h_0 = t0 and h_(i+1) = s_i +
// router_latency_cycles. send() returns (s_last + ser) x clock_period_ps. Alone on the mesh: s_i = t0 + i x
// router_latency, so arrival = t0 + routers x router_latency + ser, routers = |dx| + |dy| + 1.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/common/fast_divisor.h"
#include "model/common/latency_histogram.h"
#include "model/noc/cycle_calendar.h"
#include "model/noc/mesh_config.h"

namespace npuemu::noc {

using NodeId = uint32_t;

enum class TrafficClass : unsigned {
    ReadRequest,   // header only: a read of memory elsewhere
    ReadResponse,  // the data of a read
    WriteData,     // header + the data to write
    WriteAck,      // header only: the write is done
    Count
};
const char* traffic_class_name(TrafficClass cls);

enum class Edge { North, South, West, East };  // north: row y = 0; west: column x = 0

class Mesh {
public:
    // Throws npuemu::Error for an unusable config (zero sizes, zero bandwidth).
    explicit Mesh(const MeshConfig& config);

    const MeshConfig& config() const { return config_; }
    // Tile t is the router at x = t % cols, y = t / cols, reached through its own injection/ejection links.
    NodeId tile_node(uint32_t tile) const {
        if (tile >= tiles_) throw_no_tile(tile);  // inline: every access from a tile asks for its node
        return tile;
    }
    // An endpoint outside the grid attached to the edge router at `position` along `edge` (x for north/south, y
    // for west/east) through its own port link in each direction. Call before any send().
    NodeId attach_port(Edge edge, uint32_t position, const std::string& name);
    uint32_t node_count() const;
    const std::string& node_name(NodeId node) const;
    // The router (x, y) a node is attached to.
    uint32_t router_x(NodeId node) const;
    uint32_t router_y(NodeId node) const;

    // Routers a packet passes from `from` to `to`: |dx| + |dy| + 1.
    uint32_t routers_on_path(NodeId from, NodeId to) const;
    // Cycles a packet of header_bytes + payload_bytes holds each link: ceil(bytes / bandwidth), at least 1 (even
    // an empty packet is one flit on the wire).
    uint64_t serialization_cycles(uint32_t payload_bytes) const;
    uint64_t zero_load_latency_ps(NodeId from, NodeId to, uint32_t payload_bytes) const;
    // Sends a packet of header_bytes + payload_bytes injected at inject_ps (>= the last retire_before()) and
    // reserves every link on its path; returns the time its tail reaches `to`.
    uint64_t send(NodeId from, NodeId to, uint32_t payload_bytes, uint64_t inject_ps, TrafficClass cls);
    // Forgets reservations that end at or before ps. The caller promises not to inject earlier than ps again
    // (send() then throws); a ps below an earlier one changes nothing.
    void retire_before(uint64_t ps);

    // Links are named after their sender: "x3y0.east" is router (3, 0)'s output going east (also .west, .north
    // towards y = 0, .south); "tile5.inject" tile -> router, "tile5.eject" router -> tile; for a port,
    // "<name>.in" carries port -> mesh (into the mesh) and "<name>.out" mesh -> port. Order: router links (router
    // by router, y then x; east, west, north, south), then each tile's inject and eject, then ports as attached.
    struct LinkStats {
        std::string name;  // "x3y0.east", "tile5.inject", "tile5.eject", "hbm0.ch3.in", "hbm0.ch3.out"
        uint64_t packets = 0;
        uint64_t bytes = 0;    // header + payload
        uint64_t busy_ps = 0;  // reserved time
    };
    // (A snapshot: the counters are copied in from the links' state at each call.)
    const std::vector<LinkStats>& link_stats() const;
    // Link `link`'s bytes and reserved time, as link_stats() reports them; references stay valid (for statistics
    // that read them later).
    uint32_t link_count() const { return static_cast<uint32_t>(links_.size()); }
    const uint64_t& link_bytes(uint32_t link) const { return links_.at(link).bytes; }
    const uint64_t& link_busy_ps(uint32_t link) const { return links_.at(link).busy_ps; }
    struct ClassStats {
        uint64_t packets = 0;
        uint64_t payload_bytes = 0;
        uint64_t hops = 0;            // routers traversed, summed over packets
        LatencyHistogram latency_ps;  // injection (inject_ps as given) to tail arrival
        uint64_t contention_ps = 0;   // latency beyond the zero-load latency, summed; the wait for the first
                                      // clock edge after inject_ps is not counted as contention
    };
    const ClassStats& class_stats(TrafficClass cls) const;
    // Bytes (header + payload) that passed router r (r = y x cols + x, the router of tile r), summed over packets:
    // every packet counts at each of the routers_on_path() routers it passes. Its energy: x 8 x
    // config().energy_pj_per_bit_hop.
    // (Summed at each call over the links that leave the router: a packet passing it leaves by exactly one.)
    uint64_t router_byte_hops(uint32_t router) const;
    double router_energy_pj(uint32_t router) const {
        return static_cast<double>(router_byte_hops(router)) * 8.0 * config_.energy_pj_per_bit_hop;
    }
    // Busy intervals held by all link calendars together (what retire_before() keeps bounded).
    size_t calendar_interval_count() const;
    // Forgets all reservations and statistics (ports stay attached): the mesh as just built.
    void reset();

private:
    static constexpr uint32_t kNoLink = ~0u;
    enum Direction : uint32_t { East, West, North, South, DirectionCount };
    struct Node {
        std::string name;
        uint32_t x, y;
        uint32_t into_mesh_link;    // tile inject / port in
        uint32_t out_of_mesh_link;  // tile eject / port out
    };

    uint32_t add_link(std::string name);
    const Node& node(NodeId id, const char* what) const {
        if (id >= nodes_.size()) throw_no_node(id, what);  // inline: send() looks up two nodes per packet
        return nodes_[id];
    }
    [[noreturn, gnu::cold]] void throw_no_node(NodeId id, const char* what) const;
    [[noreturn, gnu::cold]] void throw_no_tile(uint32_t tile) const;
    uint32_t router_link(uint32_t x, uint32_t y, Direction dir) const {
        return router_links_[(size_t(y) * config_.cols + x) * DirectionCount + dir];
    }
    uint64_t edge_cycle(uint64_t ps) const { return clock_period_.quotient_ceil(ps); }  // the first edge at or after ps

    MeshConfig config_;
    uint32_t tiles_ = 0;
    std::vector<Node> nodes_;             // tiles 0..tiles_-1, then ports
    std::vector<uint32_t> router_links_;  // [(y * cols + x) * 4 + direction] -> link id, kNoLink off the edge
    // What a packet reads and writes of a link, side by side: its calendar (the bitmap of busy cycles, whose words
    // sit in a ring of their own) and its counters.
    struct alignas(64) LinkState {
        CycleCalendar calendar;
        uint64_t packets = 0, bytes = 0, busy_ps = 0;
    };
    static_assert(sizeof(LinkState) == 64, "a link's calendar and counters: one cache line");
    std::vector<LinkState> links_;               // by link id
    std::vector<uint32_t> route_;                // send()'s scratch: the links of a packet's route, in order
    mutable std::vector<LinkStats> link_stats_;  // by link id: the names, and the counters as of link_stats()
    std::array<ClassStats, size_t(TrafficClass::Count)> class_stats_{};
    std::vector<std::vector<uint32_t>> router_out_links_;  // by router: the links it sends on (router, eject, port out)
    FastDivisor clock_period_;                             // config_.clock_period_ps
    FastDivisor link_bandwidth_;                           // config_.link_bandwidth_bytes_per_cycle
    uint32_t last_payload_bytes_ = 0;                      // send()'s cache of serialization_cycles()
    uint64_t last_serialization_cycles_ = 0;
    uint64_t max_tail_cycle_ = 0;  // UINT64_MAX / clock_period_ps: a later tail overflows picoseconds
    uint64_t retired_before_ps_ = 0;
    bool sent_ = false;
};

}  // namespace npuemu::noc
