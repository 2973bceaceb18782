// The chip's memory system in time: the mesh joining the tiles, the HBM stacks on its north and south edges, and
// the routing of every access that leaves a tile. An access to global memory is cut into its pseudo channels'
// pieces by the address mapping; each piece crosses the mesh to its channel's port (a read request, or the write's
// data), waits in the controller, and comes back (the read data, or a write acknowledgement). An access to another
// tile's SRAM crosses the mesh there and back. Data itself moves through DMI; this decides when it has landed.
// In a system of chips, the chip's link ports sit on the mesh's west and east edges: an access to another chip
// leaves through the system's fabric, and accesses from other chips enter at a link port (start_inbound()).
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/common/latency_histogram.h"
#include "model/common/stats.h"
#include "model/config/chip_config.h"
#include "model/mem/hbm_memory.h"
#include "model/mem/memory_port.h"
#include "model/noc/on_chip_network.h"
#include "model/soc/chip_fabric.h"

namespace npuemu::soc {

class MemorySystem : public sc_core::sc_module, private mem::AccessListener {
public:
    using DoorbellSink = std::function<void(uint32_t tile, uint64_t arrival_ps, unsigned flag)>;

    // Attaches the HBM channels to the network's north and south edges and link_ports chip-to-chip link ports to
    // its west and east edges (alternately, spread along each).
    MemorySystem(sc_core::sc_module_name name, const config::ChipConfig& config, noc::OnChipNetwork& network,
                 mem::HbmMemory& hbm, uint32_t link_ports = 0);
    ~MemorySystem() override;

    // Tile t's way out.
    mem::TimedMemoryPort& port(uint32_t tile);
    // Where a doorbell for tile t arrives (its NPU's semaphores).
    void set_doorbell_sink(DoorbellSink sink) { doorbell_sink_ = std::move(sink); }
    // Joins the chip to a system: this chip is `chip_id`; accesses to other chips go through `fabric`.
    void join_system(ChipFabric& fabric, uint32_t chip_id) {
        fabric_ = &fabric;
        chip_id_ = chip_id;
    }

    // Energy the mesh, the HBM stacks and the chip-to-chip links charged to tile t so far, in pJ: the bits that
    // passed its router, the DRAM commands of the HBM channels attached at its router, and its router's link ports'
    // share of their links (the power model adds it to the tile's power; docs/power.md).
    double tile_energy_pj(uint32_t tile) const;

    // For the system's fabric: the mesh, its link port nodes, and accesses and doorbells entering at a port.
    noc::OnChipNetwork& network() { return network_; }
    noc::NodeId link_port_node(uint32_t port) const { return link_port_nodes_.at(port); }
    uint32_t link_ports() const { return static_cast<uint32_t>(link_port_nodes_.size()); }
    // An access arriving at mesh node `from` (a link port) for an address of this chip; listener->access_done(
    // cookie, landed_ps) follows once, landed_ps being when the read data or the acknowledgement is back at `from`.
    void start_inbound(noc::NodeId from, const mem::TimedAccess& access, mem::AccessListener& listener,
                       uint64_t cookie);
    // A doorbell arriving at mesh node `from` at arrival_ps for tile `tile`.
    void deliver_doorbell(noc::NodeId from, uint64_t arrival_ps, uint32_t tile, unsigned flag);

private:
    class TilePort;
    enum class Region { Local, Global, OtherTile, OtherChip, None };
    // tile: the issuing tile (kNoTile for an access entering at a link port). Fills other_tile for OtherTile, and
    // for OtherChip the chip and the address on it.
    static constexpr uint32_t kNoTile = UINT32_MAX;
    Region classify(uint32_t tile, uint64_t address, uint64_t bytes, uint32_t& other_tile, uint32_t& chip,
                    uint64_t& chip_address) const;
    void start(uint32_t tile, const mem::TimedAccess& access, mem::AccessListener& listener, uint64_t cookie);
    void start_from(noc::NodeId from, uint32_t tile, const mem::TimedAccess& access, mem::AccessListener& listener,
                    uint64_t cookie);
    void start_global(noc::NodeId from, const mem::TimedAccess& access, uint32_t access_index);
    void access_done(uint64_t cookie, uint64_t landed_ps) override {
        part_landed(static_cast<uint32_t>(cookie), landed_ps);
    }
    std::string doorbell_problem(uint32_t chip, uint32_t tile) const;
    void send_doorbell(uint32_t tile, uint64_t ready_ps, uint32_t chip, uint32_t target_tile, unsigned flag,
                       uint32_t collective, uint32_t step);
    void hbm_done(uint64_t tag, uint64_t done_ps);
    void part_landed(uint32_t access_index, uint64_t landed_ps);
    uint32_t allocate_access();

    struct Access {
        mem::AccessListener* listener = nullptr;
        uint64_t cookie = 0;
        noc::NodeId origin = 0;  // where the access left (a tile, or a link port) and its answer returns
        bool write = false;
        mem::Requester requester = mem::Requester::Dma;
        uint64_t issue_ps = 0;
        uint32_t parts_left = 0;
        uint64_t landed_ps = 0;
        bool inbound = false;  // entered at a link port (from another chip)
        // A global access of one run (a DMA burst within one 256-byte block: nearly all of them) keeps its run's
        // channel and bytes here and is its own HBM tag (kWholeAccessTag set): its completion reads one record, not
        // a Part and then its Access (each a likely cache miss by then).
        uint32_t pseudo_channel = 0;
        uint32_t run_bytes = 0;
    };
    static constexpr uint64_t kWholeAccessTag = uint64_t(1) << 63;
    struct Part {
        uint32_t access = 0;
        uint32_t pseudo_channel = 0;
        uint32_t bytes = 0;
    };

    const config::ChipConfig& config_;
    void register_stats();
    noc::OnChipNetwork& network_;
    mem::HbmMemory& hbm_;
    std::vector<std::unique_ptr<TilePort>> ports_;
    std::vector<noc::NodeId> channel_node_;  // per pseudo channel: its channel's mesh port
    std::vector<noc::NodeId> link_port_nodes_;
    std::vector<std::vector<uint32_t>> tile_channels_;    // per tile: the pseudo channels attached at its router
    std::vector<std::vector<uint32_t>> tile_link_ports_;  // per tile: the link ports attached at its router
    ChipFabric* fabric_ = nullptr;
    uint32_t chip_id_ = 0;
    DoorbellSink doorbell_sink_;
    std::vector<Access> accesses_;
    std::vector<uint32_t> free_accesses_;
    std::vector<Part> parts_;
    std::vector<uint32_t> free_parts_;
    std::vector<mem::HbmRun> runs_;  // scratch
    uint64_t sends_since_retire_ = 0;

    // Per requester kind: accesses, bytes and latency from issue to landing.
    struct RequesterStats {
        uint64_t reads = 0, writes = 0, read_bytes = 0, write_bytes = 0;
        LatencyHistogram read_latency_ps, write_latency_ps;
    };
    RequesterStats requester_stats_[2];
    uint64_t remote_tile_accesses_ = 0;
    StatsGroup stats_{*this};
};

}  // namespace npuemu::soc
