// Unit tests of the RV32 hart's Zicsr instructions and machine-mode CSRs (model/core/rv32_hart.h). The fixture:
// rv32_test_harness.h.
#include <doctest/doctest.h>

#include "tests/unit/rv32_test_harness.h"

// Inside the fixture's namespace, not a using-directive: the sanitizer build compiles the tests as one unity
// source, where other files' helpers of the same names live.
namespace npuemu_test::rv32 {

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
            csr_op(kCsrrw, 4, csr::kMvendorid, 5),  csr_op(kCsrrw, 0, csr::kMhartid, 0),
            csr_op(kCsrrs, 4, csr::kMhartid, 5),    csr_op(kCsrrc, 4, csr::kMimpid, 5),
            csr_op(kCsrrwi, 4, csr::kMarchid, 0),   csr_op(kCsrrsi, 4, csr::kMhartid, 1),
            csr_op(kCsrrci, 4, csr::kMvendorid, 1), csr_op(kCsrrw, 4, csr::kCycle, 5),
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
        CHECK(h.hart.cycles() < 1000);                    // the internal count is not affected
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
    CHECK(write_and_read(csr::kMstatus, kMinusOne) == (csr::kMstatusMpp | csr::kMstatusMpie | csr::kMstatusMie));
    CHECK(write_and_read(csr::kMie, kMinusOne) == csr::kInterruptBits);
    CHECK(write_and_read(csr::kMscratch, 0xCAFEF00Du) == 0xCAFEF00Du);
    CHECK(write_and_read(csr::kMcause, 0x8000000Bu) == 0x8000000Bu);
    CHECK(write_and_read(csr::kMtval, 0x1234u) == 0x1234u);
    CHECK(h.traps() == 0);
}

}  // namespace npuemu_test::rv32
