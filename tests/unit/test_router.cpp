// Address decoding of the router: priorities, overlap rules, and how far a DMI window may reach.
#include <doctest/doctest.h>

#include "model/common/error.h"
#include "model/mem/ram.h"
#include "model/soc/router.h"

using npuemu::soc::Router;

namespace {

// Each test makes its own modules; names must be unique in the SystemC hierarchy.
std::string unique_name(const char* base) {
    static int counter = 0;
    return std::string(base) + std::to_string(counter++);
}

struct RouterWithRam {
    Router router{unique_name("router").c_str()};
    npuemu::mem::Ram ram{unique_name("ram").c_str(), 0x10000, sc_core::SC_ZERO_TIME};
    npuemu::mem::Ram overlay{unique_name("overlay").c_str(), 0x100, sc_core::SC_ZERO_TIME};
    npuemu::mem::Ram other{unique_name("other").c_str(), 0x1000, sc_core::SC_ZERO_TIME};
};

}  // namespace

TEST_CASE("router: decodes to the range that holds the address, the highest priority winning") {
    RouterWithRam f;
    f.router.attach(f.ram.socket, 0x80000000, 0x10000, "ram", Router::Holds::Memory);
    f.router.attach(f.overlay.socket, 0x80001000, 0x100, "overlay", Router::Holds::Memory, 1);
    f.router.attach(f.other.socket, 0x10000000, 0x1000, "other", Router::Holds::Registers);

    REQUIRE(f.router.decode(0x80000000));
    CHECK(f.router.decode(0x80000000)->label == "ram");
    CHECK(f.router.decode(0x80000FFF)->label == "ram");
    CHECK(f.router.decode(0x80001000)->label == "overlay");
    CHECK(f.router.decode(0x800010FF)->label == "overlay");
    CHECK(f.router.decode(0x80001100)->label == "ram");
    CHECK(f.router.decode(0x8000FFFF)->label == "ram");
    CHECK(f.router.decode(0x80010000) == nullptr);
    CHECK(f.router.decode(0x10000FFF)->label == "other");
    CHECK(f.router.decode(0x0FFFFFFF) == nullptr);
}

TEST_CASE("router: overlapping ranges of equal priority are a configuration error") {
    RouterWithRam f;
    f.router.attach(f.ram.socket, 0x80000000, 0x10000, "ram", Router::Holds::Memory);
    CHECK_THROWS_WITH_AS(f.router.attach(f.other.socket, 0x8000F000, 0x2000, "other", Router::Holds::Memory),
                         doctest::Contains("overlaps ram"), npuemu::Error);
    CHECK_THROWS_AS(f.router.attach(f.overlay.socket, 0x90000000, 0, "empty", Router::Holds::Memory), npuemu::Error);
}

TEST_CASE("router: a DMI window never covers a higher-priority range") {
    RouterWithRam f;
    f.router.attach(f.ram.socket, 0x80000000, 0x10000, "ram", Router::Holds::Memory);
    f.router.attach(f.overlay.socket, 0x80001000, 0x100, "overlay", Router::Holds::Memory, 1);
    const Router::Range& ram = *f.router.decode(0x80000000);

    SUBCASE("below the overlay the window ends just before it") {
        auto [start, end] = f.router.visible_span(ram, 0x80000010, 0x80000000, 0x8000FFFF);
        CHECK(start == 0x80000000);
        CHECK(end == 0x80000FFF);
    }
    SUBCASE("above the overlay the window starts just after it") {
        auto [start, end] = f.router.visible_span(ram, 0x80002000, 0x80000000, 0x8000FFFF);
        CHECK(start == 0x80001100);
        CHECK(end == 0x8000FFFF);
    }
    SUBCASE("a target's window larger than the range is clipped to the range") {
        auto [start, end] = f.router.visible_span(ram, 0x80005000, 0x7FFF0000, 0x8010FFFF);
        CHECK(start == 0x80001100);
        CHECK(end == 0x8000FFFF);
    }
}

TEST_CASE("router: is_memory accepts ranges made only of memory") {
    RouterWithRam f;
    f.router.attach(f.ram.socket, 0x80000000, 0x10000, "ram", Router::Holds::Memory);
    f.router.attach(f.overlay.socket, 0x80010000, 0x100, "right after", Router::Holds::Memory);
    f.router.attach(f.other.socket, 0x10000000, 0x1000, "registers", Router::Holds::Registers);
    CHECK(f.router.is_memory(0x80000000, 0x10000));
    CHECK(f.router.is_memory(0x8000FF00, 0x200));   // spans two adjacent memories
    CHECK_FALSE(f.router.is_memory(0x8000FF00, 0x201));  // one byte past the second
    CHECK_FALSE(f.router.is_memory(0x7FFFFFFF, 2));      // starts before memory
    CHECK_FALSE(f.router.is_memory(0x10000000, 4));      // device registers
    CHECK_FALSE(f.router.is_memory(0x30000000, 4));      // nothing there
}
