// The HBM model: config checks, the address map, and one pseudo channel's controller against the JEDEC rules it
// implements (exact command cycles from the command log), its scheduling policies, its statistics and its speed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/common/error.h"
#include "model/mem/hbm_address_map.h"
#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"

using namespace npuemu::mem;

namespace {

// A small, easily read configuration: tCK = 1 ns, so cycle c is at c ns; every timing distinct, so a command that
// waits for the wrong rule lands on the wrong cycle. tRC (37) > tRAS + tRP (36) so tRC is visible on its own.
HbmConfig test_config() {
    HbmConfig c;
    c.preset = "test";
    c.clock_mhz = 1000;
    c.data_rate_mtps = 2000;
    c.geometry.stacks = 1;
    c.geometry.channels_per_stack = 8;
    c.geometry.pseudo_channels_per_channel = 2;
    c.geometry.bank_groups = 4;
    c.geometry.banks_per_group = 4;
    c.geometry.rows = 1024;
    c.geometry.row_bytes = 1024;
    c.geometry.bus_width_bits = 64;
    c.geometry.burst_length = 4;  // 32 bytes, 2 cycles on the data bus
    HbmTiming& t = c.timing;
    t.tRCD_cycles = 10;
    t.tRP_cycles = 11;
    t.tRAS_cycles = 25;
    t.tRC_cycles = 37;
    t.tCL_cycles = 12;
    t.tWL_cycles = 3;
    t.tCCD_S_cycles = 2;
    t.tCCD_L_cycles = 5;
    t.tRRD_S_cycles = 3;
    t.tRRD_L_cycles = 7;
    t.tFAW_cycles = 30;
    t.tWR_cycles = 9;
    t.tWTR_S_cycles = 4;
    t.tWTR_L_cycles = 8;
    t.tRTP_cycles = 6;
    t.tRTW_cycles = 17;
    t.tRFC_cycles = 200;
    t.tRFCpb_cycles = 90;
    t.tREFI_cycles = 1'000'000;  // out of the way unless a test wants refresh
    c.controller.page_policy = PagePolicy::Open;
    c.controller.refresh = RefreshMode::AllBank;
    c.controller.queue_depth = 32;
    c.controller.write_high_watermark = 24;
    c.controller.write_low_watermark = 8;
    auto bits = [](std::initializer_list<int> list) {
        std::vector<uint8_t> v;
        for (int b : list) v.push_back(static_cast<uint8_t>(b));
        return v;
    };
    c.mapping.of(HbmField::Column) = bits({5, 6, 7, 12, 13});
    c.mapping.of(HbmField::Channel) = bits({8, 9, 10});
    c.mapping.of(HbmField::PseudoChannel) = bits({11});
    c.mapping.of(HbmField::BankGroup) = bits({14, 15});
    c.mapping.of(HbmField::Bank) = bits({16, 17});
    c.mapping.of(HbmField::Row) = bits({18, 19, 20, 21, 22, 23, 24, 25, 26, 27});
    return c;
}

constexpr uint64_t kNs = 1000;  // ps; one cycle of test_config()

HbmRequest read(uint64_t tag, uint32_t bg, uint32_t bank, uint32_t row, uint32_t column, uint32_t columns,
                uint64_t arrival_ps) {
    HbmRequest r;
    r.tag = tag;
    r.bank_group = bg;
    r.bank = bank;
    r.row = row;
    r.column = column;
    r.columns = columns;
    r.arrival_ps = arrival_ps;
    return r;
}
HbmRequest write(uint64_t tag, uint32_t bg, uint32_t bank, uint32_t row, uint32_t column, uint32_t columns,
                 uint64_t arrival_ps) {
    HbmRequest r = read(tag, bg, bank, row, column, columns, arrival_ps);
    r.write = true;
    return r;
}

struct Done {
    uint64_t tag, done_ps;
    bool operator==(const Done& o) const { return tag == o.tag && done_ps == o.done_ps; }
};

// A controller with its command log and completions.
struct Rig {
    explicit Rig(const HbmConfig& c) : config(c), ctl(c) { ctl.set_command_log(&log); }
    void run(uint64_t until_ps) {
        ctl.advance(until_ps, [this](uint64_t tag, uint64_t done_ps) { done.push_back({tag, done_ps}); });
    }
    // Cycles of the logged commands of one kind, optionally only for one bank.
    std::vector<uint64_t> cycles(HbmCommandKind kind, int bg = -1, int bank = -1) const {
        std::vector<uint64_t> out;
        for (const auto& c : log)
            if (c.kind == kind && (bg < 0 || int(c.bank_group) == bg) && (bank < 0 || int(c.bank) == bank))
                out.push_back(c.cycle);
        return out;
    }
    uint64_t done_of(uint64_t tag) const {
        for (const auto& d : done)
            if (d.tag == tag) return d.done_ps;
        FAIL("request " << tag << " did not complete");
        return 0;
    }
    HbmConfig config;
    HbmChannelController ctl;
    std::vector<HbmCommand> log;
    std::vector<Done> done;
};

using K = HbmCommandKind;
using Cycles = std::vector<uint64_t>;

}  // namespace

// ------------------------------------------------------------------------------------------------------------------
// JEDEC timing rules, one at a time, on exact command cycles.

TEST_CASE("hbm: a second ACT to the same bank waits tRC, and ACT to PRE waits tRAS") {
    Rig r(test_config());
    r.ctl.submit(read(1, 0, 0, 1, 0, 1, 0));
    r.ctl.submit(read(2, 0, 0, 2, 0, 1, 0));
    r.run(1000 * kNs);
    CHECK(r.cycles(K::Activate) == Cycles{0, 37});           // tRC = 37 > PRE (25) + tRP (11)
    CHECK(r.cycles(K::Precharge) == Cycles{25});             // tRAS = 25 > RD (10) + tRTP (6)
    CHECK(r.cycles(K::Read) == Cycles{10, 47});              // tRCD after each ACT
}

TEST_CASE("hbm: four ACTs, then a fifth waits for tFAW") {
    Rig r(test_config());
    // Bank groups 0..3, then bank group 0 again (another bank): tRRD_S apart, the fifth held by the window.
    for (uint32_t i = 0; i < 5; ++i) r.ctl.submit(read(i, i % 4, i / 4, 0, 0, 1, 0));
    r.run(1000 * kNs);
    CHECK(r.cycles(K::Activate) == Cycles{0, 3, 6, 9, 30});  // tRRD_S = 3; 0 + tFAW = 30
}

TEST_CASE("hbm: ACTs to other bank groups wait tRRD_S, to the same bank group tRRD_L") {
    {
        Rig r(test_config());
        r.ctl.submit(read(1, 0, 0, 0, 0, 1, 0));
        r.ctl.submit(read(2, 1, 0, 0, 0, 1, 0));
        r.run(1000 * kNs);
        CHECK(r.cycles(K::Activate) == Cycles{0, 3});
    }
    {
        Rig r(test_config());
        r.ctl.submit(read(1, 0, 0, 0, 0, 1, 0));
        r.ctl.submit(read(2, 0, 1, 0, 0, 1, 0));
        r.run(1000 * kNs);
        CHECK(r.cycles(K::Activate) == Cycles{0, 7});
    }
}

namespace {
// Opens row 0 of bank 0 in bank groups 0 and 1, then lets every constraint relax: from cycle 1000 on, only what
// the test submits matters.
void open_two_groups(Rig& r) {
    r.ctl.submit(read(100, 0, 0, 0, 31, 1, 0));
    r.ctl.submit(read(101, 1, 0, 0, 31, 1, 0));
    r.run(1000 * kNs);
    r.log.clear();
}
}  // namespace

TEST_CASE("hbm: column commands to other bank groups wait tCCD_S, to the same bank group tCCD_L") {
    Rig r(test_config());
    open_two_groups(r);
    r.ctl.submit(read(1, 0, 0, 0, 0, 1, 1000 * kNs));
    r.ctl.submit(read(2, 1, 0, 0, 0, 1, 1000 * kNs));
    r.ctl.submit(read(3, 0, 0, 0, 1, 1, 1000 * kNs));
    r.run(2000 * kNs);
    // 1 at 1000; 2 (other group) 2 later; 3 (group 0 again) tCCD_L = 5 after 1, not tCCD_S after 2.
    CHECK(r.cycles(K::Read) == Cycles{1000, 1002, 1005});
    CHECK(r.cycles(K::Activate).empty());
}

TEST_CASE("hbm: a read after a write waits tWTR_S (other bank group) or tWTR_L (same) from the end of write data") {
    for (const bool same_group : {false, true}) {
        CAPTURE(same_group);
        Rig r(test_config());
        open_two_groups(r);
        r.ctl.submit(write(1, 0, 0, 0, 0, 1, 1000 * kNs));
        r.ctl.submit(read(2, same_group ? 0 : 1, 0, 0, 0, 1, 1000 * kNs + 1));  // arrives after the write issued
        r.run(2000 * kNs);
        // Write data ends at 1000 + tWL (3) + burst (2) = 1005.
        CHECK(r.cycles(K::Write) == Cycles{1000});
        CHECK(r.cycles(K::Read) == Cycles{same_group ? 1005u + 8 : 1005u + 4});
        CHECK(r.ctl.stats().write_to_read_turnarounds == 1);
    }
}

TEST_CASE("hbm: a write after a read waits tRTW") {
    Rig r(test_config());
    open_two_groups(r);
    r.ctl.submit(read(1, 0, 0, 0, 0, 1, 1000 * kNs));
    r.ctl.submit(write(2, 1, 0, 0, 0, 1, 1000 * kNs + 1));
    r.run(2000 * kNs);
    CHECK(r.cycles(K::Read) == Cycles{1000});
    CHECK(r.cycles(K::Write) == Cycles{1000 + 17});
    CHECK(r.ctl.stats().read_to_write_turnarounds == 1);
}

TEST_CASE("hbm: write recovery: PRE waits tWR after the end of write data") {
    Rig r(test_config());
    open_two_groups(r);
    r.ctl.submit(write(1, 0, 0, 0, 0, 1, 1000 * kNs));
    r.ctl.submit(write(2, 0, 0, 5, 0, 1, 1000 * kNs));  // another row of the same bank: conflict
    r.run(2000 * kNs);
    CHECK(r.cycles(K::Precharge) == Cycles{1000 + 3 + 2 + 9});  // WR + tWL + burst + tWR
    CHECK(r.cycles(K::Activate) == Cycles{1014 + 11});
}
