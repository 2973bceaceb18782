// The chip's memory system in time: the mesh joining the tiles, the HBM stacks on its north and south edges, and
// the routing of every access that leaves a tile. An access to global memory is cut into its pseudo channels'
// pieces by the address mapping; each piece crosses the mesh to its channel's port (a read request, or the write's
// data), waits in the controller, and comes back (the read data, or a write acknowledgement). An access to another
// tile's SRAM crosses the mesh there and back. Data itself moves through DMI; this decides when it has landed.
#pragma once

#include <systemc>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/common/latency_histogram.h"
#include "model/common/stats.h"
#include "model/config/chip_config.h"
#include "model/mem/hbm_memory.h"
#include "model/mem/memory_port.h"
#include "model/noc/on_chip_network.h"

namespace npuemu::soc {

class MemorySystem : public sc_core::sc_module {
public:
    // Attaches the HBM channels to the network's north and south edges.
    MemorySystem(sc_core::sc_module_name name, const config::ChipConfig& config, noc::OnChipNetwork& network,
                 mem::HbmMemory& hbm);
    ~MemorySystem() override;

    // Tile t's way out.
    mem::TimedMemoryPort& port(uint32_t tile);

private:
    class TilePort;
    enum class Region { Local, Global, OtherTile, None };
    Region classify(uint32_t tile, uint64_t address, uint64_t bytes, uint32_t& other_tile) const;
    void start(uint32_t tile, const mem::TimedAccess& access, mem::AccessListener& listener, uint64_t cookie);
    void start_global(uint32_t tile, const mem::TimedAccess& access, uint32_t access_index);
    void hbm_done(uint64_t tag, uint64_t done_ps);
    void part_landed(uint32_t access_index, uint64_t landed_ps);
    uint32_t allocate_access();

    struct Access {
        mem::AccessListener* listener = nullptr;
        uint64_t cookie = 0;
        uint32_t tile = 0;
        bool write = false;
        mem::Requester requester = mem::Requester::Dma;
        uint64_t issue_ps = 0;
        uint32_t parts_left = 0;
        uint64_t landed_ps = 0;
    };
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
