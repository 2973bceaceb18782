// The ISS's debugger support (Rv32Hart::set_debug): breakpoints, watchpoints, single step, ebreak in place, retrying
// a fault, and that the debug path executes exactly what the plain path does.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "model/core/rv32_hart.h"
#include "tests/unit/rv32_test_harness.h"

namespace {

using npuemu::core::BusStatus;
using npuemu::core::CpiTable;
using npuemu::core::DebugStop;
using npuemu::core::DebugTriggers;
using npuemu::core::DmiWindow;
using npuemu::core::HartBus;
using npuemu::core::Rv32Hart;
using npuemu::core::Watchpoint;
using StopReason = Rv32Hart::StopReason;
namespace csr = npuemu::core::csr;

constexpr uint32_t kRam = 0x80000000u, kRamSize = 0x10000, kData = kRam + 0x4000, kDevice = 0x10000000u;

// The encoders are the hart tests' (rv32_test_harness.h); this file's bus and fixture are its own.
namespace rv = npuemu_test::rv32;
using rv::addi;
using rv::kEbreak;
using rv::kWfi;
constexpr uint32_t lw(uint32_t rd, uint32_t rs1, int32_t imm) { return rv::load(rv::kLw, rd, rs1, imm); }
constexpr uint32_t lb(uint32_t rd, uint32_t rs1, int32_t imm) { return rv::load(rv::kLb, rd, rs1, imm); }
constexpr uint32_t sw(uint32_t rs1, uint32_t rs2, int32_t imm) { return rv::store(rv::kSw, rs1, rs2, imm); }
constexpr uint32_t sb(uint32_t rs1, uint32_t rs2, int32_t imm) { return rv::store(rv::kSb, rs1, rs2, imm); }
constexpr uint32_t jal_self() { return rv::jal(0, 0); }

class Bus : public HartBus {
public:
    std::vector<uint8_t> ram = std::vector<uint8_t>(kRamSize, 0);
    unsigned device_writes = 0;
    bool request_dmi(uint32_t addr, DmiWindow& w) override {
        if (addr < kRam || addr - kRam >= kRamSize) return false;
        w.base = kRam;
        w.last = kRam + kRamSize - 1;
        w.host = ram.data();
        w.readable = w.writable = true;
        return true;
    }
    BusStatus read(uint32_t addr, unsigned, uint32_t& value, uint64_t, uint64_t* extra) override {
        *extra = 0;
        value = 0;
        return addr >= kDevice && addr < kDevice + 0x100 ? BusStatus::Ok : BusStatus::AccessFault;
    }
    BusStatus write(uint32_t addr, unsigned, uint32_t, uint64_t, uint64_t* extra) override {
        *extra = 0;
        ++device_writes;
        return addr >= kDevice && addr < kDevice + 0x100 ? BusStatus::Ok : BusStatus::AccessFault;
    }
    uint64_t mtime(uint64_t) override { return 0; }
};

struct Harness {
    Bus bus;
    CpiTable cpi;
    Rv32Hart hart{0, cpi, bus};
    DebugTriggers triggers;
    Harness() { hart.reset(kRam); }
    void program(std::initializer_list<uint32_t> code, uint32_t at = kRam) {
        for (uint32_t word : code) {
            std::memcpy(&bus.ram[at - kRam], &word, 4);
            at += 4;
        }
    }
    uint32_t word(uint32_t addr) const {
        uint32_t v;
        std::memcpy(&v, &bus.ram[addr - kRam], 4);
        return v;
    }
    StopReason run(uint64_t cycles = 100000) { return hart.run(hart.cycles() + cycles); }
};

// A loop that adds 1 to x5 and stores it at kData, forever: addi, sw, jal back.
void counting_loop(Harness& h) {
    h.hart.set_reg(1, kData);
    h.program({addi(5, 5, 1), sw(1, 5, 0), lw(6, 1, 0), 0xFF5FF06F /* jal x0, -12 */});
}

}  // namespace

TEST_CASE("rv32 debug: a breakpoint stops before its instruction, every time it is reached") {
    Harness h;
    counting_loop(h);
    h.triggers.breakpoints = {kRam + 4};
    h.hart.set_debug(&h.triggers, false, false);
    CHECK(h.run() == StopReason::Debug);
    CHECK(h.hart.debug_stop().kind == DebugStop::Kind::Breakpoint);
    CHECK(h.hart.pc() == kRam + 4);
    CHECK(h.hart.reg(5) == 1);
    CHECK(h.word(kData) == 0);  // the store did not execute
    // Resuming at a breakpoint stops there again at once: stepping over it is the debugger's job.
    CHECK(h.run() == StopReason::Debug);
    CHECK(h.hart.instructions() == 1);
    // A single step executes it even though a breakpoint is there.
    h.hart.set_debug(&h.triggers, true, false);
    CHECK(h.run() == StopReason::Debug);
    CHECK(h.hart.debug_stop().kind == DebugStop::Kind::Step);
    CHECK(h.hart.pc() == kRam + 8);
    CHECK(h.word(kData) == 1);
    h.hart.set_debug(&h.triggers, false, false);
    CHECK(h.run() == StopReason::Debug);  // around the loop once more
    CHECK(h.hart.pc() == kRam + 4);
    CHECK(h.hart.reg(5) == 2);
}

TEST_CASE("rv32 debug: no triggers, no step: run() is the plain path and never stops for the debugger") {
    Harness h;
    counting_loop(h);
    DebugTriggers none;
    h.hart.set_debug(&none, false, false);
    CHECK(h.run(1000) == StopReason::CycleLimit);
    CHECK(h.hart.reg(5) > 10);
}

TEST_CASE("rv32 debug: watchpoints stop after the access, naming the address; reads and writes apart") {
    Harness h;
    counting_loop(h);

    SUBCASE("write watch") {
        h.triggers.watchpoints = {Watchpoint{kData, 4, false, true}};
        h.hart.set_debug(&h.triggers, false, false);
        CHECK(h.run() == StopReason::Debug);
        CHECK(h.hart.debug_stop().kind == DebugStop::Kind::Watchpoint);
        CHECK(h.hart.debug_stop().write);
        CHECK(h.hart.debug_stop().data_address == kData);
        CHECK(h.hart.pc() == kRam + 8);  // after the store
        CHECK(h.word(kData) == 1);       // which completed
    }
    SUBCASE("read watch") {
        h.triggers.watchpoints = {Watchpoint{kData, 4, true, false}};
        h.hart.set_debug(&h.triggers, false, false);
        CHECK(h.run() == StopReason::Debug);
        CHECK_FALSE(h.hart.debug_stop().write);
        CHECK(h.hart.pc() == kRam + 12);  // after the load
        CHECK(h.hart.reg(6) == 1);
    }
    SUBCASE("a watch on one byte inside a word access reports the watched byte") {
        h.triggers.watchpoints = {Watchpoint{kData + 2, 1, true, true}};
        h.hart.set_debug(&h.triggers, false, false);
        CHECK(h.run() == StopReason::Debug);
        CHECK(h.hart.debug_stop().data_address == kData + 2);
    }
    SUBCASE("accesses next to the watched range do not trigger") {
        h.hart.set_reg(1, kData + 4);
        h.triggers.watchpoints = {Watchpoint{kData, 4, true, true}};
        h.hart.set_debug(&h.triggers, false, false);
        CHECK(h.run(1000) == StopReason::CycleLimit);
    }
}

TEST_CASE("rv32 debug: byte accesses and device stores are watched too") {
    Harness h;
    h.hart.set_reg(1, kDevice);
    h.hart.set_reg(2, kData);
    h.program({sb(2, 0, 3), lb(3, 2, 3), sw(1, 0, 0), jal_self()});
    h.triggers.watchpoints = {Watchpoint{kData + 3, 1, true, true}, Watchpoint{kDevice, 4, false, true}};
    h.hart.set_debug(&h.triggers, false, false);
    CHECK(h.run() == StopReason::Debug);
    CHECK(h.hart.pc() == kRam + 4);
    CHECK(h.run() == StopReason::Debug);
    CHECK(h.hart.pc() == kRam + 8);
    CHECK(h.run() == StopReason::Debug);  // the device store: a watch hit, not a mere yield
    CHECK(h.hart.debug_stop().data_address == kDevice);
    CHECK(h.bus.device_writes == 1);
}

TEST_CASE("rv32 debug: single step executes one instruction and takes no interrupt; wfi acts as a nop") {
    Harness h;
    h.program({addi(5, 0, 1), kWfi, addi(5, 5, 1), jal_self()});
    REQUIRE(h.hart.write_csr(csr::kMtvec, kRam + 0x100));
    REQUIRE(h.hart.write_csr(csr::kMie, csr::kMtip));
    REQUIRE(h.hart.write_csr(csr::kMstatus, csr::kMstatusMie));
    h.hart.set_interrupt_pending(csr::kMtip, true);  // would be taken at once by a plain run()
    h.hart.set_debug(nullptr, true, false);
    for (uint32_t expected_pc : {kRam + 4, kRam + 8, kRam + 12}) {
        CHECK(h.run() == StopReason::Debug);
        CHECK(h.hart.debug_stop().kind == DebugStop::Kind::Step);
        CHECK(h.hart.pc() == expected_pc);
    }
    CHECK(h.hart.reg(5) == 2);
    CHECK(h.hart.interrupts_taken() == 0);
    h.hart.set_debug(nullptr, false, false);
    CHECK(h.run(10) == StopReason::CycleLimit);
    CHECK(h.hart.interrupts_taken() == 1);  // once the debugger lets go
}

TEST_CASE("rv32 debug: ebreak stops in place under a debugger, and traps without one") {
    Harness h;
    h.program({addi(5, 0, 1), kEbreak, addi(5, 5, 1), jal_self()});
    REQUIRE(h.hart.write_csr(csr::kMtvec, kRam + 0x100));
    h.program({jal_self()}, kRam + 0x100);
    h.hart.set_debug(nullptr, false, true);
    CHECK(h.run() == StopReason::Debug);
    CHECK(h.hart.debug_stop().kind == DebugStop::Kind::Ebreak);
    CHECK(h.hart.pc() == kRam + 4);
    CHECK(h.hart.instructions() == 1);  // the ebreak did not retire
    CHECK(h.hart.traps_taken() == 0);
    // Without a debugger the same ebreak traps to the firmware's handler.
    h.hart.set_debug(nullptr, false, false);
    CHECK(h.run(20) == StopReason::CycleLimit);
    CHECK(h.hart.traps_taken() == 1);
    CHECK(h.hart.pc() == kRam + 0x100);
}

TEST_CASE("rv32 debug: a fault can be retried after clear_fault()") {
    Harness h;  // no trap handler
    h.hart.set_reg(1, 0x30000000u);
    h.program({lw(2, 1, 0), addi(5, 0, 9), jal_self()});
    CHECK(h.run() == StopReason::Fault);
    CHECK(h.hart.pc() == kRam);
    h.hart.set_reg(1, kData);  // the debugger repairs the pointer
    h.hart.clear_fault();
    CHECK(h.run(20) == StopReason::CycleLimit);
    CHECK(h.hart.reg(5) == 9);
}

TEST_CASE("rv32 debug: the debug path computes the same state and cycles as the plain path") {
    Harness plain, debug;
    for (Harness* h : {&plain, &debug}) {
        counting_loop(*h);
        REQUIRE(h->hart.write_csr(csr::kMtvec, kRam + 0x100));
    }
    debug.triggers.breakpoints = {kRam + 0x200};  // never reached
    debug.triggers.watchpoints = {Watchpoint{kData + 0x100, 4, true, true}};
    debug.hart.set_debug(&debug.triggers, false, false);
    CHECK(plain.run(5000) == StopReason::CycleLimit);
    CHECK(debug.run(5000) == StopReason::CycleLimit);
    CHECK(plain.hart.cycles() == debug.hart.cycles());
    CHECK(plain.hart.instructions() == debug.hart.instructions());
    CHECK(plain.hart.pc() == debug.hart.pc());
    CHECK(plain.hart.reg(5) == debug.hart.reg(5));
}
