#include "model/soc/tile.h"

#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

Tile::Tile(sc_core::sc_module_name name, uint32_t tile_id, const config::ChipConfig& chip,
           const ReferenceClock& timer_clock, RunControl& run_control, const sc_core::sc_event& boot,
           npu::TileBarrier& barrier, mem::TimedMemoryPort& memory_port)
    : sc_module(name),
      tile_id_(tile_id),
      clock_(sc_core::sc_time::from_value(chip.clock_period_ps())),
      core_("core", tile_id, chip.core, clock_, timer_clock, lines_,
            run_control, boot),
      local_sram_("local_sram", chip.local_sram.size_bytes,
                  sc_core::sc_time::from_value(chip.clock_period_ps() * chip.local_sram.access_latency_cycles)),
      scratchpad_("scratchpad", chip.npu.scratchpad.size_bytes, sc_core::SC_ZERO_TIME),
      accumulator_("accumulator", chip.npu.accumulator.size_bytes, sc_core::SC_ZERO_TIME),
      npu_("npu", tile_id, chip.npu, clock_,
           sc_core::sc_time::from_value(chip.clock_period_ps() * chip.device_access_latency_cycles), scratchpad_.data(), accumulator_.data(), barrier,
           [&run_control, tile_id](const std::string& message) { run_control.fault(tile_id, message); },
           &memory_port),
      router_("router") {
    core_.socket.bind(router_.target_socket);
    // Global memory above the firmware image and every tile's window (this one's too, through the chip) are behind
    // the mesh; the image is what the core's caches hold.
    core_.add_timed_memory(NPUEMU_FREE_GLOBAL_MEM_BASE, chip.global_memory.size_bytes - NPUEMU_FIRMWARE_IMAGE_BYTES);
    core_.add_timed_memory(NPUEMU_TILE_SRAM_GLOBAL_BASE, uint64_t(chip.tile_count) * NPUEMU_TILE_LOCAL_WINDOW_BYTES);
    npu_.dma().socket.bind(router_.target_socket);
    core_.attach_coprocessor([this](uint32_t instruction, uint32_t rs1, uint32_t rs2, uint32_t rs3, uint32_t& rd,
                                    uint32_t pc) { return npu_.issue(instruction, rs1, rs2, rs3, rd, pc); });
    router_.attach(local_sram_.socket, NPUEMU_TILE_LOCAL_BASE, chip.local_sram.size_bytes, "local SRAM",
                   Router::Holds::Memory);
    router_.attach(scratchpad_.socket, NPUEMU_SCRATCHPAD_BASE, chip.npu.scratchpad.size_bytes, "scratchpad",
                   Router::Holds::Memory);
    router_.attach(accumulator_.socket, NPUEMU_ACCUMULATOR_BASE, chip.npu.accumulator.size_bytes, "accumulator",
                   Router::Holds::Memory);
    router_.attach(npu_.status_registers().socket, npu::isa::npu_status::kBase, 0x1000, "NPU status",
                   Router::Holds::Registers);
}

}  // namespace npuemu::soc
