#include "model/core/rv32_hart.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "model/core/rv32_fields.h"

namespace npuemu::core {

using rv32::bits;
using rv32::imm_b;
using rv32::imm_i;
using rv32::imm_j;
using rv32::imm_s;

namespace {

constexpr uint32_t kOpCustom0 = 0x0B, kOpCustom1 = 0x2B, kOpCustom2 = 0x5B;
constexpr uint32_t kOpLoad = 0x03, kOpMiscMem = 0x0F, kOpImm = 0x13, kOpAuipc = 0x17, kOpStore = 0x23,
                   kOpReg = 0x33, kOpLui = 0x37, kOpBranch = 0x63, kOpJalr = 0x67, kOpJal = 0x6F, kOpSystem = 0x73;

}  // namespace

std::string HartFault::describe() const {
    char text[256];
    std::snprintf(text, sizeof text,
                  "hart %u: unhandled %s (mcause %u) at pc 0x%08x, instruction 0x%08x, mtval 0x%08x "
                  "(no trap handler installed: mtvec does not point to executable memory)",
                  hart_id, (cause & 0x80000000u) ? interrupt_name(cause & 0x7FFFFFFFu) : exception_name(cause), cause,
                  pc, instruction, tval);
    return text;
}

Rv32Hart::Rv32Hart(uint32_t hart_id, const CpiTable& cpi, HartBus& bus) : hart_id_(hart_id), cpi_(cpi), bus_(bus) {}

void Rv32Hart::reset(uint32_t start_pc) {
    x_.fill(0);
    pc_ = start_pc;
    mstatus_ = csr::kMstatusMpp;
    mie_ = mip_ = mtvec_ = mscratch_ = mepc_ = mcause_ = mtval_ = 0;
    fault_.reset();
    stop_ = false;
}

void Rv32Hart::set_interrupt_pending(uint32_t mip_bit, bool level) {
    if (level) mip_ |= mip_bit; else mip_ &= ~mip_bit;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory access: DMI windows first, the bus's slow path otherwise.

const DmiWindow* Rv32Hart::find_window(uint32_t addr, unsigned size, Use use) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        for (unsigned i = 0; i < window_count_; ++i) {
            const DmiWindow& w = windows_[i];
            if (addr >= w.base && addr <= w.last && w.last - addr >= size - 1) {
                if (use == Use::Fetch ? w.readable : w.fetch_only ? false : use == Use::Store ? w.writable : w.readable) {
                    return &w;
                }
                if (w.fetch_only) return nullptr;  // timed data: the slow path, without asking for DMI again
            }
        }
        if (attempt) break;
        DmiWindow granted;
        if (!bus_.request_dmi(addr, granted)) return nullptr;
        unsigned slot = window_count_ < kMaxWindows ? window_count_++ : next_window_victim_++ % kMaxWindows;
        if (fetch_window_ == &windows_[slot]) fetch_window_ = nullptr;
        windows_[slot] = granted;
    }
    return nullptr;
}

bool Rv32Hart::fetch(uint32_t addr, uint32_t& instruction) {
    const DmiWindow* w = fetch_window_;
    if (!w || addr < w->base || addr > w->last - 3) {
        w = find_window(addr, 4, Use::Fetch);
        fetch_window_ = w;
    }
    if (w) {
        std::memcpy(&instruction, w->host + (addr - w->base), 4);
        return true;
    }
    uint64_t extra = 0;
    if (bus_.read(addr, 4, instruction, cycles_since_block_start(), &extra) != BusStatus::Ok) return false;
    cycles_ += extra;
    return true;
}

template <bool Debug, typename T>
bool Rv32Hart::load(uint32_t addr, T& value) {
    if (addr & (sizeof(T) - 1)) {
        raise_exception(ExceptionCause::LoadAddressMisaligned, addr);
        return false;
    }
    if (const DmiWindow* w = find_window(addr, sizeof(T), Use::Load)) {
        std::memcpy(&value, w->host + (addr - w->base), sizeof(T));
        cycles_ += w->read_latency_cycles;
        if constexpr (Debug) check_watchpoints(addr, sizeof(T), false);
        return true;
    }
    uint32_t word = 0;
    uint64_t extra = 0;
    if (bus_.read(addr, sizeof(T), word, cycles_since_block_start(), &extra) != BusStatus::Ok) {
        raise_exception(ExceptionCause::LoadAccessFault, addr);
        return false;
    }
    cycles_ += extra;
    value = static_cast<T>(word);
    if constexpr (Debug) check_watchpoints(addr, sizeof(T), false);
    return true;
}

template <bool Debug, typename T>
bool Rv32Hart::store(uint32_t addr, T value) {
    if (addr & (sizeof(T) - 1)) {
        raise_exception(ExceptionCause::StoreAddressMisaligned, addr);
        return false;
    }
    if (const DmiWindow* w = find_window(addr, sizeof(T), Use::Store)) {
        std::memcpy(w->host + (addr - w->base), &value, sizeof(T));
        cycles_ += w->write_latency_cycles;
        if constexpr (Debug) check_watchpoints(addr, sizeof(T), true);
        return true;
    }
    uint64_t extra = 0;
    if (bus_.write(addr, sizeof(T), static_cast<uint32_t>(value), cycles_since_block_start(), &extra) !=
        BusStatus::Ok) {
        raise_exception(ExceptionCause::StoreAccessFault, addr);
        return false;
    }
    cycles_ += extra;
    if constexpr (Debug) check_watchpoints(addr, sizeof(T), true);
    return true;
}

bool Rv32Hart::is_executable(uint32_t addr) {
    if (find_window(addr, 4, Use::Fetch)) return true;
    uint32_t ignored = 0;
    uint64_t extra = 0;
    return bus_.read(addr, 4, ignored, cycles_since_block_start(), &extra) == BusStatus::Ok;
}

// ---------------------------------------------------------------------------------------------------------------
// Traps

void Rv32Hart::fail(uint32_t cause, uint32_t tval) {
    HartFault f;
    f.hart_id = hart_id_;
    f.pc = pc_;
    f.cause = cause;
    f.tval = tval;
    uint32_t raw = 0;
    if (const DmiWindow* w = find_window(pc_, 4, Use::Fetch)) std::memcpy(&raw, w->host + (pc_ - w->base), 4);
    f.instruction = raw;
    fault_ = f;
    stop_reason_ = StopReason::Fault;
    stop_ = true;
}

void Rv32Hart::enter_trap(uint32_t cause_value, uint32_t tval, bool is_interrupt) {
    const uint32_t base = mtvec_ & ~3u;
    const bool vectored = (mtvec_ & 3u) == 1;
    const uint32_t code = cause_value & 0x7FFFFFFFu;
    const uint32_t target = (vectored && is_interrupt) ? base + 4 * code : base;
    if (!is_executable(target)) {
        fail(cause_value, tval);
        return;
    }
    mepc_ = pc_;
    mcause_ = cause_value;
    mtval_ = tval;
    const bool mie = mstatus_ & csr::kMstatusMie;
    mstatus_ = (mstatus_ & ~(csr::kMstatusMie | csr::kMstatusMpie)) | (mie ? csr::kMstatusMpie : 0) | csr::kMstatusMpp;
    next_pc_ = target;
    pc_ = target;
    cycles_ += cpi_.system_cycles;
    ++traps_taken_;
}

void Rv32Hart::raise_exception(ExceptionCause cause, uint32_t tval) {
    enter_trap(static_cast<uint32_t>(cause), tval, false);
}

bool Rv32Hart::take_pending_interrupt() {
    if (!(mstatus_ & csr::kMstatusMie)) return false;
    const uint32_t pending = mip_ & mie_;
    if (!pending) return false;
    // Priority order of the privileged spec: MEI > MSI > MTI.
    InterruptCause cause = (pending & csr::kMeip)   ? InterruptCause::MachineExternal
                           : (pending & csr::kMsip) ? InterruptCause::MachineSoftware
                                                    : InterruptCause::MachineTimer;
    enter_trap(0x80000000u | static_cast<uint32_t>(cause), 0, true);
    if (!stop_) ++interrupts_taken_;
    return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Execution (the CSRs and their instructions: rv32_csr.cpp)

void Rv32Hart::jump_to(uint32_t target, uint32_t link_rd, uint32_t link_value) {
    if (target & 3u) {
        raise_exception(ExceptionCause::InstructionAddressMisaligned, target);
        return;
    }
    if (link_rd) x_[link_rd] = link_value;
    next_pc_ = target;
}

// ---------------------------------------------------------------------------------------------------------------
// Debugger support

void Rv32Hart::set_debug(const DebugTriggers* triggers, bool single_step, bool ebreak_stops) {
    triggers_ = triggers && !triggers->empty() ? triggers : nullptr;
    single_step_ = single_step;
    ebreak_stops_ = ebreak_stops;
    debug_path_ = triggers_ != nullptr || single_step_;
}

void Rv32Hart::stop_for_debugger(DebugStop::Kind kind) {
    debug_stop_.kind = kind;
    stop_reason_ = StopReason::Debug;
    stop_ = true;
}

void Rv32Hart::check_watchpoints(uint32_t addr, unsigned size, bool write) {
    if (!triggers_ || triggers_->watchpoints.empty()) return;
    if (const Watchpoint* w = triggers_->watch_hit(addr, size, write)) {
        debug_stop_.data_address = std::max(addr, w->addr);
        debug_stop_.write = write;
        debug_stop_.watchpoint = w;
        stop_for_debugger(DebugStop::Kind::Watchpoint);
    }
}

Rv32Hart::StopReason Rv32Hart::run(uint64_t cycle_limit) {
    return debug_path_ ? run_loop<true>(cycle_limit) : run_loop<false>(cycle_limit);
}

template <bool Debug>
Rv32Hart::StopReason Rv32Hart::run_loop(uint64_t cycle_limit) {
    stop_ = false;
    stop_reason_ = StopReason::CycleLimit;
    block_start_cycles_ = cycles_;
    if constexpr (!Debug) {
        take_pending_interrupt();
        while (!stop_ && cycles_ < cycle_limit) execute<false>();
    } else {
        debug_stop_ = DebugStop{};
        if (single_step_) {
            // One instruction, even at a breakpoint (stepping over it is the point); no interrupt is taken.
            execute<true>();
            if (!fault_ && debug_stop_.kind == DebugStop::Kind::None) stop_for_debugger(DebugStop::Kind::Step);
        } else {
            take_pending_interrupt();
            while (!stop_ && cycles_ < cycle_limit) {
                if (triggers_ && triggers_->breakpoint_at(pc_)) {
                    stop_for_debugger(DebugStop::Kind::Breakpoint);
                    break;
                }
                execute<true>();
            }
        }
        // A watchpoint hit outranks a yield the same instruction asked for (a device store, say).
        if (debug_stop_.kind != DebugStop::Kind::None && !fault_) stop_reason_ = StopReason::Debug;
    }
    return stop_ ? stop_reason_ : StopReason::CycleLimit;
}

Rv32Hart::StopReason Rv32Hart::step() {
    stop_ = false;
    stop_reason_ = StopReason::CycleLimit;
    block_start_cycles_ = cycles_;
    if (!take_pending_interrupt()) {
        if (debug_path_) execute<true>(); else execute<false>();
    }
    return stop_ ? stop_reason_ : StopReason::CycleLimit;
}

// The opcode groups of execute(): each does its instructions' work and cycles and returns false for an encoding that
// is not an instruction (execute() raises the illegal-instruction exception). Forced inline: execute() must compile
// to the one switch it was before it was split (bench/iss_speed.sh).
#define NPUEMU_HOT [[gnu::always_inline]] inline

NPUEMU_HOT bool Rv32Hart::execute_branch(uint32_t in, uint32_t funct3, uint32_t a, uint32_t b) {
    bool taken;
    switch (funct3) {
        case 0: taken = a == b; break;
        case 1: taken = a != b; break;
        case 4: taken = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;
        case 5: taken = static_cast<int32_t>(a) >= static_cast<int32_t>(b); break;
        case 6: taken = a < b; break;
        case 7: taken = a >= b; break;
        default: return false;
    }
    if (taken) {
        jump_to(pc_ + imm_b(in), 0, 0);
        cycles_ += cpi_.branch_taken_cycles;
    } else {
        cycles_ += cpi_.branch_not_taken_cycles;
    }
    return true;
}

template <bool Debug>
NPUEMU_HOT bool Rv32Hart::execute_load(uint32_t in, uint32_t funct3, uint32_t rd, uint32_t a) {
    const uint32_t addr = a + imm_i(in);
    uint32_t value = 0;
    bool ok;
    switch (funct3) {
        case 0: { int8_t v; ok = load<Debug>(addr, v); value = static_cast<uint32_t>(static_cast<int32_t>(v)); break; }
        case 1: { int16_t v; ok = load<Debug>(addr, v); value = static_cast<uint32_t>(static_cast<int32_t>(v)); break; }
        case 2: { uint32_t v; ok = load<Debug>(addr, v); value = v; break; }
        case 4: { uint8_t v; ok = load<Debug>(addr, v); value = v; break; }
        case 5: { uint16_t v; ok = load<Debug>(addr, v); value = v; break; }
        default: return false;
    }
    if (ok && rd) x_[rd] = value;
    cycles_ += cpi_.load_cycles;
    return true;
}

template <bool Debug>
NPUEMU_HOT bool Rv32Hart::execute_store(uint32_t in, uint32_t funct3, uint32_t a, uint32_t b) {
    const uint32_t addr = a + imm_s(in);
    switch (funct3) {
        case 0: store<Debug>(addr, static_cast<uint8_t>(b)); break;
        case 1: store<Debug>(addr, static_cast<uint16_t>(b)); break;
        case 2: store<Debug>(addr, b); break;
        default: return false;
    }
    cycles_ += cpi_.store_cycles;
    return true;
}

NPUEMU_HOT bool Rv32Hart::execute_op_imm(uint32_t in, uint32_t funct3, uint32_t funct7, uint32_t rd, uint32_t shamt,
                                         uint32_t a) {
    const uint32_t imm = imm_i(in);
    uint32_t value;
    switch (funct3) {
        case 0: value = a + imm; break;
        case 2: value = static_cast<int32_t>(a) < static_cast<int32_t>(imm); break;
        case 3: value = a < imm; break;
        case 4: value = a ^ imm; break;
        case 6: value = a | imm; break;
        case 7: value = a & imm; break;
        case 1:
            if (funct7 != 0) return false;
            value = a << shamt;
            break;
        case 5:
            if (funct7 == 0) value = a >> shamt;
            else if (funct7 == 0x20) value = static_cast<uint32_t>(static_cast<int32_t>(a) >> shamt);
            else return false;
            break;
        default: return false;
    }
    if (rd) x_[rd] = value;
    cycles_ += cpi_.alu_cycles;
    return true;
}

// The M extension's multiply and divide (funct7 = 1), RISC-V's defined results for division by zero and overflow.
NPUEMU_HOT uint32_t Rv32Hart::multiply_divide(uint32_t funct3, uint32_t a, uint32_t b) {
    const int32_t sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
    cycles_ += funct3 < 4 ? cpi_.mul_cycles : cpi_.div_cycles;
    switch (funct3) {
        case 0: return a * b;
        case 1: return static_cast<uint32_t>((int64_t(sa) * int64_t(sb)) >> 32);
        case 2: return static_cast<uint32_t>((int64_t(sa) * int64_t(uint64_t(b))) >> 32);
        case 3: return static_cast<uint32_t>((uint64_t(a) * uint64_t(b)) >> 32);
        case 4: return b == 0 ? 0xFFFFFFFFu : (sa == INT32_MIN && sb == -1) ? a : static_cast<uint32_t>(sa / sb);
        case 5: return b == 0 ? 0xFFFFFFFFu : a / b;
        case 6: return b == 0 ? a : (sa == INT32_MIN && sb == -1) ? 0 : static_cast<uint32_t>(sa % sb);
        default: return b == 0 ? a : a % b;
    }
}

NPUEMU_HOT bool Rv32Hart::execute_op(uint32_t funct3, uint32_t funct7, uint32_t rd, uint32_t a, uint32_t b) {
    uint32_t value;
    if (funct7 == 0x01) {
        value = multiply_divide(funct3, a, b);
    } else if (funct7 == 0x00 || funct7 == 0x20) {
        const bool alt = funct7 == 0x20;
        switch (funct3) {
            case 0: value = alt ? a - b : a + b; break;
            case 1: if (alt) return false; value = a << (b & 31); break;
            case 2: if (alt) return false; value = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;
            case 3: if (alt) return false; value = a < b; break;
            case 4: if (alt) return false; value = a ^ b; break;
            case 5: value = alt ? static_cast<uint32_t>(static_cast<int32_t>(a) >> (b & 31)) : a >> (b & 31); break;
            case 6: if (alt) return false; value = a | b; break;
            default: if (alt) return false; value = a & b; break;
        }
        cycles_ += cpi_.alu_cycles;
    } else {
        return false;
    }
    if (rd) x_[rd] = value;
    return true;
}

// ecall, ebreak, mret, wfi (funct3 = 0) and the CSR instructions.
NPUEMU_HOT bool Rv32Hart::execute_system(uint32_t in, uint32_t funct3, uint32_t rd, uint32_t rs1) {
    if (funct3 == 4) return false;
    if (funct3 != 0) {
        execute_csr(in);
        return true;
    }
    if (rd != 0 || rs1 != 0) return false;
    switch (in >> 20) {
        case 0x000: raise_exception(ExceptionCause::EcallFromM, 0); return true;
        case 0x001:  // ebreak
            if (ebreak_stops_) {
                // Under a debugger: stop in place, the ebreak not retired (the increment in execute() is cancelled),
                // like a core entering debug mode with dpc = the ebreak.
                debug_stop_ = DebugStop{};
                stop_for_debugger(DebugStop::Kind::Ebreak);
                next_pc_ = pc_;
                --instret_;
            } else {
                raise_exception(ExceptionCause::Breakpoint, pc_);
            }
            return true;
        case 0x302: {  // mret
            const bool mpie = mstatus_ & csr::kMstatusMpie;
            mstatus_ = (mstatus_ & ~csr::kMstatusMie) | (mpie ? csr::kMstatusMie : 0) | csr::kMstatusMpie |
                       csr::kMstatusMpp;
            next_pc_ = mepc_;
            cycles_ += cpi_.system_cycles;
            request_yield();  // MIE may be set again: check interrupts before going on
            return true;
        }
        case 0x105:  // wfi
            cycles_ += cpi_.system_cycles;
            if (!interrupt_wakes_wfi()) {
                ++wfi_count_;
                stop_reason_ = StopReason::Wfi;
                stop_ = true;
            }
            return true;
        default: return false;
    }
}

template <bool Debug>
void Rv32Hart::execute() {
    uint32_t in = 0;
    if (!fetch(pc_, in)) {
        raise_exception(ExceptionCause::InstructionAccessFault, pc_);
        return;
    }
    next_pc_ = pc_ + 4;
    const uint32_t rd = bits(in, 11, 7);
    const uint32_t funct3 = bits(in, 14, 12);
    const uint32_t rs1 = bits(in, 19, 15);
    const uint32_t rs2 = bits(in, 24, 20);
    const uint32_t funct7 = in >> 25;
    const uint32_t a = x_[rs1];
    const uint32_t b = x_[rs2];
    const uint64_t traps_before = traps_taken_;

    bool legal = true;
    switch (in & 0x7F) {
        case kOpLui:
            if (rd) x_[rd] = in & 0xFFFFF000u;
            cycles_ += cpi_.alu_cycles;
            break;
        case kOpAuipc:
            if (rd) x_[rd] = pc_ + (in & 0xFFFFF000u);
            cycles_ += cpi_.alu_cycles;
            break;
        case kOpJal:
            jump_to(pc_ + imm_j(in), rd, pc_ + 4);
            cycles_ += cpi_.jump_cycles;
            break;
        case kOpJalr:
            legal = funct3 == 0;
            if (legal) {
                jump_to((a + imm_i(in)) & ~1u, rd, pc_ + 4);
                cycles_ += cpi_.jump_cycles;
            }
            break;
        case kOpBranch: legal = execute_branch(in, funct3, a, b); break;
        case kOpLoad: legal = execute_load<Debug>(in, funct3, rd, a); break;
        case kOpStore: legal = execute_store<Debug>(in, funct3, a, b); break;
        case kOpImm: legal = execute_op_imm(in, funct3, funct7, rd, rs2, a); break;
        case kOpReg: legal = execute_op(funct3, funct7, rd, a, b); break;
        case kOpCustom0:
        case kOpCustom1:
        case kOpCustom2: {
            uint32_t value = 0;
            legal = bus_.coprocessor(in, a, b, x_[in >> 27], value) == CoprocessorStatus::Ok;
            if (legal) {
                if (rd) x_[rd] = value;
                cycles_ += cpi_.npu_issue_cycles;
            }
            break;
        }
        case kOpMiscMem:
            legal = funct3 <= 1;  // fence and fence.i: memory is coherent in this model
            if (legal) cycles_ += cpi_.fence_cycles;
            break;
        case kOpSystem: legal = execute_system(in, funct3, rd, rs1); break;
        default: legal = false; break;
    }
    if (!legal) raise_exception(ExceptionCause::IllegalInstruction, in);
    if (traps_taken_ != traps_before || fault_) return;  // trap entry already set pc_ (or the hart is dead)
    pc_ = next_pc_;
    ++instret_;
}

void Rv32Hart::register_stats(StatsGroup& group) const {
    group.counter("traps", traps_taken_, StatUnit::Count, "traps taken (exceptions and interrupts)");
    group.counter("interrupts", interrupts_taken_, StatUnit::Count, "interrupts taken");
    group.counter("wfi_sleeps", wfi_count_, StatUnit::Count, "times the hart slept in wfi");
}

}  // namespace npuemu::core
