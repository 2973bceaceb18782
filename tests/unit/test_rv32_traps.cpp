// Unit tests of the RV32 hart's exceptions, interrupts and fault reports (model/core/rv32_hart.h). The fixture:
// rv32_test_harness.h.
#include <doctest/doctest.h>

#include "tests/unit/rv32_test_harness.h"

// Inside the fixture's namespace, not a using-directive: the sanitizer build compiles the tests as one unity
// source, where other files' helpers of the same names live.
namespace npuemu_test::rv32 {

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
        0x00000000u,                      // all zeros
        0xFFFFFFFFu,                      // all ones
        0x0000100Bu,                      // custom-0 opcode: unknown here
        0x0000007Bu,                      // custom-3 opcode
        op_imm(1, 3, 1, 0x400 | 1),       // slli with funct7 0x20
        op_imm(1, 3, 1, 0x020 | 1),       // slli with shamt[5] set (RV64 only)
        op_imm(5, 3, 1, 0x020 | 1),       // srli with shamt[5] set
        op_imm(5, 3, 1, 0x600 | 1),       // srai with funct7 0x30
        enc_r(kOpReg, 3, 0, 1, 2, 0x02),  // OP with funct7 0x02
        enc_r(kOpReg, 3, 1, 1, 2, 0x20),  // sll with funct7 0x20
        enc_r(kOpReg, 3, 7, 1, 2, 0x20),  // and with funct7 0x20
        enc_r(kOpReg, 3, 0, 1, 2, 0x40),  // add with funct7 0x40
        load(3, 3, 1, 0),                 // ld (RV64)
        load(6, 3, 1, 0),                 // lwu (RV64)
        load(7, 3, 1, 0),
        store(3, 1, 2, 0),  // sd (RV64)
        branch(2, 1, 2, 8),
        branch(3, 1, 2, 8),
        enc_i(kOpJalr, 3, 1, 1, 0),    // jalr with funct3 1
        enc_i(kOpSystem, 0, 4, 0, 0),  // SYSTEM funct3 4
        0x10200073u,                   // sret: no S-mode
        0x00200073u,                   // uret
        0x000000F3u,                   // ecall with rd = 1
        0x00008073u,                   // ecall with rs1 = 1
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
        h.exec_expecting_exception(load(kLhu, 3, 2, 0), ExceptionCause::LoadAccessFault, kDeviceBase + kDeviceSize);
        CHECK(h.hart.reg(3) == 0xDEADu);
    }
    SUBCASE("stores") {
        h.exec_expecting_exception(store(kSw, 1, 5, 8), ExceptionCause::StoreAccessFault, kUnmapped + 8);
        h.exec_expecting_exception(store(kSb, 1, 5, -1), ExceptionCause::StoreAccessFault, kUnmapped - 1);
        h.exec_expecting_exception(store(kSh, 2, 5, 0), ExceptionCause::StoreAccessFault, kDeviceBase + kDeviceSize);
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
        h.exec_expecting_exception(branch(kBeq, 0, 0, 6), ExceptionCause::InstructionAddressMisaligned, start + 6);
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

}  // namespace npuemu_test::rv32
