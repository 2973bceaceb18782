// The HBM controller's determinism (small steps equal one big step), its statistics against its command log, and
// every logged command against the timing rules.
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
// Determinism: many small advance() steps interleaved with submissions equal one big advance().

namespace {

struct Run {
    std::vector<Done> done;
    std::vector<HbmCommand> log;
    HbmChannelStats stats;
};

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
        CHECK(s.refresh_cycles ==
              refs * (refresh == RefreshMode::AllBank ? c.timing.tRFC_cycles : c.timing.tRFCpb_cycles));
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
