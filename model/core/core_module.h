// A control core in the chip: runs an Rv32Hart in an SC_THREAD, loosely timed with temporal decoupling. Memories are
// reached through DMI (no SystemC call per load), devices through b_transport after a sync, so device accesses from
// different harts happen in simulated-time order. The block a hart runs ends at the quantum or at the next timer
// deadline, so a timer interrupt is taken at its exact cycle.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "model/common/hierarchy_names.h"
#include "model/common/reference_clock.h"
#include "model/common/stats.h"
#include "model/common/tile_clock.h"
#include "model/core/core_config.h"
#include "model/core/debug_control.h"
#include "model/core/hart_bus.h"
#include "model/core/interrupt_lines.h"
#include "model/core/rv32_hart.h"
#include "model/common/hart_id_extension.h"
#include "model/common/run_control.h"
#include "model/trace/tracer.h"

namespace npuemu::core {

class CoreModule : public sc_core::sc_module, private HartBus {
public:
    tlm_utils::simple_initiator_socket<CoreModule> socket;

    CoreModule(sc_core::sc_module_name name, uint32_t hart_id, const CoreConfig& config,
               const TileClock& clock, const ReferenceClock& timer_clock, InterruptLines& lines,
               RunControl& run_control, const sc_core::sc_event& boot);

    void set_start_pc(uint32_t pc) { hart_.reset(pc); }
    // Memory whose data accesses are timed by the memory system (global memory, other tiles behind the mesh):
    // instructions are still fetched through DMI there (an instruction cache), loads go through the bus and wait
    // for their data, stores are posted at the core's local time. Call before the run.
    void add_timed_memory(uint64_t base, uint64_t size) { timed_memory_.push_back({base, base + size}); }
    // The tile's NPU, which executes the custom instructions (none: they are illegal).
    using Coprocessor = std::function<CoprocessorStatus(uint32_t instruction, uint32_t rs1, uint32_t rs2, uint32_t rs3,
                                                        uint32_t& rd, uint32_t pc)>;
    void attach_coprocessor(Coprocessor coprocessor) { coprocessor_ = std::move(coprocessor); }
    Rv32Hart& hart() { return hart_; }
    const Rv32Hart& hart() const { return hart_; }
    bool sleeping() const { return sleeping_; }
    // chip.tileN.core.sleeping (in wfi) and .npu_stall (waiting on a full queue, a fence or a barrier).
    void attach_tracer(trace::Tracer& tracer) {
        tracer_ = &tracer;
        const std::string scope = trace_scope(*this);
        sleeping_signal_ = tracer.declare(scope + ".sleeping", 1);
        npu_stall_signal_ = tracer.declare(scope + ".npu_stall", 1);
    }
    sc_core::sc_time clock_period() const { return clock_.period(); }
    // Puts the core under a debugger's run control (nullptr: none, the default). Call before the run starts.
    void set_debug_control(DebugControl* control) { debug_ = control; }
    // A debugger's access to memory as this hart sees it (its tile-local SRAM at the local alias), through the
    // debug transport: no simulated time, no side effects. Returns how many bytes from addr were accessed.
    size_t debug_access(bool write, uint32_t addr, uint8_t* data, size_t length);

    // Copies the hart's instruction and cycle counts into the published counters (done at every block boundary;
    // a debugger showing stats at a halt calls it to show the halt's own figures).
    void publish_counters();

private:
    // The quantum keeper, plus how far it is to the next sync point (to size a block).
    class QuantumKeeper : public tlm_utils::tlm_quantumkeeper {
    public:
        sc_core::sc_time time_to_sync() const {
            const sc_core::sc_time now = get_current_time();
            return m_next_sync_point > now ? m_next_sync_point - now : sc_core::SC_ZERO_TIME;
        }
    };

    void register_stats();
    void run_thread();
    bool debug_gate();  // waits while the debugger holds this hart; false if the hart must stop for good
    void account_cycles();  // moves cycles the hart ran into the quantum keeper's local time
    void update_interrupt_pending();
    void sleep_until_interrupt();
    uint64_t cycles_until(const sc_core::sc_time& when) const;

    // HartBus
    bool request_dmi(uint32_t addr, DmiWindow& window) override;
    BusStatus read(uint32_t addr, unsigned size_bytes, uint32_t& value, uint64_t elapsed_cycles,
                   uint64_t* extra_cycles) override;
    BusStatus write(uint32_t addr, unsigned size_bytes, uint32_t value, uint64_t elapsed_cycles,
                    uint64_t* extra_cycles) override;
    uint64_t mtime(uint64_t elapsed_cycles) override;
    CoprocessorStatus coprocessor(uint32_t instruction, uint32_t rs1, uint32_t rs2, uint32_t rs3,
                                  uint32_t& rd_value) override;
    BusStatus device_access(tlm::tlm_command command, uint32_t addr, unsigned size_bytes, uint32_t& value,
                            uint64_t* extra_cycles);
    BusStatus posted_store(uint32_t addr, unsigned size_bytes, uint32_t value);
    // A debugger halted the chip since epoch_before, while this hart was inside an instruction: wait there while
    // it holds this hart, and end the block after the instruction.
    void park_while_held(uint64_t epoch_before);
    bool is_timed_memory(uint64_t addr) const {
        for (const auto& range : timed_memory_) {
            if (addr >= range.first && addr < range.second) return true;
        }
        return false;
    }
    void prepare_payload(tlm::tlm_command command, uint32_t addr, unsigned size_bytes, uint32_t& value);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

    CoreConfig config_;
    const TileClock& clock_;
    const ReferenceClock& timer_clock_;
    InterruptLines& lines_;
    RunControl& run_control_;
    const sc_core::sc_event& boot_;  // the hart starts when the image is loaded
    Rv32Hart hart_;
    QuantumKeeper quantum_keeper_;
    tlm::tlm_generic_payload payload_;
    uint64_t accounted_cycles_ = 0;  // hart cycles already added to the quantum keeper
    bool sleeping_ = false;
    DebugControl* debug_ = nullptr;
    bool stopped_at_ebreak_ = false;  // the last debugger stop was an ebreak (a signal then hands it to firmware)

    StatsGroup stats_{*this};
    uint64_t instructions_ = 0;
    uint64_t cycles_ = 0;
    uint64_t sleep_cycles_ = 0;
    uint64_t device_accesses_ = 0;
    uint64_t coprocessor_stall_cycles_ = 0;
    uint64_t remote_loads_ = 0;
    uint64_t remote_stores_ = 0;
    uint64_t remote_load_cycles_ = 0;
    std::vector<std::pair<uint64_t, uint64_t>> timed_memory_;  // [begin, end)
    Coprocessor coprocessor_;
    trace::Tracer* tracer_ = nullptr;
    uint32_t sleeping_signal_ = trace::kNoSignal;
    uint32_t npu_stall_signal_ = trace::kNoSignal;
};

}  // namespace npuemu::core
