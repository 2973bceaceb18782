// The whole chip, assembled from its config: tiles, global memory and the devices on the chip router.
#pragma once

#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include <memory>
#include <optional>
#include <ostream>
#include <vector>

#include "model/common/reference_clock.h"
#include "model/common/stats.h"
#include "model/config/chip_config.h"
#include "model/loader/elf_image.h"
#include "model/mem/ram.h"
#include "model/soc/chip_info.h"
#include "model/soc/chip_placement.h"
#include "model/soc/clint.h"
#include "model/soc/htif.h"
#include "model/soc/memory_system.h"
#include "model/soc/timed_memory_front.h"
#include "model/soc/router.h"
#include "model/common/run_control.h"
#include "model/soc/sim_control.h"
#include "model/soc/tile.h"
#include "model/soc/uart.h"
#include "model/power/pmu_registers.h"
#include "model/power/power_monitor.h"

namespace npuemu::soc {

struct HtifAddresses {
    uint32_t tohost = 0;
    std::optional<uint32_t> fromhost;
};

class Chip : public sc_core::sc_module {
public:
    // placement: where the chip sits in a system of chips (a chip that runs alone: the default).
    Chip(sc_core::sc_module_name name, const config::ChipConfig& config, std::ostream& console,
         std::optional<HtifAddresses> htif = std::nullopt, const ChipPlacement& placement = {});

    // Throws npuemu::Error, naming the segment and showing the memory map, if a segment does not lie in memory.
    // Works before elaboration, so bad images are refused before any simulation starts.
    void check_image_fits(const loader::ElfImage& image) const;
    // Writes the image's segments into memory and points every hart at its entry. Throws npuemu::Error for a
    // segment that does not lie entirely in memory. Call after elaboration (the sockets bind at its end), before
    // boot().
    void load(const loader::ElfImage& image);
    // Releases the harts at the current simulated time.
    void boot() { boot_event_.notify(sc_core::SC_ZERO_TIME); }
    // Backdoor access for host tools (--load/--dump and tests); false if the range is not all memory.
    bool write_memory(uint64_t addr, const uint8_t* data, uint64_t length);
    bool read_memory(uint64_t addr, uint8_t* data, uint64_t length);

    // The chip's statistics: every block's group is below this one.
    StatsGroup& stats() { return stats_; }
    const StatsGroup& stats() const { return stats_; }
    void attach_tracer(trace::Tracer& tracer) {
        for (auto& tile : tiles_) tile->attach_tracer(tracer);
        if (power_) power_->attach_tracer(tracer);
    }
    // End of the run: the memory system's statistics are brought up to end_ps.
    void settle(uint64_t end_ps) { hbm_.settle(end_ps); }
    // What the harts and NPU queues still running wait on (for a deadlock report).
    std::string describe_waits();
    void flush_console() { uart_.flush_partial_lines(); }

    // In a system: [2^32, (chips + 1) * 2^32) of the chip router leads to `other_chips` (the system's gateway,
    // which sees chip c at c * 2^32 + address). Call during elaboration.
    template <typename Socket>
    void attach_other_chips(Socket& other_chips, uint32_t chip_count) {
        router_.attach(other_chips, mem::TimedMemoryPort::kChipWindowBytes,
                       uint64_t(chip_count) * mem::TimedMemoryPort::kChipWindowBytes, "other chips of the system",
                       Router::Holds::Memory);
    }
    // Binds an initiator (another chip's gateway) to this chip's router: it reaches the chip's map as is.
    template <typename Initiator>
    void accept_from_other_chips(Initiator& initiator) {
        initiator.bind(router_.target_socket);
    }
    MemorySystem& memory_system() { return memory_; }
    const config::ChipConfig& config() const { return config_; }
    const ChipPlacement& placement() const { return placement_; }
    // The power and thermal model, or nullptr when the config has no power section.
    const power::PowerMonitor* power_monitor() const { return power_.get(); }
    RunControl& run_control() { return run_control_; }
    std::vector<std::unique_ptr<Tile>>& tiles() { return tiles_; }
    std::string describe_memory_map() const;
    bool is_memory(uint64_t addr, uint64_t length) const { return router_.is_memory(addr, length); }

private:
    static constexpr uint64_t kAddressSpaceBytes = 1ull << 48;  // what a tile's DMA may address, all chips included
    bool debug_transfer(tlm::tlm_command command, uint64_t addr, uint8_t* data, uint64_t length);
    void register_npu_totals();

    const config::ChipConfig& config_;
    ChipPlacement placement_;
    StatsGroup stats_{*this};  // before every block: their groups go below it
    RunControl run_control_;
    ReferenceClock timer_clock_;
    sc_core::sc_event boot_event_;
    npu::TileBarrier barrier_;
    noc::OnChipNetwork network_;
    mem::HbmMemory hbm_;
    MemorySystem memory_;  // before the tiles: they hold its ports
    std::vector<std::unique_ptr<Tile>> tiles_;
    Router router_;
    mem::Ram global_memory_;
    TimedMemoryFront global_front_;
    std::vector<std::unique_ptr<TimedMemoryFront>> tile_fronts_;
    Uart uart_;
    SimControl sim_control_;
    ChipInfo chip_info_;
    std::unique_ptr<Clint> clint_;
    std::unique_ptr<Htif> htif_;
    std::unique_ptr<power::PowerMonitor> power_;  // when the config has a power section
    std::vector<std::unique_ptr<power::PmuRegisters>> pmu_registers_;
    // The chip's own port into its router, for the loader and host tools (debug transport).
    tlm_utils::simple_initiator_socket<Chip> debug_socket_;
};

}  // namespace npuemu::soc
