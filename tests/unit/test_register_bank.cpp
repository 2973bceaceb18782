// The register bank: accesses decoded from the declared table, sizes and access kinds checked, 8-byte halves merged.
#include <doctest/doctest.h>

#include "model/common/error.h"
#include "model/common/register_bank.h"

using namespace npuemu;

namespace {

enum class Reg : unsigned { STATUS, CONTROL, COUNTER, FLAGS };
constexpr RegisterInfo kTable[] = {
    {"STATUS", 0x00, 1, 4, 4, RegisterAccess::ReadOnly},
    {"CONTROL", 0x04, 1, 4, 4, RegisterAccess::ReadWrite},
    {"COUNTER", 0x08, 2, 8, 8, RegisterAccess::ReadWrite},
    {"FLAGS", 0x40, 4, 4, 4, RegisterAccess::WriteOneToClear},
};

struct Device {
    uint64_t control = 0;
    uint64_t counter[2] = {0, 0};
    uint64_t flags = 0xF;
    RegisterBank bank{"test", kTable};
    Device() {
        bank.on_read(Reg::STATUS, [](unsigned, int64_t) -> uint64_t { return 0x5A; });
        bank.on_read(Reg::CONTROL, [this](unsigned, int64_t) { return control; });
        bank.on_write(Reg::CONTROL, [this](unsigned, uint64_t v, int64_t) { control = v; return true; });
        bank.on_read(Reg::COUNTER, [this](unsigned i, int64_t) { return counter[i]; });
        bank.on_write(Reg::COUNTER, [this](unsigned i, uint64_t v, int64_t) { counter[i] = v; return true; });
        bank.on_read(Reg::FLAGS, [this](unsigned i, int64_t) -> uint64_t { return (flags >> i) & 1; });
        bank.on_write(Reg::FLAGS, [this](unsigned i, uint64_t v, int64_t) {
            if (v & 1) flags &= ~(1ull << i);
            return true;
        });
        bank.check_complete();
    }
};

}  // namespace

TEST_CASE("register bank: reads and writes go to the declared register and instance") {
    Device d;
    uint64_t value = 0;
    CHECK(d.bank.read(0x00, 4, value, 0));
    CHECK(value == 0x5A);
    CHECK(d.bank.write(0x04, 4, 7, 0));
    CHECK(d.control == 7);
    CHECK(d.bank.write(0x10, 8, 0x1122334455667788ull, 0));  // COUNTER[1]
    CHECK(d.counter[1] == 0x1122334455667788ull);
    CHECK(d.bank.write(0x48, 4, 1, 0));  // FLAGS[2]: write 1 to clear
    CHECK(d.flags == 0xB);
    CHECK(d.bank.read(0x48, 4, value, 0));
    CHECK(value == 0);
}

TEST_CASE("register bank: an 8-byte register takes 4-byte accesses to either half") {
    Device d;
    d.counter[0] = 0xAAAAAAAABBBBBBBBull;
    uint64_t value = 0;
    CHECK(d.bank.read(0x0C, 4, value, 0));
    CHECK(value == 0xAAAAAAAAull);
    CHECK(d.bank.write(0x08, 4, 0x12345678, 0));
    CHECK(d.counter[0] == 0xAAAAAAAA12345678ull);
    CHECK(d.bank.write(0x0C, 4, 0x9ABCDEF0, 0));
    CHECK(d.counter[0] == 0x9ABCDEF012345678ull);
}

TEST_CASE("register bank: holes, read-only writes, wrong sizes and misaligned accesses are refused") {
    Device d;
    uint64_t value = 0;
    CHECK_FALSE(d.bank.write(0x00, 4, 1, 0));  // read-only
    CHECK_FALSE(d.bank.read(0x20, 4, value, 0));  // hole between COUNTER and FLAGS
    CHECK_FALSE(d.bank.read(0x04, 8, value, 0));  // 8 bytes of a 4-byte register
    CHECK_FALSE(d.bank.read(0x06, 2, value, 0));
    CHECK_FALSE(d.bank.read(0x0A, 4, value, 0));  // misaligned
    CHECK_FALSE(d.bank.read(0x50, 4, value, 0));  // past FLAGS[3]
    d.bank.limit_instances(Reg::FLAGS, 2);
    CHECK(d.bank.read(0x44, 4, value, 0));
    CHECK_FALSE(d.bank.read(0x48, 4, value, 0));  // beyond the instances present
}

TEST_CASE("register bank: a register left unbound or bound against its access kind is an internal error") {
    RegisterBank bank("test", kTable);
    CHECK_THROWS_WITH_AS(bank.on_write(Reg::STATUS, [](unsigned, uint64_t, int64_t) { return true; }),
                         doctest::Contains("test.STATUS is read-only"), Error);
    bank.on_read(Reg::STATUS, [](unsigned, int64_t) -> uint64_t { return 0; });
    CHECK_THROWS_WITH_AS(bank.check_complete(), doctest::Contains("test.CONTROL has no reader"), Error);
}
