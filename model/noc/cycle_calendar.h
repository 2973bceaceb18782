// The reservations of one mesh link (one direction) in whole cycles, as a bitmap: bit c set = cycle c reserved.
// The placement rule is LinkCalendar's (the earliest free run of length_cycles at or after earliest_cycle; its
// merged intervals are the runs of set bits here), so results are the same reservation for reservation, but a
// reservation reads and writes a word or two where the sorted list searched and inserted: the mesh makes millions
// of them, six a packet (bench/timing_only_profile.md, "Fourth pass: the mesh's link calendars").
//
// The bitmap covers a window of whole 64-cycle words, from the word of the last retire_through() cycle on, in a
// ring that grows to fit the last reservation. Traffic sparse in time with no retire in between would make the
// window wide: past kMaxWindowCycles the calendar keeps a LinkCalendar instead (memory bounded by the intervals,
// as before) until a retire makes the live span short again. Both forms hold the same busy cycles.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include "model/noc/link_calendar.h"

namespace npuemu::noc {

class CycleCalendar {
public:
    // 65,536 cycles (8 KiB a link); a retire shrinking the live span to half of it returns to the bitmap.
    static constexpr uint64_t kMaxWindowCycles = uint64_t(1) << 16;

    // Reserves [s, s + length_cycles) for the smallest s >= earliest_cycle that overlaps no reservation, and
    // returns s. Throws npuemu::Error for a length of 0 or an earliest_cycle before the last retire_through()
    // cycle (what was retired is forgotten).
    uint64_t reserve(uint64_t earliest_cycle, uint64_t length_cycles) {
        if (length_cycles == 1) return reserve_one(earliest_cycle);
        // Nearly always otherwise: a packet of at most 64 cycles, free from earliest_cycle on (after every
        // reservation, or in a gap long enough), inside the window. One test on the word or two it covers, no
        // branch on which case.
        if (length_cycles - 1 < 64 && earliest_cycle >= retired_cycle_ && fits(earliest_cycle + length_cycles) &&
            (span_bits(earliest_cycle, length_cycles) & (~uint64_t(0) >> (64 - length_cycles))) == 0) {
            mark_short(earliest_cycle, length_cycles);
            top_cycle_ = std::max(top_cycle_, earliest_cycle + length_cycles);
            return earliest_cycle;
        }
        return reserve_elsewhere(earliest_cycle, length_cycles);
    }
    // reserve(earliest_cycle, 1): every packet of the default mesh (its links carry a whole DMA burst per cycle).
    // Inside the window it takes the first clear bit from earliest_cycle on in its word, busy or not (bits from
    // top_cycle_ on are clear), so a clash costs a count of trailing zeros instead of a call.
    uint64_t reserve_one(uint64_t earliest_cycle) {
        if (earliest_cycle >= retired_cycle_ && fits(earliest_cycle + 1)) {
            uint64_t& bits = word(earliest_cycle >> 6);
            const uint64_t free_from_earliest = ~bits >> (earliest_cycle & 63);
            if (free_from_earliest != 0) {
                const uint64_t at = earliest_cycle + uint64_t(__builtin_ctzll(free_from_earliest));
                bits |= uint64_t(1) << (at & 63);
                top_cycle_ = std::max(top_cycle_, at + 1);
                return at;
            }
        }
        return reserve_elsewhere(earliest_cycle, 1);  // busy to the end of its word, or off the window
    }
    // Where reserve() would place it, without reserving (same precondition).
    uint64_t find(uint64_t earliest_cycle, uint64_t length_cycles) const;
    // Forgets the reservations before `cycle`: later reservations must start at or after it. A cycle at or before
    // an earlier one changes nothing.
    void retire_through(uint64_t cycle);

    // The runs of reserved cycles at or after the last retire cycle (LinkCalendar's interval count: intervals that
    // end after it), for diagnostics and tests.
    size_t interval_count() const;
    // Whether the reservations are in the bitmap now (false: the LinkCalendar of a too-wide window); for tests.
    bool in_bitmap() const { return !intervals_; }
    // The cycles the bitmap's ring covers now (0 as intervals); for tests.
    uint64_t window_cycles() const { return uint64_t(word_count_) * 64; }

private:
    struct AlignedWordsDeleter {
        void operator()(uint64_t* words) const { ::operator delete (words, std::align_val_t{64}); }
    };

    // Whether cycles up to end_cycle - 1 lie inside the window (never with no ring, e.g. as intervals).
    bool fits(uint64_t end_cycle) const { return ((end_cycle - 1) >> 6) - (retired_cycle_ >> 6) < word_count_; }
    uint64_t& word(uint64_t absolute_word) const { return words_.get()[absolute_word & word_mask_]; }
    // The bits of the cycles from start_cycle on (bit 0: start_cycle), as far as the window's words of [start_cycle,
    // start_cycle + length_cycles) hold them; 1 to 64 cycles, inside the window.
    uint64_t span_bits(uint64_t start_cycle, uint64_t length_cycles) const {
        const uint64_t offset = start_cycle & 63;
        uint64_t bits = word(start_cycle >> 6) >> offset;
        if (offset + length_cycles > 64) bits |= word((start_cycle >> 6) + 1) << (64 - offset);
        return bits;
    }
    // Sets the bits of [start_cycle, start_cycle + length_cycles), 1 to 64 of them (inside the window).
    void mark_short(uint64_t start_cycle, uint64_t length_cycles) const {
        const uint64_t ones = ~uint64_t(0) >> (64 - length_cycles);
        const uint64_t offset = start_cycle & 63;
        word(start_cycle >> 6) |= ones << offset;
        if (offset + length_cycles > 64) word((start_cycle >> 6) + 1) |= ones >> (64 - offset);
    }
    // Sets the bits of [start_cycle, end_cycle) (inside the window), any number of them.
    void mark(uint64_t start_cycle, uint64_t end_cycle) const;
    // reserve() off its fast path: a gap before the last reservation, a wider window, or the intervals.
    uint64_t reserve_elsewhere(uint64_t earliest_cycle, uint64_t length_cycles);
    // Any request, the rare ones included (longer than a word, beyond the window, as intervals, bad); throws for a
    // bad one.
    [[gnu::noinline]] uint64_t reserve_anyhow(uint64_t earliest_cycle, uint64_t length_cycles);
    // The bitmap's answer to find() (bitmap mode): walks the busy and free runs from earliest_cycle.
    uint64_t first_fit(uint64_t earliest_cycle, uint64_t length_cycles) const;
    uint64_t first_busy(uint64_t cycle, uint64_t limit_cycle) const;  // first reserved in [cycle, limit), or limit
    uint64_t first_free(uint64_t busy_cycle) const;                   // first unreserved after a reserved cycle
    // Makes the ring cover cycles up to end_cycle - 1; false (nothing changed) when that is wider than the maximum.
    bool widen_to(uint64_t end_cycle);
    void resize_ring(uint32_t count);  // a ring of `count` words (a power of two) with the live words moved in
    void switch_to_intervals();
    void switch_to_bitmap();
    [[noreturn, gnu::cold]] void throw_bad_request(uint64_t earliest_cycle, uint64_t length_cycles) const;

    // Ring of words: absolute word w (cycles 64w .. 64w + 63) sits at w & word_mask_; it holds word_count_ words
    // (a power of two, or 0: no ring yet, or the intervals instead) from retired_cycle_ / 64 on. Bits outside
    // [retired_cycle_, top_cycle_) are clear. (40 bytes: the mesh keeps a link's counters in the same cache line.)
    std::unique_ptr<uint64_t, AlignedWordsDeleter> words_;
    std::unique_ptr<LinkCalendar> intervals_;  // set while the window is too wide for the bitmap
    uint64_t retired_cycle_ = 0;
    uint64_t top_cycle_ = 0;  // no reservation at or after it (and >= retired_cycle_)
    uint32_t word_count_ = 0;
    uint32_t word_mask_ = 0;
};

}  // namespace npuemu::noc
