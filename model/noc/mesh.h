// The on-chip mesh: a 2-D grid of routers, one per tile, with endpoints (HBM channel controllers) attached to
// routers on its edges. Dimension-ordered routing (XY: along the row first, then the column). A packet is cut
// through: its head passes each router after router_latency_cycles, its tail follows ceil(bytes / bandwidth)
// cycles behind, so with no other traffic
//     latency = routers traversed x router_latency_cycles + ceil((header + payload) / link_bandwidth) cycles.
// Contention: every link (each direction) keeps a calendar of the intervals it is reserved for; a packet takes, on
// each link of its path in turn, the earliest free interval long enough for it at or after its head reaches that
// link (routers buffer without limit). Calendars fill gaps, so packets submitted out of time order (a DMA window
// submitted ahead) still share a link as they would in time order. Plain C++, times in picoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/common/latency_histogram.h"
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
    NodeId tile_node(uint32_t tile) const;
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
    uint64_t zero_load_latency_ps(NodeId from, NodeId to, uint32_t payload_bytes) const;
    // Sends a packet of header_bytes + payload_bytes injected at inject_ps (>= the last retire_before()) and
    // reserves every link on its path; returns the time its tail reaches `to`.
    uint64_t send(NodeId from, NodeId to, uint32_t payload_bytes, uint64_t inject_ps, TrafficClass cls);
    // Forgets reservations that end at or before ps. The caller promises not to inject earlier than ps again.
    void retire_before(uint64_t ps);

    struct LinkStats {
        std::string name;      // "x3y0.east", "tile5.inject", "tile5.eject", "hbm0.ch3.in", "hbm0.ch3.out"
        uint64_t packets = 0;
        uint64_t bytes = 0;    // header + payload
        uint64_t busy_ps = 0;  // reserved time
    };
    const std::vector<LinkStats>& link_stats() const;
    struct ClassStats {
        uint64_t packets = 0;
        uint64_t payload_bytes = 0;
        uint64_t hops = 0;               // routers traversed, summed over packets
        LatencyHistogram latency_ps;     // injection to tail arrival
        uint64_t contention_ps = 0;      // latency beyond the zero-load latency, summed
    };
    const ClassStats& class_stats(TrafficClass cls) const;

private:
    MeshConfig config_;
    // (the implementation's routers, links with their calendars, and nodes)
};

}  // namespace npuemu::noc
