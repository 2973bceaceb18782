// The RV32 hart's unit-test fixture (tests/unit/test_rv32_*.cpp): instruction encoders, a test bus (RAM offered as a
// DMI window, a small device range served by the slow path, which records every access, and access faults everywhere
// else) and the harness that runs single instructions on it. Instructions are encoded here, not by an assembler.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "model/core/rv32_hart.h"

namespace npuemu_test::rv32 {

using npuemu::core::BusStatus;
using npuemu::core::CpiTable;
using npuemu::core::DmiWindow;
using npuemu::core::ExceptionCause;
using npuemu::core::HartBus;
using npuemu::core::InterruptCause;
using npuemu::core::Rv32Hart;
using StopReason = Rv32Hart::StopReason;
namespace csr = npuemu::core::csr;

// ---------------------------------------------------------------------------------------------------------------
// Instruction encoders

constexpr uint32_t kOpLoad = 0x03, kOpMiscMem = 0x0F, kOpImm = 0x13, kOpAuipc = 0x17, kOpStore = 0x23, kOpReg = 0x33,
                   kOpLui = 0x37, kOpBranch = 0x63, kOpJalr = 0x67, kOpJal = 0x6F, kOpSystem = 0x73;

constexpr uint32_t enc_r(uint32_t opcode, uint32_t rd, uint32_t funct3, uint32_t rs1, uint32_t rs2, uint32_t funct7) {
    return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}
constexpr uint32_t enc_i(uint32_t opcode, uint32_t rd, uint32_t funct3, uint32_t rs1, int32_t imm) {
    return (static_cast<uint32_t>(imm) & 0xFFF) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}
constexpr uint32_t enc_s(uint32_t opcode, uint32_t funct3, uint32_t rs1, uint32_t rs2, int32_t imm) {
    const uint32_t u = static_cast<uint32_t>(imm);
    return ((u >> 5) & 0x7F) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (u & 0x1F) << 7 | opcode;
}
constexpr uint32_t enc_b(uint32_t funct3, uint32_t rs1, uint32_t rs2, int32_t offset) {
    const uint32_t u = static_cast<uint32_t>(offset);
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3F) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 |
           ((u >> 1) & 0xF) << 8 | ((u >> 11) & 1) << 7 | kOpBranch;
}
constexpr uint32_t enc_u(uint32_t opcode, uint32_t rd, uint32_t upper20) { return upper20 << 12 | rd << 7 | opcode; }
constexpr uint32_t enc_j(uint32_t rd, int32_t offset) {
    const uint32_t u = static_cast<uint32_t>(offset);
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3FF) << 21 | ((u >> 11) & 1) << 20 | ((u >> 12) & 0xFF) << 12 |
           rd << 7 | kOpJal;
}

// funct3 values
constexpr uint32_t kBeq = 0, kBne = 1, kBlt = 4, kBge = 5, kBltu = 6, kBgeu = 7;
constexpr uint32_t kLb = 0, kLh = 1, kLw = 2, kLbu = 4, kLhu = 5;
constexpr uint32_t kSb = 0, kSh = 1, kSw = 2;
constexpr uint32_t kAddi = 0, kSlti = 2, kSltiu = 3, kXori = 4, kOri = 6, kAndi = 7;
constexpr uint32_t kCsrrw = 1, kCsrrs = 2, kCsrrc = 3, kCsrrwi = 5, kCsrrsi = 6, kCsrrci = 7;

struct RegOp {
    uint32_t funct3, funct7;
};
constexpr RegOp kAdd{0, 0}, kSub{0, 0x20}, kSll{1, 0}, kSlt{2, 0}, kSltu{3, 0}, kXor{4, 0}, kSrl{5, 0}, kSra{5, 0x20},
    kOr{6, 0}, kAnd{7, 0};
constexpr RegOp kMul{0, 1}, kMulh{1, 1}, kMulhsu{2, 1}, kMulhu{3, 1}, kDiv{4, 1}, kDivu{5, 1}, kRem{6, 1}, kRemu{7, 1};

constexpr uint32_t op(RegOp o, uint32_t rd, uint32_t rs1, uint32_t rs2) {
    return enc_r(kOpReg, rd, o.funct3, rs1, rs2, o.funct7);
}
constexpr uint32_t op_imm(uint32_t funct3, uint32_t rd, uint32_t rs1, int32_t imm) {
    return enc_i(kOpImm, rd, funct3, rs1, imm);
}
constexpr uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return op_imm(kAddi, rd, rs1, imm); }
constexpr uint32_t slli(uint32_t rd, uint32_t rs1, uint32_t shamt) { return op_imm(1, rd, rs1, shamt); }
constexpr uint32_t srli(uint32_t rd, uint32_t rs1, uint32_t shamt) { return op_imm(5, rd, rs1, shamt); }
constexpr uint32_t srai(uint32_t rd, uint32_t rs1, uint32_t shamt) { return op_imm(5, rd, rs1, 0x400 | shamt); }
constexpr uint32_t lui(uint32_t rd, uint32_t upper20) { return enc_u(kOpLui, rd, upper20); }
constexpr uint32_t auipc(uint32_t rd, uint32_t upper20) { return enc_u(kOpAuipc, rd, upper20); }
constexpr uint32_t jal(uint32_t rd, int32_t offset) { return enc_j(rd, offset); }
constexpr uint32_t jalr(uint32_t rd, uint32_t rs1, int32_t imm) { return enc_i(kOpJalr, rd, 0, rs1, imm); }
constexpr uint32_t branch(uint32_t funct3, uint32_t rs1, uint32_t rs2, int32_t offset) {
    return enc_b(funct3, rs1, rs2, offset);
}
constexpr uint32_t load(uint32_t funct3, uint32_t rd, uint32_t rs1, int32_t imm) {
    return enc_i(kOpLoad, rd, funct3, rs1, imm);
}
constexpr uint32_t store(uint32_t funct3, uint32_t rs1, uint32_t rs2, int32_t imm) {
    return enc_s(kOpStore, funct3, rs1, rs2, imm);
}
// rs1_or_uimm is a register number for csrrw/csrrs/csrrc and a 5-bit immediate for the *i forms.
constexpr uint32_t csr_op(uint32_t funct3, uint32_t rd, uint16_t number, uint32_t rs1_or_uimm) {
    return enc_i(kOpSystem, rd, funct3, rs1_or_uimm, number);
}
constexpr uint32_t csrr(uint32_t rd, uint16_t number) { return csr_op(kCsrrs, rd, number, 0); }
constexpr uint32_t csrw(uint16_t number, uint32_t rs1) { return csr_op(kCsrrw, 0, number, rs1); }

constexpr uint32_t kEcall = 0x00000073, kEbreak = 0x00100073, kMret = 0x30200073, kWfi = 0x10500073;
constexpr uint32_t kFence = 0x0FF0000F, kFenceI = 0x0000100F;

constexpr uint32_t kIntMin = 0x80000000u, kIntMax = 0x7FFFFFFFu, kMinusOne = 0xFFFFFFFFu;
constexpr uint32_t neg(int32_t value) { return static_cast<uint32_t>(value); }

// ---------------------------------------------------------------------------------------------------------------
// Test bus and fixture

constexpr uint32_t kRamBase = 0x80000000u;
constexpr uint32_t kRamSize = 0x10000;
constexpr uint32_t kDeviceBase = 0x10000000u;
constexpr uint32_t kDeviceSize = 0x100;
constexpr uint32_t kUnmapped = 0x40000000u;
constexpr uint32_t kHandler = kRamBase + 0x8000;  // trap handler address used by the tests
constexpr uint32_t kData = kRamBase + 0x4000;     // scratch data area

struct DeviceAccess {
    bool is_write;
    uint32_t addr;
    unsigned size;
    uint32_t value;
    uint64_t elapsed_cycles;
};

class TestBus : public HartBus {
public:
    std::vector<uint8_t> ram = std::vector<uint8_t>(kRamSize, 0);
    std::map<uint32_t, uint32_t> device_registers;  // what a device read at that address returns
    std::vector<DeviceAccess> device_accesses;
    std::function<void(const DeviceAccess&)> on_device_access;
    unsigned slow_path_calls = 0;  // every read()/write(), whether it hit the device or faulted
    unsigned dmi_requests = 0;
    uint32_t ram_read_latency = 0;
    uint32_t ram_write_latency = 0;
    uint64_t device_extra_cycles = 0;
    uint64_t mtime_value = 0;

    bool request_dmi(uint32_t addr, DmiWindow& window) override {
        ++dmi_requests;
        if (addr < kRamBase || addr - kRamBase >= kRamSize) return false;
        window.base = kRamBase;
        window.last = kRamBase + kRamSize - 1;
        window.host = ram.data();
        window.readable = window.writable = true;
        window.read_latency_cycles = ram_read_latency;
        window.write_latency_cycles = ram_write_latency;
        return true;
    }
    BusStatus read(uint32_t addr, unsigned size, uint32_t& value, uint64_t elapsed, uint64_t* extra) override {
        ++slow_path_calls;
        if (!in_device(addr, size)) return BusStatus::AccessFault;
        const auto found = device_registers.find(addr);
        value = (found == device_registers.end() ? 0 : found->second) & mask(size);
        return device_access({false, addr, size, value, elapsed}, extra);
    }
    BusStatus write(uint32_t addr, unsigned size, uint32_t value, uint64_t elapsed, uint64_t* extra) override {
        ++slow_path_calls;
        if (!in_device(addr, size)) return BusStatus::AccessFault;
        return device_access({true, addr, size, value, elapsed}, extra);
    }
    uint64_t mtime(uint64_t) override { return mtime_value; }

private:
    static bool in_device(uint32_t addr, unsigned size) {
        return addr >= kDeviceBase && addr - kDeviceBase + size <= kDeviceSize;
    }
    static uint32_t mask(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
    BusStatus device_access(const DeviceAccess& access, uint64_t* extra) {
        device_accesses.push_back(access);
        if (extra) *extra = device_extra_cycles;
        if (on_device_access) on_device_access(access);
        return BusStatus::Ok;
    }
};

struct Harness {
    static constexpr uint32_t kHartId = 7;
    TestBus bus;
    CpiTable cpi;
    Rv32Hart hart;

    explicit Harness(const CpiTable& table = CpiTable{}, uint32_t hart_id = kHartId)
        : cpi(table), hart(hart_id, cpi, bus) {
        hart.reset(kRamBase);
    }

    void poke8(uint32_t addr, uint8_t value) { bus.ram.at(addr - kRamBase) = value; }
    uint8_t peek8(uint32_t addr) const { return bus.ram.at(addr - kRamBase); }
    void poke32(uint32_t addr, uint32_t value) {
        REQUIRE(addr - kRamBase + 4 <= kRamSize);
        std::memcpy(&bus.ram[addr - kRamBase], &value, 4);
    }
    uint32_t peek32(uint32_t addr) const {
        uint32_t value = 0;
        std::memcpy(&value, &bus.ram.at(addr - kRamBase), 4);
        return value;
    }
    void load_program(std::initializer_list<uint32_t> code, uint32_t at = kRamBase) {
        for (uint32_t word : code) {
            poke32(at, word);
            at += 4;
        }
    }
    // Places one instruction at the current pc and steps once.
    StopReason exec(uint32_t instruction) {
        poke32(hart.pc(), instruction);
        return hart.step();
    }
    StopReason run_for(uint64_t cycles) { return hart.run(hart.cycles() + cycles); }
    void install_trap_handler(uint32_t mtvec = kHandler) { REQUIRE(hart.write_csr(csr::kMtvec, mtvec)); }
    uint32_t csr(uint16_t number) {
        uint32_t value = 0;
        REQUIRE(hart.read_csr(number, value));
        return value;
    }
    uint64_t traps() const { return hart.traps_taken(); }
    uint64_t cycles_of(uint32_t instruction) {
        const uint64_t before = hart.cycles();
        exec(instruction);
        return hart.cycles() - before;
    }

    // Executes an instruction that must raise `cause` with mtval `tval` and enter the handler at kHandler. Checks
    // that the instruction did not retire and that mepc holds its address.
    void exec_expecting_exception(uint32_t instruction, ExceptionCause cause, uint32_t tval) {
        const uint32_t pc = hart.pc();
        const uint64_t retired = hart.instructions();
        CHECK(exec(instruction) == StopReason::CycleLimit);
        CHECK(hart.pc() == kHandler);
        CHECK(csr(csr::kMcause) == static_cast<uint32_t>(cause));
        CHECK(csr(csr::kMepc) == pc);
        CHECK(csr(csr::kMtval) == tval);
        CHECK(hart.instructions() == retired);
        hart.set_pc(pc + 4);  // carry on after the trapping instruction
    }
};

inline uint32_t bit_of(InterruptCause cause) { return 1u << static_cast<uint32_t>(cause); }
inline uint32_t mcause_of(InterruptCause cause) { return 0x80000000u | static_cast<uint32_t>(cause); }

// One ALU case: rs1 = x1 = a, rs2 = x2 = b, the result is read from x3.
struct AluCase {
    const char* name;
    uint32_t instruction;
    uint32_t a;
    uint32_t b;
    uint32_t expected;
};

inline void check_alu_cases(const std::vector<AluCase>& cases) {
    Harness h;
    for (const AluCase& c : cases) {
        CAPTURE(c.name);
        CAPTURE(c.a);
        CAPTURE(c.b);
        h.hart.set_reg(1, c.a);
        h.hart.set_reg(2, c.b);
        h.hart.set_reg(3, 0xDEADBEEF);
        const uint32_t pc = h.hart.pc();
        CHECK(h.exec(c.instruction) == StopReason::CycleLimit);
        CHECK(h.hart.reg(3) == c.expected);
        CHECK(h.hart.pc() == pc + 4);
        CHECK(h.traps() == 0);
    }
}

}  // namespace npuemu_test::rv32
