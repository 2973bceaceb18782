// Unit tests of the RV32IM instruction-set simulator (model/core/rv32_hart.h): the base integer instructions
// and the M extension. The fixture: rv32_test_harness.h.
#include <doctest/doctest.h>

#include "tests/unit/rv32_test_harness.h"

// Inside the fixture's namespace, not a using-directive: the sanitizer build compiles the tests as one unity
// source, where other files' helpers of the same names live.
namespace npuemu_test::rv32 {

// ===============================================================================================================
// RV32I

TEST_CASE("rv32: encoders produce the reference encodings") {
    // Cross-checked against the GNU assembler's output for the same source lines.
    CHECK(addi(10, 0, 1) == 0x00100513);            // addi a0, zero, 1
    CHECK(addi(1, 1, -1) == 0xFFF08093);            // addi ra, ra, -1
    CHECK(lui(5, 0x12345) == 0x123452B7);           // lui t0, 0x12345
    CHECK(jal(1, 8) == 0x008000EF);                 // jal ra, .+8
    CHECK(jal(0, -4) == 0xFFDFF06F);                // j .-4
    CHECK(branch(kBne, 10, 11, -8) == 0xFEB51CE3);  // bne a0, a1, .-8
    CHECK(store(kSw, 2, 1, 12) == 0x00112623);      // sw ra, 12(sp)
    CHECK(load(kLw, 1, 2, 12) == 0x00C12083);       // lw ra, 12(sp)
    CHECK(op(kSub, 10, 10, 11) == 0x40B50533);      // sub a0, a0, a1
    CHECK(csrr(10, csr::kMhartid) == 0xF1402573);   // csrr a0, mhartid
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
        CHECK(h.hart.cycles() - cycles == (c.taken ? h.cpi.branch_taken_cycles : h.cpi.branch_not_taken_cycles));
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
        addi(0, 0, 123),    lui(0, 0x12345),        auipc(0, 1),   op(kAdd, 0, 1, 2), op(kMul, 0, 2, 2),
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

}  // namespace npuemu_test::rv32
