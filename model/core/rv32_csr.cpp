// The control core's CSRs: reads and writes as firmware sees them, and the CSR instructions (csrrw/s/c and their
// immediate forms).
#include "model/core/rv32_hart.h"
#include "model/core/rv32_fields.h"

namespace npuemu::core {

using rv32::bits;


bool Rv32Hart::read_csr(uint16_t number, uint32_t& value) {
    const uint64_t mcycle = cycles_ + mcycle_offset_;
    const uint64_t minstret = instret_ + minstret_offset_;
    switch (number) {
        case csr::kMstatus: value = mstatus_; return true;
        case csr::kMisa: value = csr::kMisaValue; return true;
        case csr::kMie: value = mie_; return true;
        case csr::kMtvec: value = mtvec_; return true;
        case csr::kMscratch: value = mscratch_; return true;
        case csr::kMepc: value = mepc_; return true;
        case csr::kMcause: value = mcause_; return true;
        case csr::kMtval: value = mtval_; return true;
        case csr::kMip: value = mip_; return true;
        case csr::kMcycle: case csr::kCycle: value = static_cast<uint32_t>(mcycle); return true;
        case csr::kMcycleh: case csr::kCycleh: value = static_cast<uint32_t>(mcycle >> 32); return true;
        case csr::kMinstret: case csr::kInstret: value = static_cast<uint32_t>(minstret); return true;
        case csr::kMinstreth: case csr::kInstreth: value = static_cast<uint32_t>(minstret >> 32); return true;
        case csr::kTime: value = static_cast<uint32_t>(bus_.mtime(cycles_since_block_start())); return true;
        case csr::kTimeh: value = static_cast<uint32_t>(bus_.mtime(cycles_since_block_start()) >> 32); return true;
        case csr::kMvendorid: case csr::kMarchid: case csr::kMconfigptr: value = 0; return true;
        case csr::kMimpid: value = 1; return true;
        case csr::kMhartid: value = hart_id_; return true;
        default: return false;
    }
}

bool Rv32Hart::write_csr(uint16_t number, uint32_t value) {
    switch (number) {
        case csr::kMstatus:
            mstatus_ = (value & (csr::kMstatusMie | csr::kMstatusMpie)) | csr::kMstatusMpp;
            return true;
        case csr::kMisa: return true;  // WARL, not writable here
        case csr::kMie: mie_ = value & csr::kInterruptBits; return true;
        case csr::kMtvec: mtvec_ = (value & 3u) <= 1 ? value : (value & ~3u); return true;  // modes 0 and 1 only
        case csr::kMscratch: mscratch_ = value; return true;
        case csr::kMepc: mepc_ = value & ~3u; return true;  // IALIGN=32
        case csr::kMcause: mcause_ = value; return true;
        case csr::kMtval: mtval_ = value; return true;
        case csr::kMip: return true;  // MSIP/MTIP/MEIP are driven by the CLINT and external lines: read-only here
        case csr::kMcycle: {
            const uint64_t now = cycles_ + mcycle_offset_;
            mcycle_offset_ = static_cast<int64_t>(((now & ~0xFFFFFFFFull) | value) - cycles_);
            return true;
        }
        case csr::kMcycleh: {
            const uint64_t now = cycles_ + mcycle_offset_;
            mcycle_offset_ = static_cast<int64_t>(((uint64_t(value) << 32) | (now & 0xFFFFFFFFull)) - cycles_);
            return true;
        }
        case csr::kMinstret: {
            const uint64_t now = instret_ + minstret_offset_;
            minstret_offset_ = static_cast<int64_t>(((now & ~0xFFFFFFFFull) | value) - instret_);
            return true;
        }
        case csr::kMinstreth: {
            const uint64_t now = instret_ + minstret_offset_;
            minstret_offset_ = static_cast<int64_t>(((uint64_t(value) << 32) | (now & 0xFFFFFFFFull)) - instret_);
            return true;
        }
        default: return false;
    }
}

void Rv32Hart::execute_csr(uint32_t in) {
    const uint32_t funct3 = bits(in, 14, 12);
    const uint32_t rd = bits(in, 11, 7);
    const uint32_t rs1 = bits(in, 19, 15);
    const uint16_t number = static_cast<uint16_t>(in >> 20);
    const bool immediate = funct3 & 4;
    const uint32_t operand = immediate ? rs1 : x_[rs1];
    const uint32_t op = funct3 & 3;  // 1 = write, 2 = set, 3 = clear
    const bool writes = op == 1 || rs1 != 0;
    const bool reads = op != 1 || rd != 0;
    const bool read_only = (number >> 10) == 3;
    uint32_t old_value = 0;
    if (writes && read_only) { raise_exception(ExceptionCause::IllegalInstruction, in); return; }
    if (reads || op != 1) {
        if (!read_csr(number, old_value)) { raise_exception(ExceptionCause::IllegalInstruction, in); return; }
    }
    if (writes) {
        const uint32_t new_value = op == 1 ? operand : op == 2 ? (old_value | operand) : (old_value & ~operand);
        if (!write_csr(number, new_value)) { raise_exception(ExceptionCause::IllegalInstruction, in); return; }
        // Zicsr: a CSR instruction that writes instret does so "instead of the increment", so the next instruction
        // reads the written value: cancel the increment this instruction gets when it retires.
        if (number == csr::kMinstret || number == csr::kMinstreth) --minstret_offset_;
        // A write to mstatus or mie may unmask a pending interrupt: leave the block so it is taken at once.
        if (number == csr::kMstatus || number == csr::kMie) request_yield();
    }
    if (rd) x_[rd] = old_value;
    cycles_ += cpi_.csr_cycles;
}

}  // namespace npuemu::core
