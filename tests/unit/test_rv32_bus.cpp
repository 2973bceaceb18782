// Unit tests of the RV32 hart's memory paths (DMI window, slow device path) and run() control
// (model/core/rv32_hart.h). The fixture: rv32_test_harness.h.
#include <doctest/doctest.h>

#include "tests/unit/rv32_test_harness.h"

// Inside the fixture's namespace, not a using-directive: the sanitizer build compiles the tests as one unity
// source, where other files' helpers of the same names live.
namespace npuemu_test::rv32 {

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
            {load(kLb, 3, 1, 8), 1, 0xFFFFFF80u},  {load(kLbu, 3, 1, 8), 1, 0x80u},
            {load(kLh, 3, 1, 12), 2, 0xFFFF8001u}, {load(kLhu, 3, 1, 12), 2, 0x8001u},
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

}  // namespace npuemu_test::rv32
