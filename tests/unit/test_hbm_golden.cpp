// Golden digests of the HBM controller's long random runs: speed-ups must not change any decision.
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
    for (uint64_t v :
         {s.read_requests, s.write_requests, s.read_bytes, s.write_bytes, s.activates, s.precharges, s.row_hits,
          s.row_misses, s.row_conflicts, s.read_to_write_turnarounds, s.write_to_read_turnarounds, s.refreshes,
          s.refresh_cycles, s.data_bus_busy_cycles, s.write_drains, s.occupancy_integral_ps, s.max_occupancy})
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
            case 0: step = 1 + rng() % (2 * tck); break;                  // sub-cycle and single cycles
            case 1: step = 20'000 + rng() % 20'000; break;                // tens of nanoseconds
            case 2: step = rng() % 64 == 0 ? 2'000'000 : 100'000; break;  // long
            case 3: {                                                     // to just past the next decision
                const uint64_t d = ctl.next_decision_ps();
                step = d == UINT64_MAX || d <= t ? 5000 : d + 1 - t;
                break;
            }
            default: step = 4000 + rng() % 2000; break;  // the chip's ~5 ns batches
        }
        t += step;
        // Everything arriving before the step's end plus a lookahead, submitted in a shuffled order (arrival ties
        // keep submission order, so the shuffle matters).
        const uint64_t horizon = t + rng() % 10'000;
        batch.clear();
        while (next < work.size() && work[next].arrival_ps < horizon) batch.push_back(work[next++]);
        for (size_t j = batch.size(); j > 1; --j)
            std::swap(batch[j - 1], batch[rng() % j]);  // not std::shuffle:
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
