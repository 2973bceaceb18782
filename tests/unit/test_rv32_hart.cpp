// Unit tests of the RV32IM + Zicsr instruction-set simulator (model/core/rv32_hart.h). The hart runs on a test bus:
// RAM offered as a DMI window, a small device range served by the slow path (which records every access), and
// access faults everywhere else. Instructions are encoded here, not by an external assembler.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "model/core/rv32_hart.h"

namespace {

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

constexpr uint32_t kOpLoad = 0x03, kOpMiscMem = 0x0F, kOpImm = 0x13, kOpAuipc = 0x17, kOpStore = 0x23,
                   kOpReg = 0x33, kOpLui = 0x37, kOpBranch = 0x63, kOpJalr = 0x67, kOpJal = 0x6F, kOpSystem = 0x73;

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

struct RegOp { uint32_t funct3, funct7; };
constexpr RegOp kAdd{0, 0}, kSub{0, 0x20}, kSll{1, 0}, kSlt{2, 0}, kSltu{3, 0}, kXor{4, 0}, kSrl{5, 0},
    kSra{5, 0x20}, kOr{6, 0}, kAnd{7, 0};
constexpr RegOp kMul{0, 1}, kMulh{1, 1}, kMulhsu{2, 1}, kMulhu{3, 1}, kDiv{4, 1}, kDivu{5, 1}, kRem{6, 1},
    kRemu{7, 1};

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
        for (uint32_t word : code) { poke32(at, word); at += 4; }
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

uint32_t bit_of(InterruptCause cause) { return 1u << static_cast<uint32_t>(cause); }
uint32_t mcause_of(InterruptCause cause) { return 0x80000000u | static_cast<uint32_t>(cause); }

// One ALU case: rs1 = x1 = a, rs2 = x2 = b, the result is read from x3.
struct AluCase {
    const char* name;
    uint32_t instruction;
    uint32_t a;
    uint32_t b;
    uint32_t expected;
};

void check_alu_cases(const std::vector<AluCase>& cases) {
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

}  // namespace

// ===============================================================================================================
// RV32I

TEST_CASE("rv32: encoders produce the reference encodings") {
    // Cross-checked against the GNU assembler's output for the same source lines.
    CHECK(addi(10, 0, 1) == 0x00100513);         // addi a0, zero, 1
    CHECK(addi(1, 1, -1) == 0xFFF08093);         // addi ra, ra, -1
    CHECK(lui(5, 0x12345) == 0x123452B7);        // lui t0, 0x12345
    CHECK(jal(1, 8) == 0x008000EF);              // jal ra, .+8
    CHECK(jal(0, -4) == 0xFFDFF06F);             // j .-4
    CHECK(branch(kBne, 10, 11, -8) == 0xFEB51CE3);  // bne a0, a1, .-8
    CHECK(store(kSw, 2, 1, 12) == 0x00112623);   // sw ra, 12(sp)
    CHECK(load(kLw, 1, 2, 12) == 0x00C12083);    // lw ra, 12(sp)
    CHECK(op(kSub, 10, 10, 11) == 0x40B50533);   // sub a0, a0, a1
    CHECK(csrr(10, csr::kMhartid) == 0xF1402573);  // csrr a0, mhartid
}

TEST_CASE("rv32: LUI and AUIPC") {
    Harness h;
    h.exec(lui(1, 0x12345));
    CHECK(h.hart.reg(1) == 0x12345000u);
    h.exec(lui(2, 0xFFFFF));
    CHECK(h.hart.reg(2) == 0xFFFFF000u);

    const uint32_t pc = h.hart.pc();
    h.exec(auipc(3, 0x00001));
    CHECK(h.hart.reg(3) == pc + 0x1000);
    h.exec(auipc(4, 0xFFFFF));  // -0x1000
    CHECK(h.hart.reg(4) == pc + 4 - 0x1000);
    h.exec(auipc(5, 0));
    CHECK(h.hart.reg(5) == pc + 8);
    CHECK(h.hart.pc() == pc + 12);
    CHECK(h.hart.instructions() == 5);
}

TEST_CASE("rv32: JAL links pc+4 and jumps by a signed offset") {
    Harness h;
    const uint32_t start = kRamBase + 0x100;
    h.hart.set_pc(start);

    SUBCASE("forward") {
        h.exec(jal(1, 16));
        CHECK(h.hart.pc() == start + 16);
        CHECK(h.hart.reg(1) == start + 4);
    }
    SUBCASE("backward") {
        h.exec(jal(5, -0x100));
        CHECK(h.hart.pc() == kRamBase);
        CHECK(h.hart.reg(5) == start + 4);
    }
    SUBCASE("largest offsets") {
        h.exec(jal(1, 0xFFFFC));
        CHECK(h.hart.pc() == start + 0xFFFFC);
        h.hart.set_pc(start);
        h.exec(jal(1, -0x100000));
        CHECK(h.hart.pc() == start - 0x100000);
    }
    SUBCASE("rd = x0 discards the link") {
        h.exec(jal(0, 8));
        CHECK(h.hart.pc() == start + 8);
        CHECK(h.hart.reg(0) == 0);
    }
}

TEST_CASE("rv32: JALR") {
    Harness h;
    const uint32_t start = kRamBase + 0x200;
    h.hart.set_pc(start);

    SUBCASE("target is rs1 + imm with bit 0 cleared") {
        h.hart.set_reg(1, kRamBase + 0x40);
        h.exec(jalr(2, 1, 1));
        CHECK(h.hart.pc() == kRamBase + 0x40);
        CHECK(h.hart.reg(2) == start + 4);
        CHECK(h.traps() == 0);
    }
    SUBCASE("negative immediate") {
        h.hart.set_reg(1, kRamBase + 0x100);
        h.exec(jalr(2, 1, -0x80));
        CHECK(h.hart.pc() == kRamBase + 0x80);
        CHECK(h.hart.reg(2) == start + 4);
    }
    SUBCASE("rd == rs1 uses the old rs1 for the target") {
        h.hart.set_reg(1, kRamBase + 0x20);
        h.exec(jalr(1, 1, 0x10));
        CHECK(h.hart.pc() == kRamBase + 0x30);
        CHECK(h.hart.reg(1) == start + 4);
    }
    SUBCASE("rd = x0 discards the link") {
        h.hart.set_reg(1, kRamBase + 0x10);
        h.exec(jalr(0, 1, 0));
        CHECK(h.hart.pc() == kRamBase + 0x10);
        CHECK(h.hart.reg(0) == 0);
    }
}

TEST_CASE("rv32: branches taken and not taken") {
    struct BranchCase {
        const char* name;
        uint32_t funct3;
        uint32_t a;
        uint32_t b;
        bool taken;
    };
    const std::vector<BranchCase> cases = {
        {"beq equal", kBeq, 5, 5, true},
        {"beq different", kBeq, 5, 6, false},
        {"beq sign bit differs", kBeq, kIntMin, 0, false},
        {"bne different", kBne, 5, 6, true},
        {"bne equal", kBne, 7, 7, false},
        {"blt -1 < 0", kBlt, kMinusOne, 0, true},
        {"blt 0 < -1", kBlt, 0, kMinusOne, false},
        {"blt INT_MIN < INT_MAX", kBlt, kIntMin, kIntMax, true},
        {"blt INT_MAX < INT_MIN", kBlt, kIntMax, kIntMin, false},
        {"blt equal", kBlt, 3, 3, false},
        {"bge 0 >= -1", kBge, 0, kMinusOne, true},
        {"bge -1 >= 0", kBge, kMinusOne, 0, false},
        {"bge equal", kBge, 3, 3, true},
        {"bge INT_MIN >= INT_MIN", kBge, kIntMin, kIntMin, true},
        {"bge INT_MIN >= INT_MAX", kBge, kIntMin, kIntMax, false},
        {"bltu 0 < 0xFFFFFFFF", kBltu, 0, kMinusOne, true},
        {"bltu 0xFFFFFFFF < 0", kBltu, kMinusOne, 0, false},
        {"bltu 0x7FFFFFFF < 0x80000000", kBltu, kIntMax, kIntMin, true},
        {"bltu equal", kBltu, 3, 3, false},
        {"bgeu 0xFFFFFFFF >= 0", kBgeu, kMinusOne, 0, true},
        {"bgeu 0 >= 0xFFFFFFFF", kBgeu, 0, kMinusOne, false},
        {"bgeu equal", kBgeu, 3, 3, true},
        {"bgeu 0x80000000 >= 0x7FFFFFFF", kBgeu, kIntMin, kIntMax, true},
    };
    Harness h;
    for (const BranchCase& c : cases) {
        CAPTURE(c.name);
        const uint32_t start = kRamBase + 0x100;
        h.hart.set_pc(start);
        h.hart.set_reg(1, c.a);
        h.hart.set_reg(2, c.b);
        const uint64_t cycles = h.hart.cycles();
        h.exec(branch(c.funct3, 1, 2, 12));
        CHECK(h.hart.pc() == (c.taken ? start + 12 : start + 4));
        CHECK(h.hart.cycles() - cycles ==
              (c.taken ? h.cpi.branch_taken_cycles : h.cpi.branch_not_taken_cycles));
    }
    CHECK(h.traps() == 0);
    CHECK(h.hart.instructions() == cases.size());
}

TEST_CASE("rv32: branch offsets reach +-4 KiB in both directions") {
    Harness h;
    const uint32_t start = kRamBase + 0x2000;
    h.hart.set_pc(start);
    h.exec(branch(kBeq, 0, 0, 4092));
    CHECK(h.hart.pc() == start + 4092);
    h.hart.set_pc(start);
    h.exec(branch(kBeq, 0, 0, -4096));
    CHECK(h.hart.pc() == start - 4096);
    h.hart.set_pc(start);
    h.hart.set_reg(1, 1);
    h.exec(branch(kBne, 1, 0, -8));
    CHECK(h.hart.pc() == start - 8);
}

TEST_CASE("rv32: loads sign- and zero-extend") {
    Harness h;
    // Bytes at kData: 81 7F 34 F2, i.e. the word 0xF2347F81.
    h.poke32(kData, 0xF2347F81u);
    h.hart.set_reg(1, kData);
    h.hart.set_reg(2, kData + 8);
    struct LoadCase {
        const char* name;
        uint32_t instruction;
        uint32_t expected;
    };
    const std::vector<LoadCase> cases = {
        {"lb negative byte", load(kLb, 3, 1, 0), 0xFFFFFF81u},
        {"lb positive byte", load(kLb, 3, 1, 1), 0x0000007Fu},
        {"lbu", load(kLbu, 3, 1, 0), 0x00000081u},
        {"lbu top byte", load(kLbu, 3, 1, 3), 0x000000F2u},
        {"lh positive half", load(kLh, 3, 1, 0), 0x00007F81u},
        {"lh negative half", load(kLh, 3, 1, 2), 0xFFFFF234u},
        {"lhu", load(kLhu, 3, 1, 2), 0x0000F234u},
        {"lw", load(kLw, 3, 1, 0), 0xF2347F81u},
        {"lw negative offset", load(kLw, 3, 2, -8), 0xF2347F81u},
        {"lb negative offset", load(kLb, 3, 2, -5), 0xFFFFFFF2u},
    };
    for (const LoadCase& c : cases) {
        CAPTURE(c.name);
        h.hart.set_reg(3, 0xDEADBEEF);
        h.exec(c.instruction);
        CHECK(h.hart.reg(3) == c.expected);
    }
    CHECK(h.traps() == 0);
}

TEST_CASE("rv32: stores write only their bytes") {
    Harness h;
    for (uint32_t i = 0; i < 16; ++i) h.poke8(kData + i, 0xAA);
    h.hart.set_reg(1, kData);
    h.hart.set_reg(2, kData + 16);
    h.hart.set_reg(5, 0x12345678u);

    h.exec(store(kSb, 1, 5, 1));
    CHECK(h.peek32(kData) == 0xAAAA78AAu);
    h.exec(store(kSh, 1, 5, 2));
    CHECK(h.peek32(kData) == 0x567878AAu);
    h.exec(store(kSw, 1, 5, 4));
    CHECK(h.peek32(kData + 4) == 0x12345678u);
    h.exec(store(kSw, 2, 5, -8));
    CHECK(h.peek32(kData + 8) == 0x12345678u);
    h.exec(store(kSb, 2, 5, -1));
    CHECK(h.peek32(kData + 12) == 0x78AAAAAAu);
    CHECK(h.traps() == 0);
}

TEST_CASE("rv32: register-immediate ALU instructions") {
    check_alu_cases({
        {"addi negative", addi(3, 1, -7), 5, 0, neg(-2)},
        {"addi wraps", addi(3, 1, 1), kIntMax, 0, kIntMin},
        {"addi most negative immediate", addi(3, 1, -2048), 0, 0, 0xFFFFF800u},
        {"addi most positive immediate", addi(3, 1, 2047), 0, 0, 0x7FFu},
        {"slti -5 < -4", op_imm(kSlti, 3, 1, -4), neg(-5), 0, 1},
        {"slti -4 < -5", op_imm(kSlti, 3, 1, -5), neg(-4), 0, 0},
        {"slti INT_MIN < 0", op_imm(kSlti, 3, 1, 0), kIntMin, 0, 1},
        {"slti 1 < -1", op_imm(kSlti, 3, 1, -1), 1, 0, 0},
        {"sltiu 5 < 0xFFFFFFFF", op_imm(kSltiu, 3, 1, -1), 5, 0, 1},
        {"sltiu 0xFFFFFFFF < 0xFFFFFFFF", op_imm(kSltiu, 3, 1, -1), kMinusOne, 0, 0},
        {"sltiu seqz of 0", op_imm(kSltiu, 3, 1, 1), 0, 0, 1},
        {"sltiu seqz of 1", op_imm(kSltiu, 3, 1, 1), 1, 0, 0},
        {"xori not", op_imm(kXori, 3, 1, -1), 0x0F0F0F0Fu, 0, 0xF0F0F0F0u},
        {"xori", op_imm(kXori, 3, 1, 0xFF), 0x12345678u, 0, 0x12345687u},
        {"ori", op_imm(kOri, 3, 1, 0xF0), 0x12340005u, 0, 0x123400F5u},
        {"ori negative", op_imm(kOri, 3, 1, -2048), 1, 0, 0xFFFFF801u},
        {"andi negative", op_imm(kAndi, 3, 1, -16), 0x12345678u, 0, 0x12345670u},
        {"andi", op_imm(kAndi, 3, 1, 0xFF), 0x12345678u, 0, 0x78u},
        {"slli 31", slli(3, 1, 31), 1, 0, kIntMin},
        {"slli 4", slli(3, 1, 4), 0x12345678u, 0, 0x23456780u},
        {"slli 0", slli(3, 1, 0), 0x12345678u, 0, 0x12345678u},
        {"srli 31", srli(3, 1, 31), kIntMin, 0, 1},
        {"srli 4", srli(3, 1, 4), 0xF0000000u, 0, 0x0F000000u},
        {"srai 31", srai(3, 1, 31), kIntMin, 0, kMinusOne},
        {"srai 4 negative", srai(3, 1, 4), 0xF0000000u, 0, 0xFF000000u},
        {"srai 4 positive", srai(3, 1, 4), 0x70000000u, 0, 0x07000000u},
    });
}

TEST_CASE("rv32: register-register ALU instructions") {
    check_alu_cases({
        {"add wraps to INT_MIN", op(kAdd, 3, 1, 2), kIntMax, 1, kIntMin},
        {"add wraps to 0", op(kAdd, 3, 1, 2), kMinusOne, 1, 0},
        {"sub 0 - 1", op(kSub, 3, 1, 2), 0, 1, kMinusOne},
        {"sub INT_MIN - 1", op(kSub, 3, 1, 2), kIntMin, 1, kIntMax},
        {"sub 5 - 7", op(kSub, 3, 1, 2), 5, 7, neg(-2)},
        {"sll 31", op(kSll, 3, 1, 2), 1, 31, kIntMin},
        {"sll 32 uses low 5 bits", op(kSll, 3, 1, 2), 1, 32, 1},
        {"sll 33 uses low 5 bits", op(kSll, 3, 1, 2), 1, 33, 2},
        {"sll 0xFFFFFFE1 uses low 5 bits", op(kSll, 3, 1, 2), 1, 0xFFFFFFE1u, 2},
        {"slt -1 < 0", op(kSlt, 3, 1, 2), kMinusOne, 0, 1},
        {"slt 0 < -1", op(kSlt, 3, 1, 2), 0, kMinusOne, 0},
        {"slt INT_MIN < INT_MAX", op(kSlt, 3, 1, 2), kIntMin, kIntMax, 1},
        {"slt equal", op(kSlt, 3, 1, 2), 5, 5, 0},
        {"sltu 0 < 0xFFFFFFFF", op(kSltu, 3, 1, 2), 0, kMinusOne, 1},
        {"sltu 0xFFFFFFFF < 0", op(kSltu, 3, 1, 2), kMinusOne, 0, 0},
        {"sltu INT_MAX < INT_MIN", op(kSltu, 3, 1, 2), kIntMax, kIntMin, 1},
        {"xor", op(kXor, 3, 1, 2), 0xFF00FF00u, 0x0FF00FF0u, 0xF0F0F0F0u},
        {"srl 31", op(kSrl, 3, 1, 2), kIntMin, 31, 1},
        {"srl 32 uses low 5 bits", op(kSrl, 3, 1, 2), kIntMin, 32, kIntMin},
        {"srl 36 uses low 5 bits", op(kSrl, 3, 1, 2), kIntMin, 36, 0x08000000u},
        {"sra 31", op(kSra, 3, 1, 2), kIntMin, 31, kMinusOne},
        {"sra 32 uses low 5 bits", op(kSra, 3, 1, 2), kIntMin, 32, kIntMin},
        {"sra 33 uses low 5 bits", op(kSra, 3, 1, 2), kIntMin, 33, 0xC0000000u},
        {"sra positive", op(kSra, 3, 1, 2), 0x40000000u, 30, 1},
        {"or", op(kOr, 3, 1, 2), 0xF0F00000u, 0x0000F0F0u, 0xF0F0F0F0u},
        {"and", op(kAnd, 3, 1, 2), 0xFF00FF00u, 0x0FF00FF0u, 0x0F000F00u},
    });
}

TEST_CASE("rv32: writes to x0 are discarded") {
    Harness h;
    h.poke32(kData, 0x12345678u);
    h.hart.set_reg(1, kData);
    h.hart.set_reg(2, 5);
    h.hart.set_reg(0, 99);  // set_reg ignores x0 too
    CHECK(h.hart.reg(0) == 0);
    const std::vector<uint32_t> writes_to_x0 = {
        addi(0, 0, 123), lui(0, 0x12345), auipc(0, 1), op(kAdd, 0, 1, 2), op(kMul, 0, 2, 2),
        load(kLw, 0, 1, 0), csrr(0, csr::kMhartid), slli(0, 2, 3),
    };
    for (uint32_t instruction : writes_to_x0) {
        CAPTURE(instruction);
        h.exec(instruction);
        CHECK(h.hart.reg(0) == 0);
    }
    // x0 reads as zero as a source as well.
    h.exec(addi(3, 0, 0));
    CHECK(h.hart.reg(3) == 0);
    CHECK(h.traps() == 0);
}

TEST_CASE("rv32: FENCE and FENCE.I execute as no-ops") {
    Harness h;
    h.hart.set_reg(1, 42);
    h.exec(kFence);
    h.exec(kFenceI);
    CHECK(h.hart.pc() == kRamBase + 8);
    CHECK(h.hart.instructions() == 2);
    CHECK(h.hart.reg(1) == 42);
    CHECK(h.traps() == 0);
}

// ===============================================================================================================
// M extension

TEST_CASE("rv32: multiplication") {
    check_alu_cases({
        {"mul", op(kMul, 3, 1, 2), 3, 4, 12},
        {"mul -1 * -1", op(kMul, 3, 1, 2), kMinusOne, kMinusOne, 1},
        {"mul INT_MIN * -1", op(kMul, 3, 1, 2), kIntMin, kMinusOne, kIntMin},
        {"mul low word only", op(kMul, 3, 1, 2), 0x10000, 0x10000, 0},
        {"mul mixed", op(kMul, 3, 1, 2), 0x9ABCDEF0u, 0xFEDCBA98u, 0xD05EBE80u},
        {"mulh -1 * -1", op(kMulh, 3, 1, 2), kMinusOne, kMinusOne, 0},
        {"mulh -1 * 1", op(kMulh, 3, 1, 2), kMinusOne, 1, kMinusOne},
        {"mulh INT_MIN * INT_MIN", op(kMulh, 3, 1, 2), kIntMin, kIntMin, 0x40000000u},
        {"mulh INT_MIN * -1", op(kMulh, 3, 1, 2), kIntMin, kMinusOne, 0},
        {"mulh INT_MIN * INT_MAX", op(kMulh, 3, 1, 2), kIntMin, kIntMax, 0xC0000000u},
        {"mulh 0x10000 * 0x10000", op(kMulh, 3, 1, 2), 0x10000, 0x10000, 1},
        {"mulh 0 * -1", op(kMulh, 3, 1, 2), 0, kMinusOne, 0},
        {"mulh mixed", op(kMulh, 3, 1, 2), 0x9ABCDEF0u, 0xFEDCBA98u, 0x007336C2u},
        {"mulhsu -1 * 0xFFFFFFFF", op(kMulhsu, 3, 1, 2), kMinusOne, kMinusOne, kMinusOne},
        {"mulhsu 1 * 0xFFFFFFFF", op(kMulhsu, 3, 1, 2), 1, kMinusOne, 0},
        {"mulhsu INT_MIN * 0xFFFFFFFF", op(kMulhsu, 3, 1, 2), kIntMin, kMinusOne, kIntMin},
        {"mulhsu INT_MIN * 1", op(kMulhsu, 3, 1, 2), kIntMin, 1, kMinusOne},
        {"mulhsu 2 * 0x80000000", op(kMulhsu, 3, 1, 2), 2, kIntMin, 1},
        {"mulhsu -2 * 0x80000000", op(kMulhsu, 3, 1, 2), neg(-2), kIntMin, kMinusOne},
        {"mulhsu -1 * 0", op(kMulhsu, 3, 1, 2), kMinusOne, 0, 0},
        {"mulhsu mixed", op(kMulhsu, 3, 1, 2), 0x9ABCDEF0u, 0xFEDCBA98u, 0x9B3015B2u},
        {"mulhu 0xFFFFFFFF * 0xFFFFFFFF", op(kMulhu, 3, 1, 2), kMinusOne, kMinusOne, 0xFFFFFFFEu},
        {"mulhu 0x80000000 * 2", op(kMulhu, 3, 1, 2), kIntMin, 2, 1},
        {"mulhu 0x80000000 * 0x80000000", op(kMulhu, 3, 1, 2), kIntMin, kIntMin, 0x40000000u},
        {"mulhu 0xFFFFFFFF * 0", op(kMulhu, 3, 1, 2), kMinusOne, 0, 0},
        {"mulhu mixed", op(kMulhu, 3, 1, 2), 0x9ABCDEF0u, 0xFEDCBA98u, 0x9A0CD04Au},
    });
}

TEST_CASE("rv32: division and remainder") {
    check_alu_cases({
        {"div", op(kDiv, 3, 1, 2), 7, 2, 3},
        {"div truncates toward zero", op(kDiv, 3, 1, 2), neg(-7), 2, neg(-3)},
        {"div by negative", op(kDiv, 3, 1, 2), 7, neg(-2), neg(-3)},
        {"div both negative", op(kDiv, 3, 1, 2), neg(-7), neg(-2), 3},
        {"div by zero", op(kDiv, 3, 1, 2), 7, 0, kMinusOne},
        {"div zero by zero", op(kDiv, 3, 1, 2), 0, 0, kMinusOne},
        {"div negative by zero", op(kDiv, 3, 1, 2), neg(-7), 0, kMinusOne},
        {"div overflow INT_MIN / -1", op(kDiv, 3, 1, 2), kIntMin, kMinusOne, kIntMin},
        {"div INT_MIN / 1", op(kDiv, 3, 1, 2), kIntMin, 1, kIntMin},
        {"divu", op(kDivu, 3, 1, 2), 7, 2, 3},
        {"divu large", op(kDivu, 3, 1, 2), kMinusOne, 2, kIntMax},
        {"divu 0x80000000 / 0xFFFFFFFF", op(kDivu, 3, 1, 2), kIntMin, kMinusOne, 0},
        {"divu by zero", op(kDivu, 3, 1, 2), 7, 0, kMinusOne},
        {"rem", op(kRem, 3, 1, 2), 7, 2, 1},
        {"rem sign follows dividend", op(kRem, 3, 1, 2), neg(-7), 2, kMinusOne},
        {"rem by negative", op(kRem, 3, 1, 2), 7, neg(-2), 1},
        {"rem both negative", op(kRem, 3, 1, 2), neg(-7), neg(-2), kMinusOne},
        {"rem by zero", op(kRem, 3, 1, 2), neg(-7), 0, neg(-7)},
        {"rem overflow INT_MIN % -1", op(kRem, 3, 1, 2), kIntMin, kMinusOne, 0},
        {"remu", op(kRemu, 3, 1, 2), 7, 2, 1},
        {"remu large", op(kRemu, 3, 1, 2), kMinusOne, 10, 5},
        {"remu by zero", op(kRemu, 3, 1, 2), kIntMin, 0, kIntMin},
    });
}

// ===============================================================================================================
// Zicsr

TEST_CASE("rv32: CSR read-modify-write instructions") {
    Harness h;
    h.hart.set_reg(5, 0x0F0F);
    h.hart.set_reg(6, 0xF000);
    h.hart.set_reg(7, 0x000F);

    h.exec(csr_op(kCsrrw, 1, csr::kMscratch, 5));
    CHECK(h.hart.reg(1) == 0);
    CHECK(h.csr(csr::kMscratch) == 0x0F0Fu);
    h.exec(csr_op(kCsrrs, 2, csr::kMscratch, 6));
    CHECK(h.hart.reg(2) == 0x0F0Fu);
    CHECK(h.csr(csr::kMscratch) == 0xFF0Fu);
    h.exec(csr_op(kCsrrc, 3, csr::kMscratch, 7));
    CHECK(h.hart.reg(3) == 0xFF0Fu);
    CHECK(h.csr(csr::kMscratch) == 0xFF00u);
    h.exec(csr_op(kCsrrwi, 4, csr::kMscratch, 0x15));
    CHECK(h.hart.reg(4) == 0xFF00u);
    CHECK(h.csr(csr::kMscratch) == 0x15u);
    h.exec(csr_op(kCsrrsi, 8, csr::kMscratch, 0x0A));
    CHECK(h.hart.reg(8) == 0x15u);
    CHECK(h.csr(csr::kMscratch) == 0x1Fu);
    h.exec(csr_op(kCsrrci, 9, csr::kMscratch, 0x03));
    CHECK(h.hart.reg(9) == 0x1Fu);
    CHECK(h.csr(csr::kMscratch) == 0x1Cu);
    h.exec(csr_op(kCsrrs, 10, csr::kMscratch, 0));  // csrr: no write
    CHECK(h.hart.reg(10) == 0x1Cu);
    CHECK(h.csr(csr::kMscratch) == 0x1Cu);

    SUBCASE("rd == rs1 writes the old rs1 value") {
        h.hart.set_reg(11, 0x77);
        h.exec(csr_op(kCsrrw, 11, csr::kMscratch, 11));
        CHECK(h.hart.reg(11) == 0x1Cu);
        CHECK(h.csr(csr::kMscratch) == 0x77u);
    }
    SUBCASE("rd = x0 still writes") {
        h.exec(csr_op(kCsrrw, 0, csr::kMscratch, 5));
        CHECK(h.hart.reg(0) == 0);
        CHECK(h.csr(csr::kMscratch) == 0x0F0Fu);
    }
    SUBCASE("uimm = 0 set/clear forms do not write") {
        h.exec(csr_op(kCsrrsi, 12, csr::kMscratch, 0));
        h.exec(csr_op(kCsrrci, 13, csr::kMscratch, 0));
        CHECK(h.hart.reg(12) == 0x1Cu);
        CHECK(h.hart.reg(13) == 0x1Cu);
        CHECK(h.csr(csr::kMscratch) == 0x1Cu);
    }
    CHECK(h.traps() == 0);
}

TEST_CASE("rv32: read-only CSRs") {
    Harness h;
    h.install_trap_handler();
    h.hart.set_reg(5, 0);  // a zero value in a register other than x0 still means "write"

    SUBCASE("reading with rs1 = x0 or uimm = 0 is allowed") {
        h.exec(csr_op(kCsrrs, 1, csr::kMhartid, 0));
        CHECK(h.hart.reg(1) == Harness::kHartId);
        h.hart.set_reg(2, 0xDEAD);
        h.exec(csr_op(kCsrrsi, 2, csr::kMvendorid, 0));
        CHECK(h.hart.reg(2) == 0);
        h.hart.set_reg(3, 0xDEAD);
        h.exec(csr_op(kCsrrc, 3, csr::kMarchid, 0));
        CHECK(h.hart.reg(3) == 0);
        h.exec(csr_op(kCsrrci, 4, csr::kMhartid, 0));
        CHECK(h.hart.reg(4) == Harness::kHartId);
        CHECK(h.traps() == 0);
    }
    SUBCASE("writing raises illegal instruction and leaves rd alone") {
        const std::vector<uint32_t> writes = {
            csr_op(kCsrrw, 4, csr::kMvendorid, 5),
            csr_op(kCsrrw, 0, csr::kMhartid, 0),
            csr_op(kCsrrs, 4, csr::kMhartid, 5),
            csr_op(kCsrrc, 4, csr::kMimpid, 5),
            csr_op(kCsrrwi, 4, csr::kMarchid, 0),
            csr_op(kCsrrsi, 4, csr::kMhartid, 1),
            csr_op(kCsrrci, 4, csr::kMvendorid, 1),
            csr_op(kCsrrw, 4, csr::kCycle, 5),
            csr_op(kCsrrs, 4, csr::kInstret, 5),
        };
        for (uint32_t instruction : writes) {
            CAPTURE(instruction);
            h.hart.set_reg(4, 0xDEAD);
            h.exec_expecting_exception(instruction, ExceptionCause::IllegalInstruction, instruction);
            CHECK(h.hart.reg(4) == 0xDEADu);
        }
        CHECK(h.csr(csr::kMhartid) == Harness::kHartId);
    }
}

TEST_CASE("rv32: unknown CSR raises illegal instruction") {
    Harness h;
    h.install_trap_handler();
    const uint16_t kSatp = 0x180;  // supervisor CSR: absent on an M-only hart
    const std::vector<uint32_t> accesses = {
        csrr(4, kSatp),
        csr_op(kCsrrw, 0, kSatp, 5),
        csr_op(kCsrrwi, 4, 0x7C0, 1),
        csrr(4, 0xFFF),
    };
    for (uint32_t instruction : accesses) {
        CAPTURE(instruction);
        h.hart.set_reg(4, 0xDEAD);
        h.exec_expecting_exception(instruction, ExceptionCause::IllegalInstruction, instruction);
        CHECK(h.hart.reg(4) == 0xDEADu);
    }
    uint32_t value = 0;
    CHECK_FALSE(h.hart.read_csr(kSatp, value));
    CHECK_FALSE(h.hart.write_csr(kSatp, 1));
}

TEST_CASE("rv32: identification CSRs") {
    Harness h;
    h.exec(csrr(1, csr::kMisa));
    CHECK(h.hart.reg(1) == 0x40001100u);  // MXL=1 (RV32), I (bit 8), M (bit 12)
    CHECK((h.hart.reg(1) >> 30) == 1u);
    CHECK((h.hart.reg(1) & (1u << ('I' - 'A'))) != 0);
    CHECK((h.hart.reg(1) & (1u << ('M' - 'A'))) != 0);

    h.hart.set_reg(5, 0);
    h.exec(csrw(csr::kMisa, 5));  // WARL: accepted and ignored
    CHECK(h.traps() == 0);
    CHECK(h.csr(csr::kMisa) == 0x40001100u);

    h.exec(csrr(2, csr::kMhartid));
    CHECK(h.hart.reg(2) == Harness::kHartId);
    CHECK(h.hart.hart_id() == Harness::kHartId);

    Harness other(CpiTable{}, 3);
    other.exec(csrr(2, csr::kMhartid));
    CHECK(other.hart.reg(2) == 3);
}

TEST_CASE("rv32: mcycle advances by the CPI table") {
    CpiTable cpi;
    cpi.alu_cycles = 1;
    cpi.mul_cycles = 3;
    cpi.div_cycles = 34;
    cpi.load_cycles = 5;
    cpi.store_cycles = 6;
    cpi.branch_taken_cycles = 7;
    cpi.branch_not_taken_cycles = 8;
    cpi.jump_cycles = 9;
    cpi.csr_cycles = 10;
    cpi.system_cycles = 11;
    cpi.fence_cycles = 12;
    Harness h(cpi);
    h.hart.set_reg(1, kData);
    h.hart.set_reg(2, 3);

    CHECK(h.cycles_of(addi(3, 0, 1)) == 1);
    CHECK(h.cycles_of(lui(3, 1)) == 1);
    CHECK(h.cycles_of(op(kMul, 3, 2, 2)) == 3);
    CHECK(h.cycles_of(op(kMulhu, 3, 2, 2)) == 3);
    CHECK(h.cycles_of(op(kDiv, 3, 2, 2)) == 34);
    CHECK(h.cycles_of(op(kRemu, 3, 2, 2)) == 34);
    CHECK(h.cycles_of(load(kLw, 3, 1, 0)) == 5);
    CHECK(h.cycles_of(store(kSw, 1, 2, 0)) == 6);
    CHECK(h.cycles_of(branch(kBne, 0, 0, 8)) == 8);  // not taken
    CHECK(h.cycles_of(branch(kBeq, 0, 0, 8)) == 7);  // taken
    CHECK(h.cycles_of(jal(0, 4)) == 9);
    CHECK(h.cycles_of(csrr(3, csr::kMscratch)) == 10);
    CHECK(h.cycles_of(kFence) == 12);
    CHECK(h.traps() == 0);

    // As firmware sees it: the distance between two mcycle reads.
    h.exec(csrr(10, csr::kMcycle));
    h.exec(op(kMul, 3, 2, 2));
    h.exec(csrr(11, csr::kMcycle));
    CHECK(h.hart.reg(11) - h.hart.reg(10) == cpi.csr_cycles + cpi.mul_cycles);
    h.exec(csrr(12, csr::kCycle));  // user alias
    CHECK(h.hart.reg(12) - h.hart.reg(11) == cpi.csr_cycles);
    CHECK(h.csr(csr::kMcycle) == static_cast<uint32_t>(h.hart.cycles()));
}

TEST_CASE("rv32: minstret counts retired instructions") {
    Harness h;
    h.exec(csrr(10, csr::kMinstret));
    h.exec(addi(1, 0, 1));
    h.exec(addi(1, 0, 2));
    h.exec(csrr(11, csr::kMinstret));
    CHECK(h.hart.reg(11) - h.hart.reg(10) == 3);
    h.exec(csrr(12, csr::kInstret));  // user alias
    CHECK(h.hart.reg(12) == h.hart.reg(11) + 1);
    CHECK(h.hart.instructions() == 5);
    CHECK(h.csr(csr::kMinstret) == 5);
    CHECK(h.csr(csr::kMinstreth) == 0);
}

TEST_CASE("rv32: writing the counters changes what reads return") {
    Harness h;
    h.hart.set_reg(5, 1000);

    SUBCASE("minstret: the next instruction reads the written value") {
        // Zicsr: "If a CSR access instruction writes such a CSR, the write is done instead of the increment."
        h.exec(csrw(csr::kMinstret, 5));
        h.exec(csrr(6, csr::kMinstret));
        CHECK(h.hart.reg(6) == 1000);
        h.exec(addi(0, 0, 0));
        h.exec(csrr(7, csr::kInstret));
        CHECK(h.hart.reg(7) == 1002);
        CHECK(h.hart.instructions() == 4);  // the internal count is not affected
    }
    SUBCASE("minstreth and the carry into it") {
        h.hart.set_reg(5, kMinusOne);
        h.exec(csrw(csr::kMinstret, 5));
        h.exec(csrw(csr::kMinstreth, 0));
        CHECK(h.csr(csr::kMinstret) == kMinusOne);
        CHECK(h.csr(csr::kMinstreth) == 0);
        h.exec(addi(0, 0, 0));
        CHECK(h.csr(csr::kMinstret) == 0);
        CHECK(h.csr(csr::kMinstreth) == 1);
        CHECK(h.csr(csr::kInstreth) == 1);
    }
    SUBCASE("mcycle") {
        h.exec(csrw(csr::kMcycle, 5));
        h.exec(csrr(6, csr::kMcycle));
        CHECK(h.hart.reg(6) >= 1000);
        CHECK(h.hart.reg(6) <= 1000 + h.cpi.csr_cycles);  // at most the writing instruction's own cycles
        CHECK(h.hart.cycles() < 1000);  // the internal count is not affected
    }
    SUBCASE("mcycleh") {
        h.hart.set_reg(7, 5);
        h.exec(csrw(csr::kMcycleh, 7));
        h.exec(csrr(8, csr::kMcycleh));
        CHECK(h.hart.reg(8) == 5);
        h.exec(csrr(9, csr::kCycleh));
        CHECK(h.hart.reg(9) == 5);
        CHECK(h.csr(csr::kMcycle) == static_cast<uint32_t>(h.hart.cycles()));  // low word keeps counting
    }
    SUBCASE("debugger writes through write_csr are exact") {
        REQUIRE(h.hart.write_csr(csr::kMinstret, 77));
        CHECK(h.csr(csr::kMinstret) == 77);
        REQUIRE(h.hart.write_csr(csr::kMcycle, 88));
        CHECK(h.csr(csr::kMcycle) == 88);
    }
}

TEST_CASE("rv32: time CSRs read the bus's mtime") {
    Harness h;
    h.bus.mtime_value = 0x0000001234567890ull;
    h.exec(csrr(1, csr::kTime));
    h.exec(csrr(2, csr::kTimeh));
    CHECK(h.hart.reg(1) == 0x34567890u);
    CHECK(h.hart.reg(2) == 0x12u);
}

TEST_CASE("rv32: WARL fields of mepc, mtvec, mstatus, mie") {
    Harness h;
    auto write_and_read = [&h](uint16_t number, uint32_t value) {
        h.hart.set_reg(5, value);
        h.exec(csrw(number, 5));
        h.exec(csrr(6, number));
        return h.hart.reg(6);
    };
    CHECK(write_and_read(csr::kMepc, kRamBase + 7) == kRamBase + 4);
    CHECK(write_and_read(csr::kMepc, kRamBase + 0x102) == kRamBase + 0x100);
    CHECK(write_and_read(csr::kMtvec, kHandler) == kHandler);
    CHECK(write_and_read(csr::kMtvec, kHandler | 1) == (kHandler | 1));
    CHECK(write_and_read(csr::kMtvec, kHandler | 2) == kHandler);
    CHECK(write_and_read(csr::kMtvec, kHandler | 3) == kHandler);
    CHECK(write_and_read(csr::kMstatus, 0) == csr::kMstatusMpp);  // MPP reads 3 (M-only)
    CHECK(write_and_read(csr::kMstatus, kMinusOne) ==
          (csr::kMstatusMpp | csr::kMstatusMpie | csr::kMstatusMie));
    CHECK(write_and_read(csr::kMie, kMinusOne) == csr::kInterruptBits);
    CHECK(write_and_read(csr::kMscratch, 0xCAFEF00Du) == 0xCAFEF00Du);
    CHECK(write_and_read(csr::kMcause, 0x8000000Bu) == 0x8000000Bu);
    CHECK(write_and_read(csr::kMtval, 0x1234u) == 0x1234u);
    CHECK(h.traps() == 0);
}

// ===============================================================================================================
// Exceptions

TEST_CASE("rv32: ECALL and EBREAK") {
    Harness h;
    h.install_trap_handler();
    h.hart.set_pc(kRamBase + 0x40);
    REQUIRE(h.hart.write_csr(csr::kMtval, 0x1234));

    SUBCASE("ecall") { h.exec_expecting_exception(kEcall, ExceptionCause::EcallFromM, 0); }
    SUBCASE("ebreak") { h.exec_expecting_exception(kEbreak, ExceptionCause::Breakpoint, kRamBase + 0x40); }
    CHECK(h.traps() == 1);
}

TEST_CASE("rv32: illegal instructions") {
    const std::vector<uint32_t> illegal = {
        0x00000000u,                                   // all zeros
        0xFFFFFFFFu,                                   // all ones
        0x0000100Bu,                                   // custom-0 opcode: unknown here
        0x0000007Bu,                                   // custom-3 opcode
        op_imm(1, 3, 1, 0x400 | 1),                    // slli with funct7 0x20
        op_imm(1, 3, 1, 0x020 | 1),                    // slli with shamt[5] set (RV64 only)
        op_imm(5, 3, 1, 0x020 | 1),                    // srli with shamt[5] set
        op_imm(5, 3, 1, 0x600 | 1),                    // srai with funct7 0x30
        enc_r(kOpReg, 3, 0, 1, 2, 0x02),               // OP with funct7 0x02
        enc_r(kOpReg, 3, 1, 1, 2, 0x20),               // sll with funct7 0x20
        enc_r(kOpReg, 3, 7, 1, 2, 0x20),               // and with funct7 0x20
        enc_r(kOpReg, 3, 0, 1, 2, 0x40),               // add with funct7 0x40
        load(3, 3, 1, 0),                              // ld (RV64)
        load(6, 3, 1, 0),                              // lwu (RV64)
        load(7, 3, 1, 0),
        store(3, 1, 2, 0),                             // sd (RV64)
        branch(2, 1, 2, 8),
        branch(3, 1, 2, 8),
        enc_i(kOpJalr, 3, 1, 1, 0),                    // jalr with funct3 1
        enc_i(kOpSystem, 0, 4, 0, 0),                  // SYSTEM funct3 4
        0x10200073u,                                   // sret: no S-mode
        0x00200073u,                                   // uret
        0x000000F3u,                                   // ecall with rd = 1
        0x00008073u,                                   // ecall with rs1 = 1
    };
    Harness h;
    h.install_trap_handler();
    h.hart.set_reg(1, kData);
    h.hart.set_reg(2, 5);
    for (uint32_t instruction : illegal) {
        CAPTURE(instruction);
        h.hart.set_reg(3, 0xDEAD);
        h.exec_expecting_exception(instruction, ExceptionCause::IllegalInstruction, instruction);
        CHECK(h.hart.reg(3) == 0xDEADu);
    }
    CHECK(h.traps() == illegal.size());
    CHECK(h.hart.instructions() == 0);
}

TEST_CASE("rv32: misaligned loads and stores") {
    Harness h;
    h.install_trap_handler();
    h.poke32(kData, 0x11223344u);
    h.poke32(kData + 4, 0x55667788u);
    h.hart.set_reg(1, kData);
    h.hart.set_reg(5, 0xA5A5A5A5u);

    const struct {
        uint32_t instruction;
        ExceptionCause cause;
        uint32_t addr;
    } cases[] = {
        {load(kLh, 3, 1, 1), ExceptionCause::LoadAddressMisaligned, kData + 1},
        {load(kLhu, 3, 1, 3), ExceptionCause::LoadAddressMisaligned, kData + 3},
        {load(kLw, 3, 1, 2), ExceptionCause::LoadAddressMisaligned, kData + 2},
        {load(kLw, 3, 1, 1), ExceptionCause::LoadAddressMisaligned, kData + 1},
        {store(kSh, 1, 5, 1), ExceptionCause::StoreAddressMisaligned, kData + 1},
        {store(kSw, 1, 5, 2), ExceptionCause::StoreAddressMisaligned, kData + 2},
        {store(kSw, 1, 5, 3), ExceptionCause::StoreAddressMisaligned, kData + 3},
    };
    for (const auto& c : cases) {
        CAPTURE(c.instruction);
        h.hart.set_reg(3, 0xDEAD);
        h.exec_expecting_exception(c.instruction, c.cause, c.addr);
        CHECK(h.hart.reg(3) == 0xDEADu);
    }
    CHECK(h.peek32(kData) == 0x11223344u);
    CHECK(h.peek32(kData + 4) == 0x55667788u);

    // Byte accesses are never misaligned.
    h.exec(load(kLbu, 3, 1, 3));
    CHECK(h.hart.reg(3) == 0x11u);
}

TEST_CASE("rv32: access faults on unmapped addresses") {
    Harness h;
    h.install_trap_handler();
    h.hart.set_reg(1, kUnmapped);
    h.hart.set_reg(2, kDeviceBase + kDeviceSize);  // just past the device
    h.hart.set_reg(5, 0x12345678u);

    SUBCASE("loads") {
        h.hart.set_reg(3, 0xDEAD);
        h.exec_expecting_exception(load(kLw, 3, 1, 0), ExceptionCause::LoadAccessFault, kUnmapped);
        h.exec_expecting_exception(load(kLb, 3, 1, 5), ExceptionCause::LoadAccessFault, kUnmapped + 5);
        h.exec_expecting_exception(load(kLhu, 3, 2, 0), ExceptionCause::LoadAccessFault,
                                   kDeviceBase + kDeviceSize);
        CHECK(h.hart.reg(3) == 0xDEADu);
    }
    SUBCASE("stores") {
        h.exec_expecting_exception(store(kSw, 1, 5, 8), ExceptionCause::StoreAccessFault, kUnmapped + 8);
        h.exec_expecting_exception(store(kSb, 1, 5, -1), ExceptionCause::StoreAccessFault, kUnmapped - 1);
        h.exec_expecting_exception(store(kSh, 2, 5, 0), ExceptionCause::StoreAccessFault,
                                   kDeviceBase + kDeviceSize);
    }
    CHECK(h.bus.device_accesses.empty());
}

TEST_CASE("rv32: fetch from an unmapped address") {
    Harness h;
    h.install_trap_handler();
    h.hart.set_reg(1, kUnmapped);
    h.exec(jalr(0, 1, 0));  // the jump itself is fine and retires
    CHECK(h.hart.pc() == kUnmapped);
    CHECK(h.hart.instructions() == 1);

    CHECK(h.hart.step() == StopReason::CycleLimit);
    CHECK(h.hart.pc() == kHandler);
    CHECK(h.csr(csr::kMcause) == static_cast<uint32_t>(ExceptionCause::InstructionAccessFault));
    CHECK(h.csr(csr::kMepc) == kUnmapped);
    CHECK(h.csr(csr::kMtval) == kUnmapped);
    CHECK(h.hart.instructions() == 1);
}

TEST_CASE("rv32: jumps and taken branches to a misaligned target") {
    Harness h;
    h.install_trap_handler();
    const uint32_t start = kRamBase + 0x100;
    h.hart.set_pc(start);
    h.hart.set_reg(1, 0xDEAD);
    h.hart.set_reg(2, kRamBase + 0x200);

    SUBCASE("jal") { h.exec_expecting_exception(jal(1, 6), ExceptionCause::InstructionAddressMisaligned, start + 6); }
    SUBCASE("jalr") {
        h.exec_expecting_exception(jalr(1, 2, 2), ExceptionCause::InstructionAddressMisaligned, kRamBase + 0x202);
    }
    SUBCASE("jalr with bit 0 set: cleared, bit 1 still misaligned") {
        h.exec_expecting_exception(jalr(1, 2, 3), ExceptionCause::InstructionAddressMisaligned, kRamBase + 0x202);
    }
    SUBCASE("taken branch") {
        h.exec_expecting_exception(branch(kBeq, 0, 0, 6), ExceptionCause::InstructionAddressMisaligned,
                                   start + 6);
    }
    SUBCASE("not-taken branch does not trap") {
        h.exec(branch(kBne, 0, 0, 6));
        CHECK(h.hart.pc() == start + 4);
        CHECK(h.traps() == 0);
    }
    CHECK(h.hart.reg(1) == 0xDEADu);  // the link register is not written
}

TEST_CASE("rv32: trap entry and MRET") {
    Harness h;
    h.install_trap_handler();
    // Handler: mepc += 4; mret
    h.load_program({csrr(5, csr::kMepc), addi(5, 5, 4), csrw(csr::kMepc, 5), kMret}, kHandler);
    const uint32_t ecall_pc = kRamBase + 0x10;
    h.hart.set_pc(ecall_pc);

    SUBCASE("with MIE set") {
        REQUIRE(h.hart.write_csr(csr::kMstatus, csr::kMstatusMie));
        h.exec(kEcall);
        CHECK(h.hart.pc() == kHandler);
        const uint32_t in_handler = h.csr(csr::kMstatus);
        CHECK((in_handler & csr::kMstatusMie) == 0);
        CHECK((in_handler & csr::kMstatusMpie) != 0);
        CHECK((in_handler & csr::kMstatusMpp) == csr::kMstatusMpp);
        for (int i = 0; i < 3; ++i) h.hart.step();
        const uint64_t cycles = h.hart.cycles();
        h.hart.step();  // mret
        CHECK(h.hart.cycles() - cycles == h.cpi.system_cycles);
        CHECK(h.hart.pc() == ecall_pc + 4);
        const uint32_t after = h.csr(csr::kMstatus);
        CHECK((after & csr::kMstatusMie) != 0);
        CHECK((after & csr::kMstatusMpie) != 0);
        CHECK((after & csr::kMstatusMpp) == csr::kMstatusMpp);
    }
    SUBCASE("with MIE clear") {
        h.exec(kEcall);
        CHECK((h.csr(csr::kMstatus) & (csr::kMstatusMie | csr::kMstatusMpie)) == 0);
        for (int i = 0; i < 4; ++i) h.hart.step();
        CHECK(h.hart.pc() == ecall_pc + 4);
        const uint32_t after = h.csr(csr::kMstatus);
        CHECK((after & csr::kMstatusMie) == 0);
        CHECK((after & csr::kMstatusMpie) != 0);
    }
    SUBCASE("mret returns to mepc as written") {
        REQUIRE(h.hart.write_csr(csr::kMepc, kRamBase + 0x300));
        h.hart.set_pc(kHandler + 12);
        h.hart.step();
        CHECK(h.hart.pc() == kRamBase + 0x300);
    }
    CHECK(h.hart.reg(0) == 0);
}

TEST_CASE("rv32: a trapping instruction does not retire") {
    Harness h;
    h.install_trap_handler();
    h.exec(addi(1, 0, 1));
    REQUIRE(h.hart.instructions() == 1);
    const uint32_t minstret = h.csr(csr::kMinstret);
    h.hart.set_reg(3, 0xDEAD);
    h.hart.set_reg(4, kUnmapped);

    SUBCASE("ecall") { h.exec(kEcall); }
    SUBCASE("ebreak") { h.exec(kEbreak); }
    SUBCASE("illegal csr access") { h.exec(csrr(3, 0x180)); }
    SUBCASE("load access fault") { h.exec(load(kLw, 3, 4, 0)); }
    SUBCASE("misaligned jal") { h.exec(jal(3, 2)); }
    CHECK(h.traps() == 1);
    CHECK(h.hart.pc() == kHandler);
    CHECK(h.hart.instructions() == 1);
    CHECK(h.csr(csr::kMinstret) == minstret);
    CHECK(h.hart.reg(3) == 0xDEADu);
}

// ===============================================================================================================
// Interrupts

TEST_CASE("rv32: interrupts") {
    Harness h;
    const uint32_t pc = kRamBase + 0x20;
    h.hart.set_pc(pc);
    h.poke32(pc, addi(1, 1, 1));
    REQUIRE(h.hart.write_csr(csr::kMstatus, csr::kMstatusMie));
    REQUIRE(h.hart.write_csr(csr::kMie, csr::kInterruptBits));

    SUBCASE("vectored mtvec: interrupts go to base + 4 * cause") {
        h.install_trap_handler(kHandler | 1);
        h.hart.set_interrupt_pending(csr::kMtip, true);
        CHECK(h.csr(csr::kMip) == csr::kMtip);
        CHECK(h.hart.step() == StopReason::CycleLimit);
        CHECK(h.hart.pc() == kHandler + 4 * 7);
        CHECK(h.csr(csr::kMcause) == mcause_of(InterruptCause::MachineTimer));
        CHECK(h.csr(csr::kMepc) == pc);  // the interrupted instruction did not execute
        CHECK(h.csr(csr::kMtval) == 0);
        CHECK(h.hart.reg(1) == 0);
        const uint32_t mstatus = h.csr(csr::kMstatus);
        CHECK((mstatus & csr::kMstatusMie) == 0);
        CHECK((mstatus & csr::kMstatusMpie) != 0);
        CHECK(h.hart.interrupts_taken() == 1);
    }
    SUBCASE("vectored mtvec: exceptions go to base") {
        h.install_trap_handler(kHandler | 1);
        h.poke32(pc, kEcall);
        h.hart.step();
        CHECK(h.hart.pc() == kHandler);
        CHECK(h.csr(csr::kMcause) == static_cast<uint32_t>(ExceptionCause::EcallFromM));
    }
    SUBCASE("direct mtvec: interrupts go to base") {
        h.install_trap_handler(kHandler);
        h.hart.set_interrupt_pending(csr::kMeip, true);
        h.hart.step();
        CHECK(h.hart.pc() == kHandler);
        CHECK(h.csr(csr::kMcause) == mcause_of(InterruptCause::MachineExternal));
    }
    SUBCASE("priority MEI > MSI > MTI") {
        h.install_trap_handler(kHandler | 1);
        h.hart.set_interrupt_pending(csr::kMtip, true);
        h.hart.set_interrupt_pending(csr::kMsip, true);
        h.hart.set_interrupt_pending(csr::kMeip, true);
        const InterruptCause expected_order[] = {InterruptCause::MachineExternal, InterruptCause::MachineSoftware,
                                                 InterruptCause::MachineTimer};
        for (InterruptCause cause : expected_order) {
            CAPTURE(static_cast<uint32_t>(cause));
            h.hart.set_pc(pc);
            REQUIRE(h.hart.write_csr(csr::kMstatus, csr::kMstatusMie));
            h.hart.step();
            CHECK(h.csr(csr::kMcause) == mcause_of(cause));
            CHECK(h.hart.pc() == kHandler + 4 * static_cast<uint32_t>(cause));
            h.hart.set_interrupt_pending(bit_of(cause), false);  // the handler acknowledges it
        }
        CHECK(h.csr(csr::kMip) == 0);
    }
    SUBCASE("disabled by mstatus.MIE = 0") {
        h.install_trap_handler(kHandler | 1);
        REQUIRE(h.hart.write_csr(csr::kMstatus, 0));
        h.hart.set_interrupt_pending(csr::kMeip, true);
        h.hart.step();
        CHECK(h.hart.pc() == pc + 4);
        CHECK(h.hart.reg(1) == 1);
        CHECK(h.traps() == 0);
    }
    SUBCASE("disabled by the mie bit") {
        h.install_trap_handler(kHandler | 1);
        REQUIRE(h.hart.write_csr(csr::kMie, csr::kMsip | csr::kMeip));
        h.hart.set_interrupt_pending(csr::kMtip, true);
        h.hart.step();
        CHECK(h.hart.pc() == pc + 4);
        CHECK(h.hart.reg(1) == 1);
        CHECK(h.traps() == 0);
    }
    SUBCASE("taken at the start of run()") {
        h.install_trap_handler(kHandler | 1);
        h.load_program({addi(10, 0, 42), jal(0, 0)}, kHandler + 4 * 3);
        h.hart.set_interrupt_pending(csr::kMsip, true);
        CHECK(h.run_for(100) == StopReason::CycleLimit);
        CHECK(h.hart.reg(10) == 42);
        CHECK(h.hart.reg(1) == 0);
        CHECK(h.csr(csr::kMcause) == mcause_of(InterruptCause::MachineSoftware));
        CHECK(h.csr(csr::kMepc) == pc);
    }
}

TEST_CASE("rv32: enabling interrupts from software ends the block so the interrupt is taken") {
    Harness h;
    h.install_trap_handler(kHandler);
    REQUIRE(h.hart.write_csr(csr::kMie, csr::kMtip));
    h.hart.set_interrupt_pending(csr::kMtip, true);
    h.load_program({csr_op(kCsrrsi, 0, csr::kMstatus, csr::kMstatusMie), addi(6, 0, 1), jal(0, 0)});
    h.load_program({jal(0, 0)}, kHandler);

    CHECK(h.run_for(1000) == StopReason::Yield);
    CHECK(h.hart.pc() == kRamBase + 4);
    CHECK(h.hart.reg(6) == 0);
    CHECK(h.run_for(1000) == StopReason::CycleLimit);
    CHECK(h.csr(csr::kMcause) == mcause_of(InterruptCause::MachineTimer));
    CHECK(h.csr(csr::kMepc) == kRamBase + 4);
    CHECK(h.hart.reg(6) == 0);
}

TEST_CASE("rv32: mip is driven from outside only") {
    Harness h;
    h.hart.set_reg(5, csr::kInterruptBits);
    h.exec(csr_op(kCsrrs, 0, csr::kMip, 5));
    h.exec(csr_op(kCsrrsi, 0, csr::kMip, 8));  // MSIP
    CHECK(h.csr(csr::kMip) == 0);

    h.hart.set_interrupt_pending(csr::kMtip, true);
    h.hart.set_interrupt_pending(csr::kMsip, true);
    CHECK(h.csr(csr::kMip) == (csr::kMtip | csr::kMsip));
    h.exec(csr_op(kCsrrc, 0, csr::kMip, 5));
    h.exec(csr_op(kCsrrw, 0, csr::kMip, 0));
    CHECK(h.csr(csr::kMip) == (csr::kMtip | csr::kMsip));
    h.hart.set_interrupt_pending(csr::kMtip, false);
    CHECK(h.csr(csr::kMip) == csr::kMsip);
    CHECK(h.traps() == 0);
}

TEST_CASE("rv32: WFI") {
    Harness h;
    h.load_program({kWfi, addi(1, 0, 5), jal(0, 0)});

    SUBCASE("stops with Wfi when no enabled interrupt is pending") {
        h.hart.set_interrupt_pending(csr::kMtip, true);  // pending but not enabled in mie
        CHECK(h.run_for(1000) == StopReason::Wfi);
        CHECK(h.hart.pc() == kRamBase + 4);
        CHECK(h.hart.reg(1) == 0);
        CHECK(h.hart.wfi_count() == 1);
        CHECK(h.hart.instructions() == 1);
    }
    SUBCASE("step() reports Wfi too") {
        CHECK(h.hart.step() == StopReason::Wfi);
        CHECK(h.hart.pc() == kRamBase + 4);
    }
    SUBCASE("is a no-op when an enabled interrupt is pending, even with mstatus.MIE = 0") {
        REQUIRE(h.hart.write_csr(csr::kMie, csr::kMtip));
        h.hart.set_interrupt_pending(csr::kMtip, true);
        CHECK(h.hart.interrupt_wakes_wfi());
        CHECK(h.run_for(100) == StopReason::CycleLimit);
        CHECK(h.hart.reg(1) == 5);
        CHECK(h.hart.wfi_count() == 0);
        CHECK(h.traps() == 0);
    }
}

// ===============================================================================================================
// Fault reporting

TEST_CASE("rv32: unhandled exceptions stop the hart with a fault report") {
    Harness h;  // mtvec = 0 after reset: nothing there

    SUBCASE("step()") {
        h.poke32(kRamBase, 0xFFFFFFFFu);
        CHECK(h.hart.step() == StopReason::Fault);
        REQUIRE(h.hart.fault().has_value());
        const auto& fault = *h.hart.fault();
        CHECK(fault.hart_id == Harness::kHartId);
        CHECK(fault.pc == kRamBase);
        CHECK(fault.instruction == 0xFFFFFFFFu);
        CHECK(fault.cause == static_cast<uint32_t>(ExceptionCause::IllegalInstruction));
        CHECK(fault.tval == 0xFFFFFFFFu);
        CHECK(h.hart.pc() == kRamBase);
        const std::string text = fault.describe();
        CHECK(text.find("hart 7") != std::string::npos);
        CHECK(text.find("0x80000000") != std::string::npos);
        CHECK(text.find("illegal instruction") != std::string::npos);
    }
    SUBCASE("run() after some progress") {
        h.load_program({addi(1, 0, 1), addi(2, 0, 2), kEcall, addi(3, 0, 3)});
        CHECK(h.run_for(1000) == StopReason::Fault);
        REQUIRE(h.hart.fault().has_value());
        CHECK(h.hart.fault()->pc == kRamBase + 8);
        CHECK(h.hart.fault()->instruction == kEcall);
        CHECK(h.hart.fault()->cause == static_cast<uint32_t>(ExceptionCause::EcallFromM));
        CHECK(h.hart.fault()->tval == 0);
        CHECK(h.hart.reg(1) == 1);
        CHECK(h.hart.reg(2) == 2);
        CHECK(h.hart.reg(3) == 0);
        CHECK(h.hart.fault()->describe().find("environment call") != std::string::npos);
    }
    SUBCASE("misaligned load, handler at an unmapped non-zero address") {
        h.install_trap_handler(kUnmapped);
        h.hart.set_reg(1, kData + 2);
        h.poke32(kRamBase, load(kLw, 3, 1, 0));
        CHECK(h.run_for(1000) == StopReason::Fault);
        REQUIRE(h.hart.fault().has_value());
        CHECK(h.hart.fault()->cause == static_cast<uint32_t>(ExceptionCause::LoadAddressMisaligned));
        CHECK(h.hart.fault()->tval == kData + 2);
        CHECK(h.hart.fault()->describe().find("load address misaligned") != std::string::npos);
    }
    SUBCASE("fetch fault: no instruction bits") {
        h.hart.set_pc(kUnmapped);
        CHECK(h.hart.step() == StopReason::Fault);
        REQUIRE(h.hart.fault().has_value());
        CHECK(h.hart.fault()->pc == kUnmapped);
        CHECK(h.hart.fault()->instruction == 0);
        CHECK(h.hart.fault()->cause == static_cast<uint32_t>(ExceptionCause::InstructionAccessFault));
        CHECK(h.hart.fault()->tval == kUnmapped);
        CHECK(h.hart.fault()->describe().find("0x40000000") != std::string::npos);
    }
    SUBCASE("reset clears the fault") {
        h.poke32(kRamBase, 0);
        CHECK(h.hart.step() == StopReason::Fault);
        h.hart.reset(kRamBase);
        CHECK_FALSE(h.hart.fault().has_value());
    }
}

TEST_CASE("rv32: unhandled interrupt names the interrupt in the fault report") {
    Harness h;  // mtvec = 0
    REQUIRE(h.hart.write_csr(csr::kMstatus, csr::kMstatusMie));
    REQUIRE(h.hart.write_csr(csr::kMie, csr::kMtip));
    h.hart.set_interrupt_pending(csr::kMtip, true);
    CHECK(h.hart.step() == StopReason::Fault);
    REQUIRE(h.hart.fault().has_value());
    CHECK(h.hart.fault()->cause == mcause_of(InterruptCause::MachineTimer));
    CHECK(h.hart.fault()->describe().find("machine timer interrupt") != std::string::npos);
}

// ===============================================================================================================
// Memory paths and run() control

TEST_CASE("rv32: device accesses use the slow path with the right size and value") {
    Harness h;
    h.hart.set_reg(1, kDeviceBase);
    h.hart.set_reg(5, 0x12345678u);

    SUBCASE("stores") {
        h.exec(store(kSb, 1, 5, 1));
        h.exec(store(kSh, 1, 5, 2));
        h.exec(store(kSw, 1, 5, 4));
        REQUIRE(h.bus.device_accesses.size() == 3);
        const DeviceAccess& sb = h.bus.device_accesses[0];
        const DeviceAccess& sh = h.bus.device_accesses[1];
        const DeviceAccess& sw = h.bus.device_accesses[2];
        CHECK((sb.is_write && sb.addr == kDeviceBase + 1 && sb.size == 1 && sb.value == 0x78u));
        CHECK((sh.is_write && sh.addr == kDeviceBase + 2 && sh.size == 2 && sh.value == 0x5678u));
        CHECK((sw.is_write && sw.addr == kDeviceBase + 4 && sw.size == 4 && sw.value == 0x12345678u));
    }
    SUBCASE("loads") {
        h.bus.device_registers[kDeviceBase + 8] = 0x80;
        h.bus.device_registers[kDeviceBase + 12] = 0x87658001u;
        const struct {
            uint32_t instruction;
            unsigned size;
            uint32_t expected;
        } cases[] = {
            {load(kLb, 3, 1, 8), 1, 0xFFFFFF80u},
            {load(kLbu, 3, 1, 8), 1, 0x80u},
            {load(kLh, 3, 1, 12), 2, 0xFFFF8001u},
            {load(kLhu, 3, 1, 12), 2, 0x8001u},
            {load(kLw, 3, 1, 12), 4, 0x87658001u},
        };
        for (const auto& c : cases) {
            CAPTURE(c.instruction);
            h.bus.device_accesses.clear();
            h.exec(c.instruction);
            CHECK(h.hart.reg(3) == c.expected);
            REQUIRE(h.bus.device_accesses.size() == 1);
            CHECK_FALSE(h.bus.device_accesses[0].is_write);
            CHECK(h.bus.device_accesses[0].size == c.size);
        }
    }
    SUBCASE("extra cycles reported by the bus are charged") {
        h.bus.device_extra_cycles = 10;
        CHECK(h.cycles_of(load(kLw, 3, 1, 0)) == h.cpi.load_cycles + 10);
        CHECK(h.cycles_of(store(kSw, 1, 5, 0)) == h.cpi.store_cycles + 10);
    }
    CHECK(h.traps() == 0);
}

TEST_CASE("rv32: the slow path sees the cycles elapsed in the block") {
    Harness h;
    h.hart.set_reg(1, kDeviceBase);
    h.load_program({addi(2, 0, 1), addi(2, 2, 1), store(kSw, 1, 2, 0), jal(0, 0)});
    h.run_for(100);
    REQUIRE(h.bus.device_accesses.size() == 1);
    CHECK(h.bus.device_accesses[0].elapsed_cycles == 2 * h.cpi.alu_cycles);
    CHECK(h.bus.device_accesses[0].value == 2);
}

TEST_CASE("rv32: RAM is accessed through the DMI window") {
    Harness h;
    h.bus.ram_read_latency = 5;
    h.bus.ram_write_latency = 4;
    h.poke32(kData, 41);
    h.hart.set_reg(1, kData);
    h.load_program({load(kLw, 2, 1, 0), addi(2, 2, 1), store(kSw, 1, 2, 4), load(kLbu, 3, 1, 4), jal(0, 0)});

    h.hart.step();
    h.hart.step();
    CHECK(h.cycles_of(store(kSw, 1, 2, 4)) == h.cpi.store_cycles + 4);
    CHECK(h.cycles_of(load(kLbu, 3, 1, 4)) == h.cpi.load_cycles + 5);
    CHECK(h.run_for(50) == StopReason::CycleLimit);
    CHECK(h.peek32(kData + 4) == 42);
    CHECK(h.hart.reg(3) == 42);
    CHECK(h.bus.slow_path_calls == 0);
    CHECK(h.bus.dmi_requests == 1);

    h.hart.invalidate_dmi();
    h.run_for(10);
    CHECK(h.bus.dmi_requests == 2);  // the window is asked for again
    CHECK(h.bus.slow_path_calls == 0);
}

TEST_CASE("rv32: run() stops at the cycle limit") {
    Harness h;
    h.load_program({addi(1, 1, 1), jal(0, -4)});  // 1 + 2 cycles per iteration
    const uint64_t limit = h.hart.cycles() + 10;
    CHECK(h.hart.run(limit) == StopReason::CycleLimit);
    CHECK(h.hart.cycles() >= limit);
    CHECK(h.hart.cycles() < limit + h.cpi.jump_cycles);
    CHECK(h.hart.reg(1) == 4);
    CHECK(h.hart.cycles_since_block_start() == h.hart.cycles() - (limit - 10));

    // A limit already reached executes nothing.
    const uint32_t pc = h.hart.pc();
    CHECK(h.hart.run(h.hart.cycles()) == StopReason::CycleLimit);
    CHECK(h.hart.pc() == pc);
}

TEST_CASE("rv32: request_yield() from a bus callback ends the block after the instruction") {
    Harness h;
    h.bus.on_device_access = [&h](const DeviceAccess&) { h.hart.request_yield(); };
    h.hart.set_reg(1, kDeviceBase);
    h.hart.set_reg(5, 0xABCD);
    h.load_program({addi(2, 0, 1), store(kSw, 1, 5, 0), addi(6, 0, 1), jal(0, 0)});

    CHECK(h.run_for(1000) == StopReason::Yield);
    CHECK(h.hart.pc() == kRamBase + 8);  // the store completed
    CHECK(h.hart.instructions() == 2);
    CHECK(h.hart.reg(6) == 0);
    REQUIRE(h.bus.device_accesses.size() == 1);
    CHECK(h.bus.device_accesses[0].value == 0xABCDu);

    CHECK(h.run_for(1000) == StopReason::CycleLimit);  // the next block carries on
    CHECK(h.hart.reg(6) == 1);
    CHECK(h.bus.device_accesses.size() == 1);
}
