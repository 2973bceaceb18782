// The HBM controller's row-hit cap (controller.row_hit_cap): a request behind a stream of hits to its bank's open
// row is served within the bound, the request in service is not split, and nothing changes without a conflict.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"
#include "tests/unit/hbm_test_rig.h"

using namespace npuemu::mem;
using namespace npuemu::mem::hbm_test;

// controller.row_hit_cap: FR-FCFS serves row hits first, so a stream of hits to a bank's open row held an older
// request to another row of that bank back for as long as the stream lasted (a BF16 2048^3 GEMM saw one read wait
// ~10 us). With the cap, at most row_hit_cap hit columns overtake it.
namespace {

struct StarvedRead {
    uint64_t latency_ps;     // of the request to the other row
    uint64_t hits_before;    // stream columns to row 0 issued between its arrival and its bank's PRE (or the end)
    uint64_t caps;           // stats().row_hit_caps
    bool stream_contiguous;  // every stream request's columns went out back to back in its bank
};

// Bank 0 of group 0: request 1 opens row 0; request 2 (row 5) arrives 1 ns later; from then on `stream` requests
// of `columns` columns each hit row 0, arriving one every `columns` x tCCD_L cycles (as fast as the bank serves
// them), so the window always holds a hit.
StarvedRead starve(uint32_t cap, uint32_t columns, uint32_t stream) {
    HbmConfig c = test_config();
    c.controller.row_hit_cap = cap;
    Rig r(c);
    r.ctl.submit(read(1, 0, 0, 0, 0, 1, 0));
    const uint64_t arrival = 1 * kNs;
    r.ctl.submit(read(2, 0, 0, 5, 0, 1, arrival));
    const uint64_t gap = uint64_t(columns) * c.timing.tCCD_L_cycles * kNs;
    for (uint32_t i = 0; i < stream; ++i)
        r.ctl.submit(read(100 + i, 0, 0, 0, (i * columns) % 32, columns, 2 * kNs + i * gap));
    r.run((stream + 10) * gap + 10000 * kNs);
    StarvedRead out{};
    out.latency_ps = r.done_of(2) - arrival;
    out.caps = r.ctl.stats().row_hit_caps;
    // The stream's columns (row 0 reads after request 1's), and how many went out before the bank's first PRE.
    std::vector<uint32_t> stream_columns;
    bool closed = false, first = true;
    for (const auto& cmd : r.log) {
        if (cmd.kind == K::Precharge) closed = true;
        if (cmd.kind != K::Read || cmd.row != 0) continue;
        if (first) {
            first = false;
            continue;
        }
        stream_columns.push_back(cmd.column);
        if (!closed) ++out.hits_before;
    }
    out.stream_contiguous = stream_columns.size() == size_t(stream) * columns;
    for (size_t i = 0; i < stream_columns.size(); ++i)
        if (stream_columns[i] != ((i / columns) * columns) % 32 + i % columns) out.stream_contiguous = false;
    return out;
}

}  // namespace

TEST_CASE("hbm: row_hit_cap bounds how long a stream of row hits holds back an older request to another row") {
    const HbmConfig c = test_config();
    CHECK(c.controller.row_hit_cap == 16);  // the default
    const HbmTiming& t = c.timing;
    const uint64_t burst = c.burst_cycles();
    // After at most `hits` hit columns (tCCD_L apart, same bank group): PRE (tRTP after the last RD, tRAS after the
    // ACT), ACT (tRP), RD (tRCD), data (tCL + burst); request 1 went first (tRCD after its ACT).
    const auto bound = [&](uint64_t hits) {
        return (t.tRCD_cycles + hits * t.tCCD_L_cycles + std::max<uint64_t>(t.tRTP_cycles, t.tRAS_cycles) +
                t.tRP_cycles + t.tRCD_cycles + t.tCL_cycles + burst) *
               kNs;
    };
    SUBCASE("one-column requests: exactly the cap of hits goes first") {
        const StarvedRead capped = starve(16, 1, 400);
        CHECK(capped.hits_before == 16);
        CHECK(capped.latency_ps <= bound(16));
        CHECK(capped.caps == 1);
        const StarvedRead small = starve(4, 1, 400);
        CHECK(small.hits_before == 4);
        CHECK(small.latency_ps <= bound(4));
        CHECK(small.latency_ps < capped.latency_ps);
        // 0: plain FR-FCFS, the old behaviour: the read waits for the whole stream (400 x tCCD_L).
        const StarvedRead unbounded = starve(0, 1, 400);
        CHECK(unbounded.hits_before == 400);
        CHECK(unbounded.latency_ps >= 400 * t.tCCD_L_cycles * kNs);
        CHECK(unbounded.caps == 0);
    }
    SUBCASE("four-column requests: the request in service finishes its columns, then the older one goes") {
        const StarvedRead r = starve(6, 4, 200);
        CHECK(r.hits_before == 8);  // the cap falls inside the second request, which completes
        CHECK(r.latency_ps <= bound(8));
        CHECK(r.stream_contiguous);
        CHECK(r.caps == 1);  // once the older request is served, the stream has the bank to itself again
        const StarvedRead unbounded = starve(0, 4, 200);
        CHECK(unbounded.hits_before == 800);
    }
}

TEST_CASE("hbm: row_hit_cap does not act without an older request to another row, nor across directions") {
    HbmConfig c = test_config();
    c.controller.row_hit_cap = 2;
    Rig r(c);
    // A long stream to one row, no conflict: one ACT, every later column a hit.
    for (uint32_t i = 0; i < 40; ++i) r.ctl.submit(read(i + 1, 0, 0, 0, i % 32, 1, 0));
    // A write to another row, older than the reads still queued, does not cap them: reads go first, and writes
    // are held back only while under the drain watermark.
    r.ctl.submit(write(100, 0, 0, 7, 0, 1, 3 * kNs));
    r.run(2000 * kNs);
    CHECK(r.cycles(K::Activate).size() == 2);  // row 0, then the write's row 7 once the reads are done
    CHECK(r.ctl.stats().row_hit_caps == 0);
    CHECK(r.ctl.stats().row_hits == 39);
}
