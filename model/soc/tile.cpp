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
      npu_("npu", tile_id, chip, clock_, scratchpad_.data(), accumulator_.data(), barrier,
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

void Tile::register_stats(StatsRegistry& stats) {
    const std::string prefix = "tile" + std::to_string(tile_id_) + ".core.";
    stats.add_counter(prefix + "instructions", core_.instructions_counter(), "instructions retired");
    stats.add_counter(prefix + "cycles", core_.cycles_counter(), "core clock cycles, including sleep in wfi");
    stats.add_counter(prefix + "sleep_cycles", core_.sleep_cycles_counter(), "cycles asleep in wfi");
    stats.add_counter(prefix + "npu_stall_cycles", core_.coprocessor_stall_cycles_counter(),
                      "cycles stalled issuing NPU instructions (full queue, fence, barrier)");
    stats.add_counter(prefix + "device_accesses", core_.device_accesses_counter(),
                      "loads and stores that went to a device (not through DMI)");
    stats.add_counter(prefix + "remote_loads", core_.remote_loads_counter(),
                      "loads that crossed the mesh (global memory, another tile's SRAM)");
    stats.add_counter(prefix + "remote_load_cycles", core_.remote_load_cycles_counter(),
                      "cycles the core waited for those loads' data");
    stats.add_counter(prefix + "remote_stores", core_.remote_stores_counter(),
                      "stores posted across the mesh (global memory, another tile's SRAM)");
    stats.add_counter(prefix + "traps", core_.hart().traps_taken_counter(), "traps taken (exceptions and interrupts)");
    stats.add_counter(prefix + "interrupts", core_.hart().interrupts_taken_counter(), "interrupts taken");
    stats.add_counter(prefix + "wfi_sleeps", core_.hart().wfi_counter(), "times the hart slept in wfi");
    const core::CoreModule* core = &core_;
    stats.add_derived(prefix + "cpi", [core] {
        const double instructions = static_cast<double>(*core->instructions_counter());
        const double busy = static_cast<double>(*core->cycles_counter() - *core->sleep_cycles_counter());
        return instructions > 0 ? busy / instructions : 0.0;
    }, "average cycles per instruction while awake");
    npu_.register_stats(stats, "tile" + std::to_string(tile_id_) + ".", core_.clock_period());
}

}  // namespace npuemu::soc
