// One pseudo channel's controller against the JEDEC rules it implements (exact command cycles from the
// command log), its refresh, latencies and scheduling policies.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

#include "model/common/error.h"
#include "model/config/chip_config.h"
#include "model/mem/hbm_address_map.h"
#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"
#include "tests/unit/hbm_test_rig.h"
using namespace npuemu::mem;
using namespace npuemu::mem::hbm_test;

#include "tests/unit/hbm_test_workloads.h"

using namespace npuemu::mem;
using namespace npuemu::mem::hbm_test;

// ------------------------------------------------------------------------------------------------------------------
// JEDEC timing rules, one at a time, on exact command cycles.

TEST_CASE("hbm: a second ACT to the same bank waits tRC, and ACT to PRE waits tRAS") {
    Rig r(test_config());
    r.ctl.submit(read(1, 0, 0, 1, 0, 1, 0));
    r.ctl.submit(read(2, 0, 0, 2, 0, 1, 0));
    r.run(1000 * kNs);
    CHECK(r.cycles(K::Activate) == Cycles{0, 37});  // tRC = 37 > PRE (25) + tRP (11)
    CHECK(r.cycles(K::Precharge) == Cycles{25});    // tRAS = 25 > RD (10) + tRTP (6)
    CHECK(r.cycles(K::Read) == Cycles{10, 47});     // tRCD after each ACT
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
