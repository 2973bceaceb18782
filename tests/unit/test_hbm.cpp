// The HBM model: config checks, the address map, and one pseudo channel's controller against the JEDEC rules it
// implements (exact command cycles from the command log), its scheduling policies, its statistics and its speed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <tuple>
#include <string>
#include <vector>

#include <unistd.h>

#include "model/common/error.h"
#include "model/mem/hbm_address_map.h"
#include "model/config/chip_config.h"
#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"
#include "tests/unit/hbm_test_rig.h"

using namespace npuemu::mem;
using namespace npuemu::mem::hbm_test;

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
    r.done.clear();
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

TEST_CASE("hbm: the data bus: a write waits for a read's burst to leave the bus even when tRTW is shorter") {
    HbmConfig c = test_config();
    c.timing.tRTW_cycles = 1;
    Rig r(c);
    open_two_groups(r);
    r.ctl.submit(read(1, 0, 0, 0, 0, 1, 1000 * kNs));
    r.ctl.submit(write(2, 1, 0, 0, 0, 1, 1000 * kNs + 1));
    r.run(2000 * kNs);
    // Read data on the bus over [1012, 1014): the write's data (tWL = 3 after it) starts at 1014 at the earliest.
    CHECK(r.cycles(K::Write) == Cycles{1014 - 3});
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

// ------------------------------------------------------------------------------------------------------------------
// Refresh.

TEST_CASE("hbm: all-bank refresh every tREFI precharges the open banks and blocks every bank for tRFC") {
    HbmConfig c = test_config();
    c.timing.tREFI_cycles = 1000;
    Rig r(c);
    // Idle: REF exactly at 1000, 2000, 3000 (every bank closed, nothing to wait for).
    r.run(3500 * kNs);
    CHECK(r.cycles(K::RefreshAllBanks) == Cycles{1000, 2000, 3000});
    // A request just after an idle refresh (counted, not stepped) still waits for REF + tRFC.
    {
        Rig q(c);
        q.ctl.submit(read(9, 1, 1, 0, 0, 1, 3050 * kNs));
        q.run(3500 * kNs);
        CHECK(q.cycles(K::RefreshAllBanks) == Cycles{1000, 2000, 3000});
        CHECK(q.cycles(K::Activate) == Cycles{3000 + 200});
    }
    // A row open when the refresh falls due: PRE at once (nothing holds it), REF tRP later; a request arriving at the
    // refresh waits until REF + tRFC for its ACT.
    r.log.clear();
    r.ctl.submit(read(1, 2, 1, 7, 0, 1, 3950 * kNs));
    r.ctl.submit(read(2, 0, 0, 0, 0, 1, 4000 * kNs));
    r.run(4500 * kNs);
    CHECK(r.cycles(K::Activate, 2, 1) == Cycles{3950});
    CHECK(r.cycles(K::Precharge) == Cycles{4000});
    CHECK(r.cycles(K::RefreshAllBanks) == Cycles{4000 + 11});
    CHECK(r.cycles(K::Activate, 0, 0) == Cycles{4011 + 200});
    // A row opened just before the refresh: its PRE waits tRAS, and the REF tRC after the ACT (one cycle more than
    // PRE + tRP here); the column command that was ready at the due cycle waits for after the refresh.
    r.log.clear();
    r.ctl.submit(read(3, 3, 0, 7, 0, 1, 4995 * kNs));  // ACT at 4995, read ready at 5005: after the due cycle
    r.run(6000 * kNs);
    CHECK(r.cycles(K::Activate, 3, 0) == Cycles{4995, 5032 + 200});
    CHECK(r.cycles(K::Precharge, 3, 0) == Cycles{4995 + 25});
    CHECK(r.cycles(K::Precharge, 0, 0) == Cycles{5000});
    CHECK(r.cycles(K::RefreshAllBanks) == Cycles{4995 + 37});
    CHECK(r.cycles(K::Read, 3, 0) == Cycles{5232 + 10});
    CHECK(r.ctl.stats().refreshes == 5);
    CHECK(r.ctl.stats().refresh_cycles == 5 * 200);
}

TEST_CASE("hbm: per-bank refresh: bank i at i x tREFI / banks into each interval, that bank busy tRFCpb") {
    HbmConfig c = test_config();
    c.controller.refresh = RefreshMode::PerBank;
    c.timing.tREFI_cycles = 1600;  // 16 banks: one every 100 cycles, bank 0 first at 1600
    Rig r(c);
    r.run(3250 * kNs);
    Cycles expected;
    for (uint64_t i = 0; i < 17; ++i) expected.push_back(1600 + i * 100);
    CHECK(r.cycles(K::RefreshBank) == expected);
    CHECK(r.cycles(K::RefreshBank, 0, 3) == Cycles{1900});  // flat bank 3 = group 0, bank 3
    CHECK(r.cycles(K::RefreshBank, 1, 0) == Cycles{2000});  // flat bank 4
    // Requests just after idle refreshes (counted, not stepped): the bank refreshed at 3200 waits for tRFCpb, the
    // one refreshed at 3100 (tRFCpb before 3190) does not.
    {
        Rig q(c);
        q.ctl.submit(read(8, 0, 0, 0, 0, 1, 3220 * kNs));  // flat bank 0: due 1600, 3200
        q.ctl.submit(read(9, 3, 3, 0, 0, 1, 3220 * kNs));  // flat bank 15: due 3100
        q.run(3500 * kNs);
        CHECK(q.cycles(K::Activate, 3, 3) == Cycles{3220});
        CHECK(q.cycles(K::Activate, 0, 0) == Cycles{3200 + 90});
    }
    // Bank 1 (group 0, bank 1) refreshes at 3300: a request to it waits tRFCpb; one to bank 2 only for the row bus.
    r.log.clear();
    r.ctl.submit(read(1, 0, 1, 0, 0, 1, 3300 * kNs));
    r.ctl.submit(read(2, 0, 2, 0, 0, 1, 3300 * kNs));
    r.run(4000 * kNs);
    CHECK(r.cycles(K::RefreshBank, 0, 1) == Cycles{3300});
    CHECK(r.cycles(K::Activate, 0, 2) == Cycles{3301});
    CHECK(r.cycles(K::Activate, 0, 1) == Cycles{3300 + 90});
    // The open bank 2 is precharged for its own refresh at 3400.
    CHECK(r.cycles(K::Precharge, 0, 2) == Cycles{3400});
    CHECK(r.cycles(K::RefreshBank, 0, 2) == Cycles{3400 + 11});
}

TEST_CASE("hbm: refresh keeps time on a long idle channel, counted rather than stepped, same with or without a log") {
    for (const RefreshMode mode : {RefreshMode::AllBank, RefreshMode::PerBank}) {
        CAPTURE(int(mode));
        HbmConfig c = test_config();
        c.controller.refresh = mode;
        c.timing.tREFI_cycles = 3900;
        const uint64_t second_ps = 1'000'000'000'000ull;
        HbmChannelController quiet(c);
        quiet.advance(second_ps, nullptr);  // 1 s idle: ~256k (all-bank) or ~4M (per-bank) refreshes
        // Refreshes due strictly before 1 s (10^9 cycles).
        const uint64_t cycles = second_ps / kNs;
        uint64_t expected = (cycles - 1) / 3900;
        if (mode == RefreshMode::PerBank) {
            expected = 0;
            for (uint64_t b = 0; b < 16; ++b) {
                const uint64_t offset = 3900 + b * 3900 / 16;
                if (offset < cycles) expected += (cycles - 1 - offset) / 3900 + 1;
            }
        }
        CHECK(quiet.stats().refreshes == expected);
        // The same 100 us with a command log, in uneven steps, against the quiet controller's figures.
        HbmChannelController logged(c), big(c);
        std::vector<HbmCommand> log;
        logged.set_command_log(&log);
        for (uint64_t t = 7777; t < 100'000'000; t += 7777 + t % 1000) logged.advance(t, nullptr);
        logged.advance(100'000'000, nullptr);
        big.advance(100'000'000, nullptr);
        CHECK(logged.stats().refreshes == big.stats().refreshes);
        CHECK(log.size() == big.stats().refreshes);
        for (size_t i = 1; i < log.size(); ++i) CHECK(log[i].cycle > log[i - 1].cycle);
        // Then a request: its ACT waits for nothing but what the last refresh left.
        logged.submit(read(1, 0, 0, 0, 0, 1, 100'000'000));
        big.submit(read(1, 0, 0, 0, 0, 1, 100'000'000));
        uint64_t done_a = 0, done_b = 0;
        logged.advance(200'000'000, [&](uint64_t, uint64_t d) { done_a = d; });
        big.advance(200'000'000, [&](uint64_t, uint64_t d) { done_b = d; });
        CHECK(done_a == done_b);
        CHECK(done_a > 0);
    }
}

// ------------------------------------------------------------------------------------------------------------------
// Latencies and row-buffer outcomes.

TEST_CASE("hbm: row hit, miss and conflict latencies equal their formulas") {
    const HbmConfig c = test_config();
    const uint64_t burst = c.burst_cycles(), tCL = c.timing.tCL_cycles, tRCD = c.timing.tRCD_cycles,
                   tRP = c.timing.tRP_cycles;
    Rig r(c);
    open_two_groups(r);  // row 0 open in group 0 bank 0 and group 1 bank 0
    const uint64_t t0 = 1000 * kNs;
    r.ctl.submit(read(1, 0, 0, 0, 5, 1, t0));  // hit
    r.run(2000 * kNs);
    r.ctl.submit(read(2, 2, 0, 0, 0, 1, 2000 * kNs));  // miss: bank never opened
    r.run(3000 * kNs);
    r.ctl.submit(read(3, 1, 0, 9, 0, 1, 3000 * kNs));  // conflict: row 0 open
    r.run(4000 * kNs);
    CHECK(r.done_of(1) - t0 == (tCL + burst) * kNs);
    CHECK(r.done_of(2) - 2000 * kNs == (tRCD + tCL + burst) * kNs);
    CHECK(r.done_of(3) - 3000 * kNs == (tRP + tRCD + tCL + burst) * kNs);
    const auto& s = r.ctl.stats();
    CHECK(s.row_hits == 1);
    CHECK(s.row_misses == 3);  // the two warm-up reads and request 2
    CHECK(s.row_conflicts == 1);
    // Writes complete when their data is in: WR + tWL + burst.
    r.ctl.submit(write(4, 0, 0, 0, 6, 1, 4000 * kNs));
    r.run(5000 * kNs);
    CHECK(r.done_of(4) - 4000 * kNs == (c.timing.tWL_cycles + burst) * kNs);
}

TEST_CASE("hbm: an ACT's first column is the miss or conflict, the row's later columns are hits") {
    Rig r(test_config());
    r.ctl.submit(read(1, 0, 0, 0, 0, 4, 0));
    r.ctl.submit(read(2, 0, 0, 3, 0, 4, 0));  // same bank, other row: conflict, then 3 hits
    r.run(1000 * kNs);
    const auto& s = r.ctl.stats();
    CHECK(s.row_misses == 1);
    CHECK(s.row_conflicts == 1);
    CHECK(s.row_hits == 6);
}

TEST_CASE("hbm: a request arriving between clock edges is first considered at the next edge") {
    Rig r(test_config());
    r.ctl.submit(read(1, 0, 0, 0, 0, 1, 5 * kNs + 1));
    r.run(100 * kNs);
    CHECK(r.cycles(K::Activate) == Cycles{6});
    CHECK(r.done_of(1) == (6 + 10 + 12 + 2) * kNs);
    // Latency counts from the arrival itself.
    CHECK(r.ctl.stats().read_latency_ps.max() == (6 + 10 + 12 + 2) * kNs - (5 * kNs + 1));
}

// ------------------------------------------------------------------------------------------------------------------
// Scheduling policy.

TEST_CASE("hbm: FR-FCFS serves a younger row hit before an older miss") {
    Rig r(test_config());
    open_two_groups(r);
    r.ctl.submit(read(1, 0, 0, 5, 0, 1, 1000 * kNs));  // older, another row of an open bank
    r.ctl.submit(read(2, 0, 0, 0, 1, 1, 1000 * kNs));  // younger, hits the open row
    r.run(2000 * kNs);
    REQUIRE(r.log.size() == 4);
    CHECK(r.log[0].kind == K::Read);  // request 2 first, at once
    CHECK(r.log[0].row == 0);
    CHECK(r.log[0].cycle == 1000);
    CHECK(r.log[1].kind == K::Precharge);  // only after the hit: tRTP after it
    CHECK(r.log[1].cycle == 1000 + 6);
    CHECK(r.log[2].kind == K::Activate);
    CHECK(r.log[3].kind == K::Read);
    CHECK(r.log[3].row == 5);
    CHECK(r.done.size() == 2);
    CHECK(r.done[0].tag == 2);
}

TEST_CASE("hbm: FR-FCFS: with no hit, the oldest request's row commands go first") {
    Rig r(test_config());
    r.ctl.submit(read(1, 3, 3, 4, 0, 1, 0));
    r.ctl.submit(read(2, 1, 2, 4, 0, 1, 0));
    r.ctl.submit(read(3, 2, 0, 4, 0, 1, 0));
    r.run(1000 * kNs);
    REQUIRE(r.cycles(K::Activate).size() == 3);
    CHECK(r.log[0].kind == K::Activate);
    CHECK(r.log[0].bank_group == 3);
    CHECK(r.log[0].bank == 3);
}

TEST_CASE("hbm: writes wait for the high watermark while reads are queued, then drain to the low watermark") {
    Rig r(test_config());
    // 100 reads and 30 writes at once, spread over the banks. 30 >= 24: drain at once, 22 writes down to 8; then
    // all the reads (the 8 writes stay below the high watermark); then the last 8 writes, with no read waiting.
    for (uint64_t i = 0; i < 100; ++i) r.ctl.submit(read(i, i % 4, (i / 4) % 4, 0, uint32_t(i / 16), 1, 0));
    for (uint64_t i = 0; i < 30; ++i) r.ctl.submit(write(1000 + i, i % 4, (i / 4) % 4, 1, uint32_t(i / 16), 1, 0));
    r.run(100'000 * kNs);
    REQUIRE(r.done.size() == 130);
    for (size_t i = 0; i < 22; ++i) CHECK(r.done[i].tag >= 1000);
    for (size_t i = 22; i < 122; ++i) CHECK(r.done[i].tag < 1000);
    for (size_t i = 122; i < 130; ++i) CHECK(r.done[i].tag >= 1000);
    CHECK(r.ctl.stats().write_drains == 1);
    CHECK(r.ctl.stats().read_to_write_turnarounds == 1);
    CHECK(r.ctl.stats().write_to_read_turnarounds == 1);

    // Below the high watermark, writes wait for the reads.
    Rig q(test_config());
    for (uint64_t i = 0; i < 10; ++i) q.ctl.submit(write(1000 + i, i % 4, 0, 1, 0, 1, 0));
    for (uint64_t i = 0; i < 10; ++i) q.ctl.submit(read(i, i % 4, 1, 0, uint32_t(i / 4), 1, 0));
    q.run(100'000 * kNs);
    REQUIRE(q.done.size() == 20);
    for (size_t i = 0; i < 10; ++i) CHECK(q.done[i].tag < 1000);
    CHECK(q.ctl.stats().write_drains == 0);
}

TEST_CASE("hbm: the scheduler sees queue_depth requests per queue; the rest wait outside in arrival order") {
    // Four requests to rows 1..4 of one bank, then one to another bank. With a window of 4 the fifth is not seen
    // until the first leaves (its read at cycle 10); with a window of 32 its ACT follows the first by tRRD_S.
    for (const uint32_t depth : {4u, 32u}) {
        CAPTURE(depth);
        HbmConfig c = test_config();
        c.controller.queue_depth = depth;
        c.controller.write_high_watermark = 3;
        c.controller.write_low_watermark = 1;
        Rig r(c);
        for (uint32_t i = 1; i <= 4; ++i) r.ctl.submit(read(i, 0, 0, i, 0, 1, 0));
        r.ctl.submit(read(5, 1, 0, 0, 0, 1, 0));
        r.run(10'000 * kNs);
        CHECK(r.cycles(K::Activate, 1, 0) == Cycles{depth == 4 ? 10u : 3u});
        CHECK(r.ctl.stats().max_occupancy == 5);
        CHECK(r.ctl.queued_requests() == 0);
    }
}

TEST_CASE("hbm: open page keeps the row open; closed page auto-precharges when no queued request hits it") {
    {
        Rig r(test_config());
        r.ctl.submit(read(1, 0, 0, 0, 0, 1, 0));
        r.run(1000 * kNs);
        CHECK(r.cycles(K::Precharge).empty());
    }
    HbmConfig c = test_config();
    c.controller.page_policy = PagePolicy::Closed;
    Rig r(c);
    r.ctl.submit(read(1, 0, 0, 0, 0, 1, 0));
    r.ctl.submit(read(2, 0, 0, 0, 1, 1, 0));  // same row: no precharge between the two
    r.run(1000 * kNs);
    CHECK(r.cycles(K::Read) == Cycles{10, 15});
    CHECK(r.cycles(K::Precharge) == Cycles{25});  // after the second: max(ACT + tRAS, RD + tRTP)
    // The row is closed now: the same row again is a miss, precharged again after it.
    r.ctl.submit(read(3, 0, 0, 0, 2, 1, 1000 * kNs));
    r.run(2000 * kNs);
    CHECK(r.cycles(K::Activate) == Cycles{0, 1000});
    CHECK(r.cycles(K::Precharge) == Cycles{25, 1025});
    CHECK(r.ctl.stats().row_misses == 2);
    CHECK(r.ctl.stats().row_hits == 1);
    CHECK(r.ctl.stats().precharges == 2);
    // After a write the auto-precharge waits for write recovery.
    r.log.clear();
    r.ctl.submit(write(4, 1, 0, 0, 0, 4, 2000 * kNs));
    r.run(3000 * kNs);
    CHECK(r.cycles(K::Write) == Cycles{2010, 2015, 2020, 2025});
    CHECK(r.cycles(K::Precharge) == Cycles{2025 + 3 + 2 + 9});  // tWR after the data, later than tRAS (2025)
}

// ------------------------------------------------------------------------------------------------------------------
// The presets, read by the project's own loader (a one-tile chip config naming the preset and a stack count).

namespace {

// hashed = false: the preset's mapping without its address hashing, and writes complete when written (for tests of
// the controller that place requests by the plain bit fields and time writes to their data).
HbmConfig load_preset(const std::string& name, uint32_t stacks, bool hashed = true) {
    // One file per process: ctest runs the test cases in parallel processes.
    const std::string path = "/tmp/npuemu_test_hbm_preset_" + std::to_string(::getpid()) + "_" + name + "_" +
                             std::to_string(stacks) + ".yaml";
    {
        std::ofstream out(path);
        out << "chip:\n  tiles: 1\nhbm:\n  preset: " << name << "\n  stacks: " << stacks << "\n";
    }
    const npuemu::config::ChipConfig chip = npuemu::config::load_chip_config(path);
    std::remove(path.c_str());
    HbmConfig config = chip.hbm;
    if (!hashed) {
        config.mapping.hash_channels = config.mapping.hash_banks = false;
        config.controller.early_write_ack = false;
    }
    return config;
}

std::string describe(const std::vector<HbmConfigProblem>& problems) {
    std::string s;
    for (const auto& p : problems) s += "\n  " + p.key + ": " + p.message;
    return s;
}

// Reads (or writes) a byte range of global memory through the address map, keeping the runs of one pseudo
// channel as requests arriving at `arrival_ps`.
std::vector<HbmRequest> requests_of_pc(const HbmAddressMap& map, uint64_t offset, uint64_t bytes, uint32_t pc,
                                       bool is_write = false) {
    std::vector<HbmRun> runs;
    map.split(offset, bytes, runs);
    std::vector<HbmRequest> out;
    for (const auto& r : runs)
        if (r.global_pseudo_channel == pc) {
            HbmRequest q = read(out.size(), r.bank_group, r.bank, r.row, r.column, r.columns, 0);
            q.write = is_write;
            out.push_back(q);
        }
    return out;
}

struct StreamResult {
    double bus_utilisation;  // data-bus busy cycles / cycles from the first arrival to the last data beat
    uint64_t last_done_ps;
    HbmChannelStats stats;
};

// All requests queued at time 0 (a saturated controller), run to completion.
StreamResult run_saturated(const HbmConfig& c, const std::vector<HbmRequest>& requests) {
    HbmChannelController ctl(c);
    for (const auto& r : requests) ctl.submit(r);
    uint64_t last = 0, n = 0;
    while (n < requests.size()) {
        REQUIRE(ctl.next_decision_ps() != UINT64_MAX);
        REQUIRE_MESSAGE(ctl.decided_until_ps() < 1'000'000'000'000ull, "no progress: " << n << " of " << requests.size());
        ctl.advance(ctl.decided_until_ps() + 1'000'000, [&](uint64_t, uint64_t done) {
            last = std::max(last, done);
            ++n;
        });
    }
    const double cycles = double(last) / double(c.clock_period_ps());
    return {double(ctl.stats().data_bus_busy_cycles) / cycles, last, ctl.stats()};
}

}  // namespace

TEST_CASE("hbm: the HBM2E and HBM3 presets are consistent, and their figures are the documented ones") {
    const HbmConfig e = load_preset("hbm2e", 4), h = load_preset("hbm3", 4);
    CHECK_MESSAGE(check_hbm_config(e).empty(), describe(check_hbm_config(e)));
    CHECK_MESSAGE(check_hbm_config(h).empty(), describe(check_hbm_config(h)));
    // HBM2E: 3.2 Gb/s x 1024 pins = 409.6 GB/s per stack, 16 GiB per stack, BL4 of 64 bits = 32 bytes in 2 clocks.
    CHECK(e.clock_period_ps() == 625);
    CHECK(e.burst_cycles() == 2);
    CHECK(e.geometry.access_bytes() == 32);
    CHECK(e.peak_bytes_per_second() == doctest::Approx(4 * 409.6e9).scale(0));
    CHECK(e.geometry.capacity_bytes() == 4 * (uint64_t(16) << 30));
    // HBM3: 6.4 Gb/s x 1024 pins = 819.2 GB/s per stack, 32 pseudo channels of 32 bits, BL8 = 32 bytes in 2 clocks.
    CHECK(h.beats_per_clock() == 4);
    CHECK(h.burst_cycles() == 2);
    CHECK(h.geometry.access_bytes() == 32);
    CHECK(h.geometry.pseudo_channels() == 4 * 32);
    CHECK(h.peak_bytes_per_second() == doctest::Approx(4 * 819.2e9).scale(0));
    CHECK(h.geometry.capacity_bytes() == 4 * (uint64_t(16) << 30));
    // The mapping: consecutive 256-byte blocks go to consecutive pseudo channels, and a pseudo channel's next
    // 256 bytes (one round later) continue the same row.
    for (const HbmConfig* c : {&e, &h}) {
        const HbmAddressMap map(*c);
        const uint32_t pcs = c->geometry.pseudo_channels();
        std::vector<bool> seen(pcs, false);
        for (uint32_t i = 0; i < pcs; ++i) seen[map.decode(uint64_t(i) * 256).global_pseudo_channel] = true;
        CHECK(std::count(seen.begin(), seen.end(), true) == pcs);
        const HbmLocation a = map.decode(0), b = map.decode(uint64_t(pcs) * 256);
        CHECK(b.global_pseudo_channel == a.global_pseudo_channel);
        CHECK(b.row == a.row);
        CHECK(b.bank == a.bank);
        CHECK(b.bank_group == a.bank_group);
        CHECK(b.column == a.column + 8);
        // After a whole row (1 KiB per PC), the next bank group.
        CHECK(map.decode(uint64_t(pcs) * 1024).bank_group == a.bank_group + 1);
    }
}

TEST_CASE("hbm: streaming reads across bank groups keep one pseudo channel's data bus >= 90% busy (per-bank refresh)") {
    for (const std::string name : {"hbm2e", "hbm3"}) {
        CAPTURE(name);
        const HbmConfig c = load_preset(name, 4, false);
        REQUIRE(c.controller.refresh == RefreshMode::PerBank);
        const HbmAddressMap map(c);
        // 64 MiB of consecutive addresses: pseudo channel 0's share, 8 columns (256 B) per request.
        const auto requests = requests_of_pc(map, 0, 64ull << 20, 0);
        REQUIRE(!requests.empty());
        const StreamResult s = run_saturated(c, requests);
        MESSAGE(name << " streaming read: data bus " << s.bus_utilisation * 100 << "% busy, row hits "
                     << s.stats.row_hits << ", misses " << s.stats.row_misses << ", conflicts "
                     << s.stats.row_conflicts << ", refreshes " << s.stats.refreshes);
        CHECK(s.bus_utilisation >= 0.90);
        CHECK(s.bus_utilisation <= 1.0);
        CHECK(s.stats.refreshes > 0);  // the run is long enough for refresh to cost something
        // Streaming writes likewise.
        const StreamResult w = run_saturated(c, requests_of_pc(map, 0, 64ull << 20, 0, true));
        MESSAGE(name << " streaming write: data bus " << w.bus_utilisation * 100 << "% busy");
        CHECK(w.bus_utilisation >= 0.90);
    }
}

TEST_CASE("hbm: a stride that hits one bank collapses the bandwidth") {
    for (const std::string name : {"hbm2e", "hbm3"}) {
        CAPTURE(name);
        const HbmConfig c = load_preset(name, 4, false);
        const HbmAddressMap map(c);
        const auto stream = requests_of_pc(map, 0, 16ull << 20, 0);
        // A stride of one row of every bank of every pseudo channel: 256 bytes each time, always bank group 0
        // bank 0 of pseudo channel 0, a new row each time.
        const uint64_t stride = uint64_t(c.geometry.pseudo_channels()) * c.geometry.banks() * c.geometry.row_bytes;
        std::vector<HbmRequest> strided;
        std::vector<HbmRun> runs;
        for (uint64_t i = 0; i < stream.size(); ++i) {
            map.split(i * stride, 256, runs);
            REQUIRE(runs.size() == 1);
            REQUIRE(runs[0].global_pseudo_channel == 0);
            REQUIRE(runs[0].bank_group == 0);
            REQUIRE(runs[0].bank == 0);
            strided.push_back(read(i, 0, 0, runs[0].row, runs[0].column, runs[0].columns, 0));
        }
        const StreamResult a = run_saturated(c, stream), b = run_saturated(c, strided);
        const double ratio = b.bus_utilisation / a.bus_utilisation;
        MESSAGE(name << ": one-bank stride " << b.bus_utilisation * 100 << "% vs streaming " << a.bus_utilisation * 100
                     << "%: ratio " << ratio);
        // Every request opens a row (a conflict, or a miss after the bank's refresh closed it), reads 8 columns in
        // one bank group (tCCD_L apart), precharges tRTP after the last and activates again tRP later or tRC after
        // the last ACT, whichever is later; per-bank refresh takes that bank away tRFCpb of every tREFI.
        const HbmTiming& t = c.timing;
        // (A refresh falling due in the middle of a request closes its row, before or after some of its columns:
        // that request activates twice.)
        CHECK(b.stats.row_conflicts + b.stats.row_misses >= strided.size());
        CHECK(b.stats.row_conflicts + b.stats.row_misses <= b.stats.activates);
        CHECK(b.stats.activates <= strided.size() + b.stats.refreshes);
        CHECK(b.stats.row_hits + b.stats.row_misses + b.stats.row_conflicts == 8 * strided.size());
        const double period = std::max<double>(t.tRC_cycles, t.tRCD_cycles + 7.0 * t.tCCD_L_cycles + t.tRTP_cycles + t.tRP_cycles);
        const double expected = 16.0 / period * (1.0 - double(t.tRFCpb_cycles) / t.tREFI_cycles);
        CHECK(b.bus_utilisation == doctest::Approx(expected).epsilon(0.02).scale(0));
        CHECK(ratio < 0.25);
    }
}

// ------------------------------------------------------------------------------------------------------------------
// Determinism: many small advance() steps interleaved with submissions equal one big advance().

namespace {

struct Run {
    std::vector<Done> done;
    std::vector<HbmCommand> log;
    HbmChannelStats stats;
};

bool same_commands(const std::vector<HbmCommand>& a, const std::vector<HbmCommand>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].cycle != b[i].cycle || a[i].kind != b[i].kind || a[i].bank_group != b[i].bank_group ||
            a[i].bank != b[i].bank || a[i].row != b[i].row || a[i].column != b[i].column)
            return false;
    return true;
}

// A random mix: reads and writes, bursts of locality and random rows, arrivals spread over time, some of them
// between clock edges.
std::vector<HbmRequest> random_workload(const HbmConfig& c, uint64_t seed, size_t n, uint64_t max_gap_ps = 7000) {
    std::mt19937_64 rng(seed);
    std::vector<HbmRequest> out;
    uint64_t t = 0;
    for (size_t i = 0; i < n; ++i) {
        t += rng() % max_gap_ps;
        HbmRequest r;
        r.tag = i;
        r.write = rng() % 3 == 0;
        r.bank_group = rng() % c.geometry.bank_groups;
        r.bank = rng() % c.geometry.banks_per_group;
        r.row = rng() % 4;  // few rows: hits, misses and conflicts
        r.columns = 1 + rng() % 8;
        r.column = rng() % (c.geometry.columns() - r.columns + 1);
        r.arrival_ps = t;
        out.push_back(r);
    }
    return out;
}

Run run_one_step(const HbmConfig& c, const std::vector<HbmRequest>& work, uint64_t end_ps) {
    Run out;
    HbmChannelController ctl(c);
    ctl.set_command_log(&out.log);
    for (const auto& r : work) ctl.submit(r);
    ctl.advance(end_ps, [&](uint64_t tag, uint64_t d) { out.done.push_back({tag, d}); });
    out.stats = ctl.stats();
    return out;
}

Run run_small_steps(const HbmConfig& c, const std::vector<HbmRequest>& work, uint64_t end_ps, uint64_t seed) {
    Run out;
    HbmChannelController ctl(c);
    ctl.set_command_log(&out.log);
    std::mt19937_64 rng(seed);
    size_t next = 0;
    uint64_t t = 0;
    while (t < end_ps) {
        const uint64_t step = 10'000 + rng() % 10'001;  // 10-20 ns
        t = std::min(end_ps, t + step);
        // Submit what arrives before the step's end (all of it at or after decided_until_ps()).
        while (next < work.size() && work[next].arrival_ps < t) {
            REQUIRE(work[next].arrival_ps >= ctl.decided_until_ps());
            ctl.submit(work[next++]);
        }
        ctl.advance(t, [&](uint64_t tag, uint64_t d) { out.done.push_back({tag, d}); });
    }
    out.stats = ctl.stats();
    return out;
}

}  // namespace

TEST_CASE("hbm: many small advance() steps with submissions in between equal one big advance()") {
    for (const PagePolicy page : {PagePolicy::Open, PagePolicy::Closed})
        for (const RefreshMode refresh : {RefreshMode::AllBank, RefreshMode::PerBank})
            for (const uint64_t seed : {1u, 2u, 3u, 4u}) {
                CAPTURE(int(page));
                CAPTURE(int(refresh));
                CAPTURE(seed);
                // Seed 4 is sparse: gaps up to 20 us, so idle refreshes (counted, not stepped) come between requests.
                const uint64_t max_gap = seed == 4 ? 20'000'000 : 7000;
                HbmConfig c = load_preset("hbm2e", 4);
                c.controller.page_policy = page;
                c.controller.refresh = refresh;
                c.timing.tREFI_cycles = 1560;  // refresh often, so it interleaves with traffic
                c.timing.tRFC_cycles = 300;
                c.timing.tRFCpb_cycles = 90;
                const auto work = random_workload(c, seed, seed == 4 ? 300 : 3000, max_gap);
                const uint64_t end = work.back().arrival_ps + 2'000'000'000;
                const Run big = run_one_step(c, work, end), small = run_small_steps(c, work, end, seed * 7);
                REQUIRE(big.done.size() == work.size());
                CHECK(small.done == big.done);
                CHECK(same_commands(small.log, big.log));
                CHECK(small.stats.row_hits == big.stats.row_hits);
                CHECK(small.stats.refreshes == big.stats.refreshes);
                CHECK(small.stats.occupancy_integral_ps == big.stats.occupancy_integral_ps);
                CHECK(small.stats.max_occupancy == big.stats.max_occupancy);
                CHECK(small.stats.write_drains == big.stats.write_drains);
                // The same run twice gives the same result (no hidden state, no wall clock).
                const Run again = run_one_step(c, work, end);
                CHECK(again.done == big.done);
            }
}

// ------------------------------------------------------------------------------------------------------------------
// Statistics, and the command log against the timing rules it must obey.

TEST_CASE("hbm: statistics are consistent with the command log and the completions") {
    HbmConfig c = load_preset("hbm3", 4);
    c.controller.early_write_ack = false;  // completions at the data, as the statistics count
    c.timing.tREFI_cycles = 2000;
    for (const RefreshMode refresh : {RefreshMode::AllBank, RefreshMode::PerBank}) {
        CAPTURE(int(refresh));
        c.controller.refresh = refresh;
        const auto work = random_workload(c, 11, 4000);
        const Run r = run_one_step(c, work, work.back().arrival_ps + 2'000'000'000);
        REQUIRE(r.done.size() == work.size());
        const HbmChannelStats& s = r.stats;
        uint64_t reads = 0, writes = 0, acts = 0, pres = 0, refs = 0, r2w = 0, w2r = 0;
        int last = -1;
        for (const auto& cmd : r.log) {
            switch (cmd.kind) {
                case K::Read:
                case K::Write: {
                    const int dir = cmd.kind == K::Write;
                    (dir ? writes : reads)++;
                    if (last >= 0 && last != dir) (dir ? r2w : w2r)++;
                    last = dir;
                    break;
                }
                case K::Activate: ++acts; break;
                case K::Precharge: ++pres; break;
                case K::RefreshAllBanks:
                case K::RefreshBank: ++refs; break;
            }
        }
        uint64_t read_columns = 0, write_columns = 0, n_reads = 0;
        for (const auto& w : work) {
            (w.write ? write_columns : read_columns) += w.columns;
            n_reads += !w.write;
        }
        CHECK(reads == read_columns);
        CHECK(writes == write_columns);
        CHECK(s.row_hits + s.row_misses + s.row_conflicts == reads + writes);
        // An ACT's first column is its miss or conflict; but a row can close before its first column (a refresh
        // falls due, or the other direction's request needs the bank), so some ACTs have none.
        uint64_t acts_with_a_column = 0;
        {
            std::vector<int> opened(c.geometry.banks(), 0);  // 1: ACT seen, no column yet
            for (const auto& cmd : r.log) {
                const uint32_t b = cmd.bank_group * c.geometry.banks_per_group + cmd.bank;
                if (cmd.kind == K::Activate) opened[b] = 1;
                if ((cmd.kind == K::Read || cmd.kind == K::Write) && opened[b] == 1) {
                    ++acts_with_a_column;
                    opened[b] = 0;
                }
            }
        }
        CHECK(s.row_misses + s.row_conflicts == acts_with_a_column);
        CHECK(acts_with_a_column <= s.activates);
        CHECK(s.read_bytes == reads * 32);
        CHECK(s.write_bytes == writes * 32);
        CHECK(s.data_bus_busy_cycles == (reads + writes) * 2);
        CHECK(s.activates == acts);
        CHECK(s.precharges == pres);
        CHECK(s.refreshes == refs);
        CHECK(s.refresh_cycles == refs * (refresh == RefreshMode::AllBank ? c.timing.tRFC_cycles : c.timing.tRFCpb_cycles));
        CHECK(s.read_to_write_turnarounds == r2w);
        CHECK(s.write_to_read_turnarounds == w2r);
        CHECK(s.read_requests == n_reads);
        CHECK(s.write_requests == work.size() - n_reads);
        CHECK(s.read_latency_ps.count() == s.read_requests);
        CHECK(s.write_latency_ps.count() == s.write_requests);
        uint64_t integral = 0;
        for (const auto& d : r.done) integral += d.done_ps - work[d.tag].arrival_ps;
        CHECK(s.occupancy_integral_ps == integral);
        CHECK(s.read_latency_ps.sum() + s.write_latency_ps.sum() == integral);
        // The peak, recomputed from arrivals and completions.
        std::vector<std::pair<uint64_t, int>> events;
        for (const auto& d : r.done) {
            events.push_back({work[d.tag].arrival_ps, +1});
            events.push_back({d.done_ps, -1});
        }
        std::sort(events.begin(), events.end());  // a completion at the instant of an arrival has left
        int64_t now = 0, peak = 0;
        for (const auto& e : events) peak = std::max(peak, now += e.second);
        CHECK(s.max_occupancy == uint64_t(peak));
    }
}

TEST_CASE("hbm: every command in a random run's log obeys the timing rules") {
    // An independent check of the log (not of the scheduler's registers): replay it and test each pair rule.
    HbmConfig c = load_preset("hbm2e", 4);
    c.timing.tREFI_cycles = 1560;
    c.timing.tRFC_cycles = 300;
    for (const RefreshMode refresh : {RefreshMode::AllBank, RefreshMode::PerBank})
        for (const PagePolicy page : {PagePolicy::Open, PagePolicy::Closed}) {
            CAPTURE(int(refresh));
            CAPTURE(int(page));
            c.controller.refresh = refresh;
            c.controller.page_policy = page;
            const auto work = random_workload(c, 5, 3000);
            const Run r = run_one_step(c, work, work.back().arrival_ps + 2'000'000'000);
            const HbmTiming& t = c.timing;
            const int64_t burst = c.burst_cycles(), banks = c.geometry.banks(), bpg = c.geometry.banks_per_group;
            const int64_t never = -1'000'000'000;
            std::vector<int64_t> act(banks, never), pre(banks, never), ref(banks, never), rd(banks, never),
                wr_end(banks, never);
            std::vector<bool> open(banks, false);
            std::vector<int64_t> group_act(c.geometry.bank_groups, never), group_rd(c.geometry.bank_groups, never),
                group_wr(c.geometry.bank_groups, never), group_wr_end(c.geometry.bank_groups, never);
            int64_t last_act = never, last_rd = never, last_wr = never, last_wr_end = never, bus_end = never;
            std::vector<int64_t> acts;
            int64_t last_row_cmd = never, last_col_cmd = never;
            int violations = 0;
            auto rule = [&](bool ok, const char* what, const HbmCommand& cmd) {
                if (!ok && ++violations <= 5) FAIL_CHECK(what << " violated at cycle " << cmd.cycle);
            };
            // Auto-precharges are logged right after their column command with a later cycle: replay in cycle order.
            std::vector<HbmCommand> log = r.log;
            std::stable_sort(log.begin(), log.end(),
                             [](const HbmCommand& a, const HbmCommand& b) { return a.cycle < b.cycle; });
            for (const auto& cmd : log) {
                const int64_t now = cmd.cycle, b = cmd.bank_group * bpg + cmd.bank, g = cmd.bank_group;
                switch (cmd.kind) {
                    case K::Activate:
                        rule(!open[b], "ACT to a closed bank", cmd);
                        rule(now >= act[b] + t.tRC_cycles, "tRC", cmd);
                        rule(now >= pre[b] + t.tRP_cycles, "tRP", cmd);
                        rule(now >= ref[b], "tRFC/tRFCpb", cmd);
                        rule(now >= last_act + t.tRRD_S_cycles, "tRRD_S", cmd);
                        rule(now >= group_act[g] + t.tRRD_L_cycles, "tRRD_L", cmd);
                        if (acts.size() >= 4) rule(now >= acts[acts.size() - 4] + t.tFAW_cycles, "tFAW", cmd);
                        rule(now > last_row_cmd, "one row command per cycle", cmd);
                        acts.push_back(now);
                        act[b] = last_act = group_act[g] = last_row_cmd = now;
                        open[b] = true;
                        break;
                    case K::Precharge:
                        rule(open[b], "PRE to an open bank", cmd);
                        rule(now >= act[b] + t.tRAS_cycles, "tRAS", cmd);
                        rule(now >= rd[b] + t.tRTP_cycles, "tRTP", cmd);
                        rule(now >= wr_end[b] + t.tWR_cycles, "tWR", cmd);
                        pre[b] = now;
                        open[b] = false;
                        break;
                    case K::Read:
                    case K::Write: {
                        const bool w = cmd.kind == K::Write;
                        rule(open[b], "column command to an open row", cmd);
                        rule(now >= act[b] + t.tRCD_cycles, "tRCD", cmd);
                        rule(now > last_col_cmd, "one column command per cycle", cmd);
                        const int64_t last_same = w ? last_wr : last_rd;
                        const int64_t group_same = w ? group_wr[g] : group_rd[g];
                        rule(now >= last_same + t.tCCD_S_cycles, "tCCD_S", cmd);
                        rule(now >= group_same + t.tCCD_L_cycles, "tCCD_L", cmd);
                        if (w) {
                            rule(now >= last_rd + t.tRTW_cycles, "tRTW", cmd);
                        } else {
                            rule(now >= last_wr_end + t.tWTR_S_cycles, "tWTR_S", cmd);
                            rule(now >= group_wr_end[g] + t.tWTR_L_cycles, "tWTR_L", cmd);
                        }
                        const int64_t data = now + (w ? t.tWL_cycles : t.tCL_cycles);
                        rule(data >= bus_end, "data bursts do not overlap", cmd);
                        bus_end = data + burst;
                        last_col_cmd = now;
                        if (w) {
                            last_wr = group_wr[g] = now;
                            last_wr_end = group_wr_end[g] = wr_end[b] = data + burst;
                        } else {
                            last_rd = group_rd[g] = rd[b] = now;
                        }
                        break;
                    }
                    case K::RefreshAllBanks:
                        for (int64_t i = 0; i < banks; ++i) {
                            rule(!open[i], "REF with every bank closed", cmd);
                            rule(now >= pre[i] + t.tRP_cycles, "tRP before REF", cmd);
                            rule(now >= act[i] + t.tRC_cycles, "tRC before REF", cmd);
                            ref[i] = now + t.tRFC_cycles;
                        }
                        rule(now > last_row_cmd, "one row command per cycle", cmd);
                        last_row_cmd = now;
                        break;
                    case K::RefreshBank:
                        rule(!open[b], "REFsb to a closed bank", cmd);
                        rule(now >= pre[b] + t.tRP_cycles, "tRP before REFsb", cmd);
                        ref[b] = now + t.tRFCpb_cycles;
                        rule(now > last_row_cmd, "one row command per cycle", cmd);
                        last_row_cmd = now;
                        break;
                }
            }
            CHECK(violations == 0);
            CHECK(r.done.size() == work.size());
        }
}

// ------------------------------------------------------------------------------------------------------------------
// check_hbm_config().

namespace {
bool has_problem(const std::vector<HbmConfigProblem>& problems, const std::string& key, const std::string& text) {
    for (const auto& p : problems)
        if (p.key == key && p.message.find(text) != std::string::npos) return true;
    return false;
}
}  // namespace

TEST_CASE("hbm config: a good config has no problems") {
    CHECK_MESSAGE(check_hbm_config(test_config()).empty(), describe(check_hbm_config(test_config())));
}

TEST_CASE("hbm config: impossible timing is reported with its key") {
    HbmConfig c = test_config();
    c.timing.tRAS_cycles = 40;
    c.timing.tRC_cycles = 38;
    auto p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "timing.tRAS_cycles",
                              "tRAS (40) must be less than tRC (38): a row must close before the bank can activate again"),
                  describe(p));
    CHECK(has_problem(p, "timing.tRC_cycles", "at least tRAS + tRP (40 + 11)"));

    c = test_config();
    c.timing.tCCD_L_cycles = 1;
    c.timing.tRRD_L_cycles = 2;
    c.timing.tWTR_L_cycles = 3;
    c.timing.tRFC_cycles = 1'000'000;
    c.timing.tRFCpb_cycles = 2'000'000;
    c.timing.tRCD_cycles = 0;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "timing.tCCD_L_cycles", "tCCD_L (1) must be at least tCCD_S (2)"));
    CHECK(has_problem(p, "timing.tRRD_L_cycles", "tRRD_L (2) must be at least tRRD_S (3)"));
    CHECK(has_problem(p, "timing.tWTR_L_cycles", "tWTR_L (3) must be at least tWTR_S (4)"));
    CHECK(has_problem(p, "timing.tRFC_cycles", "must be less than tREFI"));
    CHECK(has_problem(p, "timing.tRFCpb_cycles", "must be less than tREFI"));
    CHECK(has_problem(p, "timing.tRCD_cycles", "at least 1 cycle"));
    CHECK(p.size() == 6);

    c = test_config();
    c.timing.tCCD_S_cycles = 1;  // a burst is 2 clocks
    c.timing.tCCD_L_cycles = 1;
    p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "timing.tCCD_S_cycles", "data bursts would overlap"), describe(p));
}

TEST_CASE("hbm config: clock, burst, geometry and watermarks") {
    HbmConfig c = test_config();
    c.data_rate_mtps = 2500;
    auto p = check_hbm_config(c);
    CHECK(has_problem(p, "data_rate_mtps", "multiple of clock_mhz"));
    c = test_config();
    c.data_rate_mtps = 8000;  // 8 beats per clock, burst of 4
    p = check_hbm_config(c);
    CHECK(has_problem(p, "geometry.burst_length", "multiple of the 8 data beats per clock"));
    c = test_config();
    c.geometry.banks_per_group = 3;
    c.geometry.row_bytes = 16;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "geometry.banks_per_group", "power of two"));
    CHECK(has_problem(p, "geometry.row_bytes", "multiple of the 32 bytes"));
    c = test_config();
    c.controller.write_low_watermark = 24;
    c.controller.write_high_watermark = 40;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "controller.write_high_watermark", "at most queue_depth (32)"));
    c.controller.write_low_watermark = 40;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "controller.write_low_watermark", "less than write_high_watermark"));
}

TEST_CASE("hbm config: the model's limits: banks per pseudo channel, pseudo channels, addressable capacity") {
    HbmConfig c = test_config();
    c.geometry.bank_groups = 16;
    c.geometry.banks_per_group = 8;  // 128 banks: more than the controller's 64-bit bank mask
    auto p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "geometry.banks_per_group", "(128) must be at most 64"), describe(p));
    CHECK_THROWS_WITH_AS(HbmChannelController{c}, doctest::Contains("geometry.banks_per_group"), npuemu::Error);
    c = test_config();
    c.geometry.stacks = 64;
    c.geometry.channels_per_stack = 32;  // 64 x 32 x 2 = 4096 controllers
    p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "stacks", "(4096) must be at most 1024"), describe(p));
    c.geometry.stacks = 3;
    p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "stacks", "stacks (3) must be a power of two"), describe(p));  // the chip's key
    c = test_config();
    c.geometry.rows = 1u << 31;
    c.geometry.row_bytes = 1u << 30;  // with the pseudo channels and banks: past 2^64 bytes
    p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "geometry.rows", "more than 64-bit addresses reach"), describe(p));
}

TEST_CASE("hbm config: the address mapping: overlaps, gaps, wrong widths, bits out of range") {
    HbmConfig c = test_config();
    c.mapping.of(HbmField::Bank) = {16, 9};  // bit 9 is the channel's
    auto p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "address_mapping.bank", "bit 9 is used by both channel and bank"), describe(p));
    CHECK(has_problem(p, "address_mapping", "bit 17 is not used by any field"));  // bank's bit 17 went away

    c = test_config();
    c.mapping.of(HbmField::Row).pop_back();  // 9 bits for 1024 rows
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.row", "row has 9 bits but must have 10 = log2(1024)"));
    CHECK(p.size() == 1);  // the top bit just ends lower: no gap

    c = test_config();
    c.mapping.of(HbmField::Column) = {5, 6, 7, 12, 3};  // bit 3 is inside an access
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.column", "bit 3 of column is below bit 5"));
    CHECK(has_problem(p, "address_mapping", "bit 13 is not used by any field"));

    c = test_config();
    c.mapping.of(HbmField::Row).back() = 70;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.row", "bit 70 of row is beyond bit 63"));

    c = test_config();
    c.geometry.stacks = 4;  // two stack bits needed, none given
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.stack", "stack has 0 bits but must have 2"));

    c = test_config();
    c.mapping.of(HbmField::Channel) = {8, 8, 10};
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.channel", "bit 8 is listed twice in channel"));
    CHECK(has_problem(p, "address_mapping", "bit 9 is not used by any field"));
}

TEST_CASE("hbm config: the map and the controller refuse an unusable config, naming every problem") {
    HbmConfig c = test_config();
    c.timing.tRAS_cycles = 40;
    c.mapping.of(HbmField::Bank) = {16, 9};
    try {
        HbmAddressMap map(c);
        FAIL("no error");
    } catch (const npuemu::Error& e) {
        const std::string m = e.what();
        CHECK(m.find("timing.tRAS_cycles") != std::string::npos);
        CHECK(m.find("address_mapping.bank") != std::string::npos);
    }
    // The controller ignores the mapping (it concerns the whole memory), not the timing.
    try {
        HbmChannelController ctl(c);
        FAIL("no error");
    } catch (const npuemu::Error& e) {
        const std::string m = e.what();
        CHECK(m.find("timing.tRAS_cycles") != std::string::npos);
        CHECK(m.find("address_mapping") == std::string::npos);
    }
    c.timing.tRAS_cycles = 25;
    CHECK_NOTHROW(HbmChannelController{c});
}

// ------------------------------------------------------------------------------------------------------------------
// The address map.

TEST_CASE("hbm address map: decode selects every field from its bits") {
    const HbmConfig c = test_config();
    const HbmAddressMap map(c);
    CHECK(map.capacity_bytes() == (uint64_t(1) << 28));
    CHECK(map.access_bytes() == 32);
    // column = bits 5,6,7 then 12,13; channel 8-10; pc 11; bank group 14-15; bank 16-17; row 18-27.
    const uint64_t offset = (uint64_t(0x2A5) << 18)  // row 0x2A5
                            | (uint64_t(2) << 16)    // bank 2
                            | (uint64_t(3) << 14)    // bank group 3
                            | (uint64_t(1) << 12)    // column bit 3
                            | (uint64_t(1) << 11)    // pseudo channel 1
                            | (uint64_t(5) << 8)     // channel 5
                            | (uint64_t(6) << 5)     // column bits 0-2 = 6
                            | 17;                    // byte in the access
    const HbmLocation loc = map.decode(offset);
    CHECK(loc.row == 0x2A5);
    CHECK(loc.bank == 2);
    CHECK(loc.bank_group == 3);
    CHECK(loc.column == 8 + 6);
    CHECK(loc.pseudo_channel == 1);
    CHECK(loc.channel == 5);
    CHECK(loc.stack == 0);
    CHECK(loc.global_pseudo_channel == 5 * 2 + 1);
    CHECK_THROWS_AS(map.decode(map.capacity_bytes()), npuemu::Error);

    // Stacks: global index = (stack * channels + channel) * pseudo channels + pseudo channel.
    HbmConfig s = test_config();
    s.geometry.stacks = 2;
    s.mapping.of(HbmField::Stack) = {28};
    const HbmAddressMap two(s);
    const HbmLocation l2 = two.decode((uint64_t(1) << 28) | (uint64_t(3) << 8));
    CHECK(l2.stack == 1);
    CHECK(l2.global_pseudo_channel == (1 * 8 + 3) * 2 + 0);
}

TEST_CASE("hbm address map: split cuts a range into runs of consecutive columns, in address order") {
    const HbmAddressMap map(test_config());
    std::vector<HbmRun> runs;
    // 256 bytes at 0: columns 0-7 of pseudo channel 0; the next 256 bytes go to channel 1.
    map.split(0, 512, runs);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].global_pseudo_channel == 0);
    CHECK(runs[0].column == 0);
    CHECK(runs[0].columns == 8);
    CHECK(runs[0].bytes == 256);
    CHECK(runs[1].global_pseudo_channel == 2);  // channel 1, pseudo channel 0
    CHECK(runs[1].offset == 256);

    // Partial accesses count as whole columns; bytes count the range.
    map.split(40, 100, runs);  // bytes 40..139: accesses 1..4
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].column == 1);
    CHECK(runs[0].columns == 4);
    CHECK(runs[0].bytes == 100);
    CHECK(runs[0].offset == 40);

    // A run continues across blocks when the next block of the same pseudo channel is the next columns of the row:
    // here column bits 3-4 sit at 12-13, so offsets 0 and 4096 are columns 0-7 and 8-15 of the same row, and a
    // range covering both in order gives separate runs (channels in between), never a merged one out of order.
    map.split(0, 8192, runs);
    CHECK(runs.size() == 32);
    uint64_t total = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
        total += runs[i].bytes;
        if (i) CHECK(runs[i].offset == runs[i - 1].offset + runs[i - 1].bytes);
    }
    CHECK(total == 8192);
    CHECK(runs[16].global_pseudo_channel == 0);
    CHECK(runs[16].column == 8);

    // With every column bit at the bottom, a whole row is one run.
    HbmConfig c = test_config();
    c.mapping.of(HbmField::Column) = {5, 6, 7, 8, 9};
    c.mapping.of(HbmField::Channel) = {10, 11, 12};
    c.mapping.of(HbmField::PseudoChannel) = {13};
    const HbmAddressMap rowwise(c);
    rowwise.split(1024 * 3 + 64, 2048, runs);  // from column 2 of one row into the next pseudo channel
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].column == 2);
    CHECK(runs[0].columns == 30);
    CHECK(runs[0].bytes == 1024 - 64);
    CHECK(runs[1].columns == 32);
    CHECK(runs[2].columns == 2);
    CHECK(runs[2].bytes == 64);

    map.split(0, 0, runs);
    CHECK(runs.empty());
    CHECK_THROWS_AS(map.split(map.capacity_bytes() - 32, 64, runs), npuemu::Error);
}

// ------------------------------------------------------------------------------------------------------------------
// The controller's interface contract.

TEST_CASE("hbm: submit refuses requests in the decided past or outside the geometry") {
    HbmChannelController ctl(test_config());
    ctl.advance(100 * kNs, nullptr);
    CHECK(ctl.decided_until_ps() == 100 * kNs);
    CHECK_THROWS_AS(ctl.submit(read(1, 0, 0, 0, 0, 1, 99 * kNs)), npuemu::Error);
    CHECK_NOTHROW(ctl.submit(read(1, 0, 0, 0, 0, 1, 100 * kNs)));
    CHECK_THROWS_AS(ctl.submit(read(2, 4, 0, 0, 0, 1, 200 * kNs)), npuemu::Error);   // bank group
    CHECK_THROWS_AS(ctl.submit(read(2, 0, 4, 0, 0, 1, 200 * kNs)), npuemu::Error);   // bank
    CHECK_THROWS_AS(ctl.submit(read(2, 0, 0, 1024, 0, 1, 200 * kNs)), npuemu::Error);  // row
    CHECK_THROWS_AS(ctl.submit(read(2, 0, 0, 0, 30, 3, 200 * kNs)), npuemu::Error);  // past the row's 32 columns
    CHECK_THROWS_AS(ctl.submit(read(2, 0, 0, 0, 0, 0, 200 * kNs)), npuemu::Error);   // no column
    // advance() backwards is a no-op.
    ctl.advance(50 * kNs, nullptr);
    CHECK(ctl.decided_until_ps() == 100 * kNs);
}

TEST_CASE("hbm: the completion callback may not re-enter the controller") {
    HbmChannelController ctl(test_config());
    ctl.submit(read(1, 0, 0, 0, 0, 1, 0));
    CHECK_THROWS_AS(ctl.advance(1000 * kNs, [&](uint64_t, uint64_t) { ctl.submit(read(2, 0, 0, 0, 0, 1, 2000 * kNs)); }),
                    npuemu::Error);
    // And the controller is usable afterwards.
    ctl.submit(read(3, 0, 0, 0, 1, 1, 2000 * kNs));
    uint64_t n = 0;
    ctl.advance(3000 * kNs, [&](uint64_t, uint64_t) { ++n; });
    CHECK(n == 1);
}

TEST_CASE("hbm: next_decision_ps() tells when the next command can issue; nothing queued is UINT64_MAX") {
    Rig r(test_config());
    CHECK(r.ctl.next_decision_ps() == UINT64_MAX);
    CHECK(r.ctl.queued_requests() == 0);
    r.ctl.submit(read(1, 0, 0, 0, 0, 2, 500 * kNs + 10));
    CHECK(r.ctl.queued_requests() == 1);
    CHECK(r.ctl.next_decision_ps() == 501 * kNs);  // the arrival's clock edge
    r.run(501 * kNs);                              // decides nothing at 501 yet
    CHECK(r.log.empty());
    CHECK(r.ctl.next_decision_ps() == 501 * kNs);
    r.run(502 * kNs);
    CHECK(r.cycles(K::Activate) == Cycles{501});
    CHECK(r.ctl.next_decision_ps() == 511 * kNs);  // the first read: tRCD after the ACT
    r.run(512 * kNs);
    CHECK(r.ctl.next_decision_ps() == 516 * kNs);  // the second: tCCD_L after the first
    r.run(517 * kNs);
    CHECK(r.done.size() == 1);
    CHECK(r.ctl.next_decision_ps() == UINT64_MAX);
    CHECK(r.ctl.queued_requests() == 0);
    // Sleeping until next_decision_ps() and advancing just past it gives the same as one big step.
    Rig s(test_config()), t(test_config());
    const auto work = random_workload(test_config(), 9, 500);
    for (const auto& q : work) {
        s.ctl.submit(q);
        t.ctl.submit(q);
    }
    t.run(work.back().arrival_ps + 1'000'000'000);
    int steps = 0;
    while (s.ctl.next_decision_ps() != UINT64_MAX) {
        REQUIRE(steps < 1'000'000);
        const uint64_t next = s.ctl.next_decision_ps();
        REQUIRE(next >= s.ctl.decided_until_ps());
        s.run(next + 1);
        ++steps;
    }
    s.run(work.back().arrival_ps + 1'000'000'000);
    CHECK(s.done == t.done);
    CHECK(same_commands(s.log, t.log));
    CHECK(steps > 1000);
}

TEST_CASE("hbm address map: decode equals a bit-by-bit reference, for compact and fragmented mappings") {
    HbmConfig fragmented = test_config();
    // Column and bank group spread over non-adjacent bits (three stretches or more).
    fragmented.mapping.of(HbmField::Column) = {5, 7, 9, 12, 14};
    fragmented.mapping.of(HbmField::Channel) = {6, 8, 10};
    fragmented.mapping.of(HbmField::PseudoChannel) = {11};
    fragmented.mapping.of(HbmField::BankGroup) = {13, 15};
    const HbmConfig configs[] = {test_config(), fragmented, load_preset("hbm2e", 4, false), load_preset("hbm3", 4, false)};
    std::mt19937_64 rng(3);
    for (const HbmConfig& c : configs) {
        REQUIRE_MESSAGE(check_hbm_config(c).empty(), describe(check_hbm_config(c)));
        const HbmAddressMap map(c);
        for (int i = 0; i < 20000; ++i) {
            const uint64_t offset = rng() & (map.capacity_bytes() - 1);
            uint32_t v[static_cast<size_t>(HbmField::Count)] = {};
            for (size_t f = 0; f < static_cast<size_t>(HbmField::Count); ++f)
                for (size_t k = 0; k < c.mapping.bits[f].size(); ++k)
                    v[f] |= static_cast<uint32_t>((offset >> c.mapping.bits[f][k]) & 1) << k;
            const HbmLocation loc = map.decode(offset);
            CHECK(loc.stack == v[static_cast<size_t>(HbmField::Stack)]);
            CHECK(loc.channel == v[static_cast<size_t>(HbmField::Channel)]);
            CHECK(loc.pseudo_channel == v[static_cast<size_t>(HbmField::PseudoChannel)]);
            CHECK(loc.bank_group == v[static_cast<size_t>(HbmField::BankGroup)]);
            CHECK(loc.bank == v[static_cast<size_t>(HbmField::Bank)]);
            CHECK(loc.row == v[static_cast<size_t>(HbmField::Row)]);
            CHECK(loc.column == v[static_cast<size_t>(HbmField::Column)]);
        }
        // split() agrees with decode() access by access.
        std::vector<HbmRun> runs;
        const uint64_t start = (rng() & (map.capacity_bytes() - 1)) & ~uint64_t(4095), bytes = 64 * 1024 + 17;
        map.split(start + 5, bytes, runs);
        uint64_t at = start + 5;
        for (const HbmRun& r : runs) {
            CHECK(r.offset == at);
            for (uint32_t k = 0; k < r.columns; ++k) {
                const HbmLocation loc = map.decode(k == 0 ? r.offset : ((r.offset >> 5) + k) << 5);
                CHECK(loc.global_pseudo_channel == r.global_pseudo_channel);
                CHECK(loc.row == r.row);
                CHECK(loc.bank == r.bank);
                CHECK(loc.bank_group == r.bank_group);
                CHECK(loc.column == r.column + k);
            }
            at += r.bytes;
        }
        CHECK(at == start + 5 + bytes);
    }
}

TEST_CASE("hbm address map: hashing keeps the map one to one, and encode() inverts decode()") {
    for (const std::string name : {"hbm2e", "hbm3"}) {
        for (uint32_t stacks : {1u, 4u}) {
            CAPTURE(name);
            CAPTURE(stacks);
            const HbmConfig c = load_preset(name, stacks);
            REQUIRE(c.mapping.hash_channels);
            REQUIRE(c.mapping.hash_banks);
            const HbmAddressMap map(c);
            std::mt19937_64 rng(11);
            for (int i = 0; i < 20000; ++i) {
                const uint64_t offset = (rng() & (map.capacity_bytes() - 1)) & ~uint64_t(31);
                const HbmLocation loc = map.decode(offset);
                CHECK(map.encode(loc) == offset);
            }
            // Distinct locations of a small exhaustive range stay distinct (a bijection on whole accesses).
            std::map<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t, uint32_t>, uint64_t> seen;
            for (uint64_t offset = 0; offset < (uint64_t(8) << 20); offset += 32) {
                const HbmLocation l = map.decode(offset);
                CHECK(seen.emplace(std::make_tuple(l.global_pseudo_channel, l.bank_group, l.bank, l.row, l.column), offset)
                          .second);
            }
        }
    }
}

TEST_CASE("hbm address map: hashing spreads a power-of-two stride over every channel and aligned regions over banks") {
    const HbmConfig plain = load_preset("hbm2e", 4, false), hashed = load_preset("hbm2e", 4);
    const HbmAddressMap plain_map(plain), hashed_map(hashed);
    // A matrix's rows 2 KiB apart (a 2048-wide int8 matrix): 512 rows.
    std::set<uint32_t> plain_pcs, hashed_pcs;
    for (uint64_t r = 0; r < 512; ++r) {
        plain_pcs.insert(plain_map.decode(r * 2048).global_pseudo_channel);
        hashed_pcs.insert(hashed_map.decode(r * 2048).global_pseudo_channel);
    }
    MESSAGE("2 KiB stride over 512 rows: " << plain_pcs.size() << " pseudo channels plain, " << hashed_pcs.size()
                                           << " hashed (of 64)");
    CHECK(plain_pcs.size() == 8);
    CHECK(hashed_pcs.size() == 64);
    // 32 regions 1 MiB apart (every tile streaming its own block), at the same offset: the same bank of one pseudo
    // channel without hashing; spread over the banks with it.
    std::set<std::pair<uint32_t, uint32_t>> plain_banks, hashed_banks;
    for (uint64_t t = 0; t < 32; ++t) {
        const HbmLocation p = plain_map.decode(t << 20), h = hashed_map.decode(t << 20);
        plain_banks.insert({p.global_pseudo_channel, p.bank_group * 4 + p.bank});
        hashed_banks.insert({h.global_pseudo_channel, h.bank_group * 4 + h.bank});
    }
    CHECK(plain_banks.size() == 1);
    CHECK(hashed_banks.size() >= 16);
    // A pseudo channel still keeps a whole row: its 4 blocks of 256 bytes, one round of the channels apart.
    const HbmLocation a = hashed_map.decode(5 * 256), b = hashed_map.decode(5 * 256 + 64 * 256);
    CHECK(a.global_pseudo_channel == b.global_pseudo_channel);
    CHECK(a.row == b.row);
    CHECK(a.bank == b.bank);
    CHECK(b.column == a.column + 8);
}

TEST_CASE("hbm: with early write acknowledgement a write completes when the write queue takes it") {
    HbmConfig c = test_config();
    c.controller.early_write_ack = true;
    c.controller.queue_depth = 4;
    c.controller.write_high_watermark = 4;
    c.controller.write_low_watermark = 1;
    HbmChannelController ctl(c);
    const uint64_t tck = c.clock_period_ps();
    // Six writes to six rows of one bank, all arriving at once: four fit the write queue and are acknowledged on
    // arrival; the fifth and sixth wait for a slot, which frees when the first writes' last column has issued.
    std::vector<std::pair<uint64_t, uint64_t>> done;
    for (uint32_t i = 0; i < 6; ++i) {
        HbmRequest w;
        w.tag = i;
        w.write = true;
        w.row = i;
        w.columns = 4;
        w.arrival_ps = 10 * tck;
        ctl.submit(w);
    }
    std::vector<HbmCommand> log;
    ctl.set_command_log(&log);
    ctl.advance(100'000 * tck, [&](uint64_t tag, uint64_t at) { done.emplace_back(tag, at); });
    REQUIRE(done.size() == 6);
    for (uint32_t i = 0; i < 4; ++i) {
        CHECK(done[i].first == i);
        CHECK(done[i].second == 10 * tck);
    }
    // The fifth is taken in when the first write has issued its last column (and left the queue).
    uint64_t first_done_cycle = 0;
    unsigned writes = 0;
    for (const auto& cmd : log) {
        if (cmd.kind == HbmCommandKind::Write && ++writes == 4) first_done_cycle = cmd.cycle;
    }
    CHECK(done[4].first == 4);
    CHECK(done[4].second == first_done_cycle * tck);
    CHECK(done[5].second > done[4].second);
    // The statistics still count to the data.
    CHECK(ctl.stats().write_requests == 6);
    CHECK(ctl.stats().write_latency_ps.min() > 0);
}

// ------------------------------------------------------------------------------------------------------------------
// A golden digest: long random runs, driven the way the chip drives a controller (submissions shuffled within a
// lookahead, advance() in steps from sub-cycle to microseconds, next_decision_ps() asked in between), hashed over
// everything the caller can see: the command log, completions in callback order, next_decision_ps(),
// queued_requests() and every statistic. The expected values were computed by the controller as it was before the
// scheduler was made faster (commit 5dbe2b8); a change of speed must not change them. A deliberate change of
// behaviour updates them (the failure prints the new values).

namespace {

struct Fnv {
    uint64_t h = 1469598103934665603ull;
    void add(uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (8 * i)) & 0xff;
            h *= 1099511628211ull;
        }
    }
};

void digest_stats(Fnv& f, const HbmChannelStats& s) {
    for (uint64_t v : {s.read_requests, s.write_requests, s.read_bytes, s.write_bytes, s.activates, s.precharges,
                       s.row_hits, s.row_misses, s.row_conflicts, s.read_to_write_turnarounds,
                       s.write_to_read_turnarounds, s.refreshes, s.refresh_cycles, s.data_bus_busy_cycles,
                       s.write_drains, s.occupancy_integral_ps, s.max_occupancy})
        f.add(v);
    for (const npuemu::LatencyHistogram* h : {&s.read_latency_ps, &s.write_latency_ps}) {
        f.add(h->count());
        f.add(h->sum());
        f.add(h->min());
        f.add(h->max());
        for (unsigned i = 0; i < npuemu::LatencyHistogram::kBuckets; ++i) f.add(h->bucket_count(i));
    }
}

// The chip's traffic on one pseudo channel: many streams (tiles), each reading or writing 256-byte requests
// (8 columns) through a row, then jumping to another bank and row (the address hash spreads them over every bank),
// arriving in bursts; the read window stays full.
std::vector<HbmRequest> chip_like_workload(const HbmConfig& c, uint64_t seed, size_t n) {
    std::mt19937_64 rng(seed);
    struct Stream {
        uint32_t bank, row, next_column;
        bool write;
    };
    const uint32_t banks = c.geometry.banks(), columns = c.geometry.columns();
    std::vector<Stream> streams(32);
    for (auto& s : streams) s = {uint32_t(rng() % banks), uint32_t(rng() % 64), columns, rng() % 4 == 0};
    std::vector<HbmRequest> out;
    uint64_t t = 0;
    while (out.size() < n) {
        t += 1000 + rng() % 8000;
        const bool busy = out.size() / 2000 % 2 == 0;  // phases of overload and of lighter traffic
        for (uint64_t k = rng() % (busy ? 6 : 2); k-- > 0 && out.size() < n;) {
            Stream& s = streams[rng() % streams.size()];
            if (s.next_column + 8 > columns) {  // on to another row of another bank
                s.bank = rng() % banks;
                s.row = rng() % 64;
                s.next_column = 0;
            }
            HbmRequest r;
            r.tag = out.size();
            r.write = s.write;
            r.bank_group = s.bank / c.geometry.banks_per_group;
            r.bank = s.bank % c.geometry.banks_per_group;
            r.row = s.row;
            r.column = s.next_column;
            r.columns = 8;
            s.next_column += 8;
            r.arrival_ps = t + rng() % 700;
            out.push_back(r);
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const HbmRequest& a, const HbmRequest& b) { return a.arrival_ps < b.arrival_ps; });
    return out;
}

// Drives a controller through `work` (sorted by arrival) and returns the digest of all it shows.
uint64_t digest_run(const HbmConfig& c, const std::vector<HbmRequest>& work, uint64_t seed) {
    HbmChannelController ctl(c);
    std::vector<HbmCommand> log;
    ctl.set_command_log(&log);
    std::mt19937_64 rng(seed);
    Fnv f;
    size_t next = 0, logged = 0, completed = 0;
    uint64_t t = 0;
    const uint64_t tck = c.clock_period_ps();
    std::vector<HbmRequest> batch;
    const auto done = [&](uint64_t tag, uint64_t at) {
        f.add(tag);
        f.add(at);
        ++completed;
    };
    while (next < work.size() || ctl.queued_requests() != 0) {
        REQUIRE(t < work.back().arrival_ps + 100'000'000'000ull);
        uint64_t step;
        switch (rng() % 8) {
            case 0: step = 1 + rng() % (2 * tck); break;                 // sub-cycle and single cycles
            case 1: step = 20'000 + rng() % 20'000; break;               // tens of nanoseconds
            case 2: step = rng() % 64 == 0 ? 2'000'000 : 100'000; break; // long
            case 3: {                                                    // to just past the next decision
                const uint64_t d = ctl.next_decision_ps();
                step = d == UINT64_MAX || d <= t ? 5000 : d + 1 - t;
                break;
            }
            default: step = 4000 + rng() % 2000; break;                  // the chip's ~5 ns batches
        }
        t += step;
        // Everything arriving before the step's end plus a lookahead, submitted in a shuffled order (arrival ties
        // keep submission order, so the shuffle matters).
        const uint64_t horizon = t + rng() % 10'000;
        batch.clear();
        while (next < work.size() && work[next].arrival_ps < horizon) batch.push_back(work[next++]);
        for (size_t j = batch.size(); j > 1; --j) std::swap(batch[j - 1], batch[rng() % j]);  // not std::shuffle:
                                                                                        // the same on every library
        for (const auto& r : batch) ctl.submit(r);
        if (rng() % 2) f.add(ctl.next_decision_ps());
        ctl.advance(t, done);
        for (; logged < log.size(); ++logged) {
            const HbmCommand& cmd = log[logged];
            f.add(cmd.cycle);
            f.add(uint64_t(cmd.kind) << 48 | uint64_t(cmd.bank_group) << 40 | uint64_t(cmd.bank) << 32 | cmd.row);
            f.add(cmd.column);
        }
        f.add(ctl.next_decision_ps());
        f.add(ctl.queued_requests());
        f.add(ctl.decided_until_ps());
    }
    CHECK(completed == work.size());
    digest_stats(f, ctl.stats());
    return f.h;
}

// The presets' figures (configs/memory/hbm2e.yaml, hbm3.yaml as of this test), written out so that retuning a
// preset does not move the digests.
HbmConfig golden_config(bool hbm3) {
    HbmConfig c = test_config();
    c.preset = hbm3 ? "hbm3-golden" : "hbm2e-golden";
    c.clock_mhz = 1600;
    c.data_rate_mtps = hbm3 ? 6400 : 3200;
    c.geometry.stacks = 4;
    c.geometry.channels_per_stack = hbm3 ? 16 : 8;
    c.geometry.rows = hbm3 ? 32768 : 65536;
    c.geometry.bus_width_bits = hbm3 ? 32 : 64;
    c.geometry.burst_length = hbm3 ? 8 : 4;
    HbmTiming& t = c.timing;
    t.tRCD_cycles = 23;
    t.tRP_cycles = 23;
    t.tRAS_cycles = 55;
    t.tRC_cycles = 78;
    t.tCL_cycles = 23;
    t.tWL_cycles = 7;
    t.tCCD_S_cycles = 2;
    t.tCCD_L_cycles = 4;
    t.tRRD_S_cycles = hbm3 ? 2 : 7;
    t.tRRD_L_cycles = hbm3 ? 4 : 10;
    t.tFAW_cycles = 48;
    t.tWR_cycles = 26;
    t.tWTR_S_cycles = 10;
    t.tWTR_L_cycles = 13;
    t.tRTP_cycles = 10;
    t.tRTW_cycles = 20;
    t.tRFC_cycles = hbm3 ? 560 : 720;
    t.tRFCpb_cycles = hbm3 ? 320 : 256;
    t.tREFI_cycles = 6240;
    c.controller.queue_depth = 32;
    c.controller.write_high_watermark = 24;
    c.controller.write_low_watermark = 8;
    c.controller.frontend_latency_cycles = 8;
    return c;
}

}  // namespace

TEST_CASE("hbm: golden digests of long random runs (speed-ups must not change any decision)") {
    struct Case {
        const char* preset;
        bool chip_like;
        PagePolicy page;
        RefreshMode refresh;
        bool early_write_ack;
        uint32_t queue_depth;      // 0: the preset's
        uint32_t banks_per_group;  // 0: the preset's; else 8 bank groups of this many banks
        uint64_t expected;
        uint32_t row_hit_cap = 0;  // 0 (unbounded): the digests from before the cap, unchanged
    };
    using P = PagePolicy;
    using R = RefreshMode;
    const Case cases[] = {
        {"hbm2e", true, P::Open, R::PerBank, true, 0, 0, 0x43bbe68dd0321ae0ull},
        {"hbm2e", true, P::Open, R::AllBank, true, 0, 0, 0xcddab5d67b22f519ull},
        {"hbm2e", true, P::Closed, R::PerBank, false, 0, 0, 0xfef5cbb50a15d324ull},
        {"hbm2e", true, P::Closed, R::AllBank, false, 0, 0, 0x6bf3543cf85fd9a1ull},
        {"hbm2e", false, P::Open, R::PerBank, false, 0, 0, 0x77b2ff432b596bb7ull},
        {"hbm2e", false, P::Open, R::AllBank, true, 0, 0, 0x3e6a9a2d732299daull},
        {"hbm2e", false, P::Closed, R::PerBank, true, 0, 0, 0x1d6632e9de433613ull},
        {"hbm2e", false, P::Closed, R::AllBank, false, 0, 0, 0xaf8135c8ab905b07ull},
        {"hbm3", true, P::Open, R::PerBank, false, 0, 0, 0x91f5f86cb0054ab1ull},
        {"hbm3", true, P::Closed, R::AllBank, true, 0, 0, 0x31d3eba3bb41bb44ull},
        {"hbm3", false, P::Open, R::AllBank, false, 0, 0, 0x7a185adc6c378682ull},
        {"hbm3", false, P::Closed, R::PerBank, true, 0, 0, 0x7fda4c9964c064e7ull},
        {"hbm2e", true, P::Open, R::PerBank, true, 8, 0, 0x0ea06a74c756d4e1ull},
        {"hbm2e", false, P::Closed, R::AllBank, false, 6, 0, 0x8027741c2b647a28ull},
        {"test", true, P::Open, R::PerBank, false, 0, 0, 0x0a2ee90dc20d1d6eull},
        {"test", false, P::Closed, R::AllBank, true, 0, 0, 0x96774d761117dbd0ull},
        {"hbm2e", true, P::Open, R::PerBank, true, 0, 8, 0x2c84b25966149f6cull},
        {"hbm2e", false, P::Open, R::AllBank, false, 0, 4, 0x1cde22d4cb2acaf6ull},
        // controller.row_hit_cap at its default (16) and small
        {"hbm2e", true, P::Open, R::PerBank, true, 0, 0, 0xa74b51506aecee3eull, 16},
        {"hbm2e", false, P::Open, R::AllBank, false, 0, 0, 0xbd7f999dba11c73dull, 16},
        {"hbm3", true, P::Closed, R::AllBank, true, 0, 0, 0x89ffec205e84719dull, 16},
        {"hbm3", false, P::Open, R::PerBank, true, 0, 0, 0x331d51bcce5dd0dcull, 4},
        {"hbm2e", true, P::Open, R::PerBank, true, 8, 0, 0x4b1fa70f23789121ull, 2},
        {"test", false, P::Open, R::AllBank, false, 0, 0, 0x035be3c93df52bd9ull, 1},
    };
    std::string table;
    bool all_match = true;
    for (size_t i = 0; i < std::size(cases); ++i) {
        const Case& k = cases[i];
        const std::string preset = k.preset;
        HbmConfig c = preset == "test" ? test_config() : golden_config(preset == "hbm3");
        if (k.banks_per_group) {
            c.geometry.bank_groups = 8;
            c.geometry.banks_per_group = k.banks_per_group;
        }
        c.controller.page_policy = k.page;
        c.controller.refresh = k.refresh;
        c.controller.early_write_ack = k.early_write_ack;
        c.controller.row_hit_cap = k.row_hit_cap;
        if (k.queue_depth) {
            c.controller.queue_depth = k.queue_depth;
            c.controller.write_high_watermark = k.queue_depth * 3 / 4;
            c.controller.write_low_watermark = k.queue_depth / 4;
        }
        c.timing.tREFI_cycles = 1560 + 64 * i;  // refresh often, so it interleaves with traffic
        const auto work = k.chip_like ? chip_like_workload(c, 100 + i, 30000)
                                      : random_workload(c, 200 + i, 20000, i % 2 ? 7000 : 4000);
        const uint64_t d = digest_run(c, work, 300 + i);
        CAPTURE(i);
        CHECK(d == k.expected);
        all_match = all_match && d == k.expected;
        char line[64];
        std::snprintf(line, sizeof line, "%zu: 0x%016llxull\n", i, static_cast<unsigned long long>(d));
        table += line;
    }
    if (!all_match) MESSAGE("digests:\n" << table);
}
