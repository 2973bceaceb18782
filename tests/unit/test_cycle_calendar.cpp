// The mesh's bitmap link calendar against LinkCalendar, the interval list it replaced: the same start for every
// reservation and the same interval count after every retire, in the bitmap, across its window's growth, through
// the switch to intervals for a too-wide window and back; and its errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>

#include "model/common/error.h"
#include "model/noc/cycle_calendar.h"
#include "model/noc/link_calendar.h"

using namespace npuemu::noc;

namespace {

// Reservations from a moving "now": most near it (some before earlier ones: gaps to fill), some lengths beyond a
// word, now and then (in the first eighth of the run) one `far_cycles` ahead; a retire at now every few. Checks
// every answer against the list.
struct DifferentialRun {
    uint64_t reservations = 0, mismatches = 0, count_mismatches = 0;
    bool left_bitmap = false, back_in_bitmap = false;
    uint64_t widest_window_cycles = 0, last_window_cycles = 0;
};

// From the second half of the run on, reservations reach late_ahead_cycles ahead instead (0: unchanged).
DifferentialRun run_against_list(uint32_t seed, uint64_t steps, uint64_t ahead_cycles, uint64_t far_cycles,
                                 uint64_t late_ahead_cycles = 0) {
    std::mt19937_64 rng(seed);
    CycleCalendar bitmap;
    LinkCalendar list;
    DifferentialRun run;
    uint64_t now = 0;
    for (uint64_t step = 0; step < steps; ++step) {
        now += rng() % 16;  // ~7.5 cycles a step for ~4.7 cycles of reservations: busy, not overloaded
        if (step % 16 == 0) {
            bitmap.retire_through(now);
            list.retire_through(now);
            run.count_mismatches += bitmap.interval_count() != list.interval_count();
            if (!bitmap.in_bitmap()) run.left_bitmap = true;
            if (run.left_bitmap && bitmap.in_bitmap()) run.back_in_bitmap = true;
            run.widest_window_cycles = std::max(run.widest_window_cycles, bitmap.window_cycles());
            run.last_window_cycles = bitmap.window_cycles();
        }
        const uint64_t ahead = late_ahead_cycles && step >= steps / 2 ? late_ahead_cycles : ahead_cycles;
        const uint64_t pick = rng() % 100;
        const uint64_t length = pick < 1 ? 65 + rng() % 200 : pick < 40 ? 1 : 1 + rng() % 8;
        const uint64_t earliest = now + (pick == 99 && far_cycles && step < steps / 8 ? far_cycles : rng() % ahead);
        const uint64_t expected = list.reserve(earliest, length);
        run.mismatches += bitmap.reserve(earliest, length) != expected;
        ++run.reservations;
    }
    return run;
}

}  // namespace

TEST_CASE("cycle calendar: every reservation lands where LinkCalendar puts it, within the bitmap") {
    for (const uint64_t ahead : {3u, 40u, 700u, 5000u}) {  // the last ones widen the ring past one cache line
        CAPTURE(ahead);
        const DifferentialRun run = run_against_list(11 + uint32_t(ahead), 20000, ahead, 0);
        CHECK(run.mismatches == 0);
        CHECK(run.count_mismatches == 0);
        CHECK_FALSE(run.left_bitmap);
    }
}

TEST_CASE("cycle calendar: the ring widens for reservations far ahead and narrows again when they are gone") {
    const DifferentialRun run = run_against_list(3, 20000, 20000, 0, 40);
    CHECK(run.mismatches == 0);
    CHECK(run.count_mismatches == 0);
    CHECK(run.widest_window_cycles >= 16384);
    CHECK(run.last_window_cycles <= 1024);
}

TEST_CASE("cycle calendar: a window too wide for the bitmap goes to intervals and comes back, answers unchanged") {
    const DifferentialRun run = run_against_list(5, 20000, 300, CycleCalendar::kMaxWindowCycles + 1000);
    CHECK(run.mismatches == 0);
    CHECK(run.count_mismatches == 0);
    CHECK(run.left_bitmap);
    CHECK(run.back_in_bitmap);
}

TEST_CASE("cycle calendar: fills gaps, merges runs and retires as LinkCalendar's own test expects") {
    CycleCalendar cal;
    CHECK(cal.reserve(10, 4) == 10);
    CHECK(cal.reserve(10, 4) == 14);  // queued behind, one run [10, 18)
    CHECK(cal.interval_count() == 1);
    CHECK(cal.reserve(30, 5) == 30);
    CHECK(cal.reserve(0, 10) == 0);    // fits exactly before 10
    CHECK(cal.reserve(16, 13) == 35);  // the gap [18, 30) is one cycle short
    CHECK(cal.reserve(19, 11) == 19);  // fits [19, 30) exactly
    CHECK(cal.interval_count() == 2);
    CHECK(cal.find(0, 1) == 18);
    CHECK(cal.reserve(0, 1) == 18);  // the one-cycle hole: one run [0, 48)
    CHECK(cal.interval_count() == 1);
    CHECK(cal.reserve(60, 70) == 60);  // longer than a word, across two word boundaries
    CHECK(cal.find(47, 12) == 48);     // the gap [48, 60)
    CHECK(cal.find(47, 13) == 130);    // one cycle too short
    cal.retire_through(48);
    CHECK(cal.interval_count() == 1);
    cal.retire_through(200);
    CHECK(cal.interval_count() == 0);
    CHECK(cal.reserve(200, 3) == 200);
}

TEST_CASE("cycle calendar: a zero length or a reservation before the retired time is an error, not a wrong answer") {
    CycleCalendar cal;
    CHECK_THROWS_AS(cal.reserve(5, 0), npuemu::Error);
    cal.reserve(100, 5);
    cal.retire_through(90);
    CHECK_THROWS_WITH_AS(cal.reserve(89, 1), doctest::Contains("before cycle 90 already retired"), npuemu::Error);
    CHECK_THROWS_AS(cal.find(10, 1), npuemu::Error);
    CHECK(cal.reserve(90, 10) == 90);  // exactly fills [90, 100)
    CHECK(cal.interval_count() == 1);
}
