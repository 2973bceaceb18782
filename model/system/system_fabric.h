// The chips of a system joined in time: every link of the system config as two ChipLinkDirections (one per
// direction), the node switch, and the routes between chips (shortest paths over links, the switch and, in a ring
// or torus, intermediate chips, whose meshes a transfer crosses from one link port to the next). An access to
// another chip leaves its tile across its chip's mesh to a link port, crosses the links, enters the other chip's
// memory system at a port (HBM or a tile's SRAM there), and its answer returns the same way.
// The switch: its ports are links (with their credits); a transfer crosses it in switch.latency_ns after its
// internal fabric has moved it (switch_fabric.h: a limit only with switch.oversubscription > 1). What is not
// modelled yet: the switch's buffers (no back-pressure from them beyond the links' credits).
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "model/common/latency_histogram.h"
#include "model/common/stats.h"
#include "model/link/chip_link.h"
#include "model/soc/chip.h"
#include "model/soc/chip_fabric.h"
#include "model/system/switch_fabric.h"
#include "model/system/system_config.h"

namespace npuemu::system {

class SystemFabric : public soc::ChipFabric, private mem::AccessListener {
public:
    // Statistics: "fabric.*" and "links.<link>.*" below parent.
    SystemFabric(const SystemConfig& config, std::vector<soc::Chip*> chips, StatsGroup& parent);
    ~SystemFabric() override;

    void start(uint32_t chip, noc::NodeId from, uint32_t target, const mem::TimedAccess& access,
               mem::AccessListener& listener, uint64_t cookie) override;
    void ring(uint32_t chip, noc::NodeId from, uint64_t ready_ps, uint32_t target, uint32_t tile,
              unsigned flag, mem::FlowRecord flow) override;
    void record_flow(uint32_t chip, const mem::FlowRecord& flow) override;
    // The flow export: every copy between chips and every doorbell, one JSON object a line (docs/systems.md), as
    // each lands. Throws npuemu::Error if the file cannot be written.
    void export_flows(const std::string& path);
    void finish_flows();
    double link_port_energy_pj(uint32_t chip, uint32_t port) const override;
    uint32_t chip_count() const override { return static_cast<uint32_t>(chips_.size()); }
    uint32_t tile_count(uint32_t chip) const override { return chips_.at(chip)->config().tile_count; }

    // Every link direction's activity (signals system.links.<direction>.*, a track per direction of process
    // "links"). Call before the tracer starts.
    void attach_tracer(trace::Tracer& tracer) {
        for (size_t i = 0; i < directions_.size(); ++i) {
            directions_[i]->attach_tracer(tracer, "system.links.", "links", static_cast<unsigned>(i + 1));
        }
    }
    // Links the route from chip `from` to chip `to` crosses, in order ("c0p1-c1p0", ...).
    std::vector<std::string> route_names(uint32_t from, uint32_t to) const;

private:
    // One step of a route: out of vertex from_vertex (a chip, or the switch = chip count) through its port
    // out_port, over `link`, into vertex to_vertex at its port in_port.
    struct Step {
        uint32_t from_vertex, out_port, to_vertex, in_port;
        link::ChipLinkDirection* link;
    };
    using Route = std::vector<Step>;
    struct Arrival {
        uint64_t time_ps;
        noc::NodeId node;  // the link port of the destination chip it came in at
    };
    struct Transaction {
        mem::AccessListener* listener = nullptr;
        uint64_t cookie = 0;
        uint32_t source = 0, target = 0;
        noc::NodeId origin = 0, entry = 0;
        bool write = false;
        uint32_t bytes = 0;
        uint64_t issue_ps = 0;
    };

    void build_routes(const SystemConfig& config);
    // Carries payload_bytes from node `from` of the route's first chip, ready at ready_ps, to the last chip's port.
    Arrival travel(const Route& route, noc::NodeId from, uint64_t ready_ps, uint32_t payload_bytes,
                   noc::TrafficClass mesh_class);
    // Time for chip `chip` to take a packet of payload_bytes off a link into its mesh (what frees the link's credits).
    uint64_t drain_ps(uint32_t chip, uint32_t payload_bytes, const link::ChipLinkConfig& link) const;
    void access_done(uint64_t cookie, uint64_t landed_ps) override;
    void register_stats();

    std::vector<soc::Chip*> chips_;
    uint64_t switch_latency_ps_ = 0;
    SwitchFabric switch_fabric_;
    StatsGroup stats_;        // "fabric"
    StatsGroup link_stats_;   // "links"
    std::vector<std::unique_ptr<link::ChipLinkDirection>> directions_;
    // [chip][port]: the two directions of the link on that port (both null for an unused port).
    std::vector<std::vector<std::array<const link::ChipLinkDirection*, 2>>> port_links_;
    std::vector<std::vector<Route>> routes_;  // [from chip][to chip]
    std::vector<Transaction> transactions_;
    uint64_t sends_since_retire_ = 0;
    std::unique_ptr<std::ofstream> flows_;
    std::string flows_path_, flows_temporary_;
    std::vector<uint32_t> free_transactions_;

    uint64_t reads_ = 0, writes_ = 0, read_bytes_ = 0, write_bytes_ = 0, doorbells_ = 0;
    LatencyHistogram read_latency_ps_, write_latency_ps_;
};

}  // namespace npuemu::system
