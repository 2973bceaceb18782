// RV32IM + Zicsr instruction-set simulator of one control core, machine mode only. Plain C++ with no SystemC, so it
// is unit-tested directly; model/core/core_module.h runs it inside the chip. It executes in blocks: run() goes
// until the hart's cycle counter reaches a limit (the quantum or the next timer deadline) or something needs the
// outside world (wfi, a device access that asked to yield, a fatal fault).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "model/common/stats.h"
#include "model/core/cpi_table.h"
#include "model/core/csr_numbers.h"
#include "model/core/debug_triggers.h"
#include "model/core/hart_bus.h"

namespace npuemu::core {

// A trap the firmware could not handle: no handler installed, or the handler itself is not executable.
struct HartFault {
    uint32_t hart_id = 0;
    uint32_t pc = 0;
    uint32_t instruction = 0;  // raw bits at pc, 0 if they could not be fetched
    uint32_t cause = 0;        // mcause exception code
    uint32_t tval = 0;         // mtval
    std::string describe() const;  // one line: hart, pc, instruction, cause, tval
};

class Rv32Hart {
public:
    enum class StopReason {
        CycleLimit,  // reached the cycle limit given to run()
        Yield,       // something asked to leave the block early (device access, CSR write that may unmask an IRQ)
        Wfi,         // executed wfi with no enabled interrupt pending: wait for one
        Fault,       // unrecoverable firmware fault: see fault()
        Debug,       // a debugger's breakpoint, watchpoint, single step or ebreak: see debug_stop()
    };

    Rv32Hart(uint32_t hart_id, const CpiTable& cpi, HartBus& bus);

    void reset(uint32_t start_pc);
    StopReason run(uint64_t cycle_limit);
    StopReason step();  // exactly one instruction (or one trap entry)

    // Debugger support. With no triggers and no single step, run() takes the plain path, so a debugger that set no
    // breakpoint costs nothing per instruction. triggers must outlive its use; nullptr for none.
    //  - breakpoints stop before the instruction at their pc executes (pc = the breakpoint);
    //  - watchpoints stop after the load or store that touched them completes (pc = the next instruction);
    //  - single_step: the next run() executes one instruction (or takes one trap) with interrupts not taken, as
    //    the RISC-V debug spec's dcsr.step with stepie=0; a wfi then acts as a nop;
    //  - ebreak_stops: ebreak stops in place (pc = the ebreak) instead of trapping, as with dcsr.ebreakm=1.
    void set_debug(const DebugTriggers* triggers, bool single_step, bool ebreak_stops);
    const DebugStop& debug_stop() const { return debug_stop_; }
    // Forgets a fault so run() can retry the instruction (a debugger changed the state, or wants it retried).
    void clear_fault() { fault_.reset(); }

    // Called from inside a bus access to end the current block once the instruction completes.
    void request_yield() { stop_reason_ = StopReason::Yield; stop_ = true; }
    // Level of an interrupt line as seen in mip (csr::kMsip, kMtip, kMeip).
    void set_interrupt_pending(uint32_t mip_bit, bool level);
    bool interrupt_wakes_wfi() const { return (mip_ & mie_ & csr::kInterruptBits) != 0; }
    // Drops every cached DMI window (a target revoked its pointers).
    void invalidate_dmi() { window_count_ = 0; fetch_window_ = nullptr; }

    uint32_t hart_id() const { return hart_id_; }
    uint32_t pc() const { return pc_; }
    void set_pc(uint32_t pc) { pc_ = pc; }
    uint32_t reg(unsigned index) const { return x_[index & 31]; }
    void set_reg(unsigned index, uint32_t value) { if (index & 31) x_[index & 31] = value; }
    // Internal, monotonic cycle and instruction counts (firmware writes to mcycle/minstret do not change these).
    uint64_t cycles() const { return cycles_; }
    uint64_t instructions() const { return instret_; }
    // Cycles that passed outside instruction execution (sleeping in wfi): they count in mcycle.
    void advance_cycles(uint64_t cycles) { cycles_ += cycles; }
    uint64_t cycles_since_block_start() const { return cycles_ - block_start_cycles_; }
    const std::optional<HartFault>& fault() const { return fault_; }

    // CSR access as the firmware sees it (for tests and debuggers). Returns false for a CSR that does not exist.
    bool read_csr(uint16_t number, uint32_t& value);
    bool write_csr(uint16_t number, uint32_t value);

    uint64_t traps_taken() const { return traps_taken_; }
    uint64_t interrupts_taken() const { return interrupts_taken_; }
    uint64_t wfi_count() const { return wfi_count_; }
    // The hart's own statistics, into the group of the core that runs it.
    void register_stats(StatsGroup& group) const;

private:
    // Kept out of line, so the plain loop and its execute() compile exactly as before the debug path existed (GCC
    // would otherwise merge both instantiations into run(), and the hot loop loses a few per cent).
    template <bool Debug> [[gnu::noinline]] StopReason run_loop(uint64_t cycle_limit);
    template <bool Debug> [[gnu::noinline]] void execute();
    void stop_for_debugger(DebugStop::Kind kind);
    void check_watchpoints(uint32_t addr, unsigned size, bool write);
    bool take_pending_interrupt();
    void raise_exception(ExceptionCause cause, uint32_t tval);
    void enter_trap(uint32_t cause_value, uint32_t tval, bool is_interrupt);
    void fail(uint32_t cause, uint32_t tval);
    bool is_executable(uint32_t addr);

    bool fetch(uint32_t addr, uint32_t& instruction);
    template <bool Debug, typename T> bool load(uint32_t addr, T& value);
    template <bool Debug, typename T> bool store(uint32_t addr, T value);
    enum class Use { Fetch, Load, Store };
    const DmiWindow* find_window(uint32_t addr, unsigned size, Use use);

    // execute()'s opcode groups (false: not an instruction).
    bool execute_branch(uint32_t in, uint32_t funct3, uint32_t a, uint32_t b);
    template <bool Debug> bool execute_load(uint32_t in, uint32_t funct3, uint32_t rd, uint32_t a);
    template <bool Debug> bool execute_store(uint32_t in, uint32_t funct3, uint32_t a, uint32_t b);
    bool execute_op_imm(uint32_t in, uint32_t funct3, uint32_t funct7, uint32_t rd, uint32_t shamt, uint32_t a);
    bool execute_op(uint32_t funct3, uint32_t funct7, uint32_t rd, uint32_t a, uint32_t b);
    uint32_t multiply_divide(uint32_t funct3, uint32_t a, uint32_t b);
    bool execute_system(uint32_t in, uint32_t funct3, uint32_t rd, uint32_t rs1);
    void execute_csr(uint32_t instruction);
    void jump_to(uint32_t target, uint32_t link_rd, uint32_t link_value);

    uint32_t hart_id_;
    CpiTable cpi_;
    HartBus& bus_;

    std::array<uint32_t, 32> x_{};
    uint32_t pc_ = 0;
    uint32_t next_pc_ = 0;

    uint64_t cycles_ = 0;
    uint64_t instret_ = 0;
    uint64_t block_start_cycles_ = 0;
    int64_t mcycle_offset_ = 0;    // mcycle = cycles_ + offset (firmware may write mcycle)
    int64_t minstret_offset_ = 0;

    uint32_t mstatus_ = csr::kMstatusMpp;
    uint32_t mie_ = 0;
    uint32_t mip_ = 0;
    uint32_t mtvec_ = 0;
    uint32_t mscratch_ = 0;
    uint32_t mepc_ = 0;
    uint32_t mcause_ = 0;
    uint32_t mtval_ = 0;

    bool stop_ = false;
    StopReason stop_reason_ = StopReason::CycleLimit;
    std::optional<HartFault> fault_;

    static constexpr unsigned kMaxWindows = 8;
    std::array<DmiWindow, kMaxWindows> windows_{};
    unsigned window_count_ = 0;
    unsigned next_window_victim_ = 0;
    const DmiWindow* fetch_window_ = nullptr;

    const DebugTriggers* triggers_ = nullptr;
    bool single_step_ = false;
    bool ebreak_stops_ = false;
    bool debug_path_ = false;  // run() takes run_loop<true>
    DebugStop debug_stop_;

    uint64_t traps_taken_ = 0;
    uint64_t interrupts_taken_ = 0;
    uint64_t wfi_count_ = 0;
};

}  // namespace npuemu::core
