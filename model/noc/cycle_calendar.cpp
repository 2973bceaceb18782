#include "model/noc/cycle_calendar.h"

#include <algorithm>
#include <string>
#include <vector>

#include "model/common/error.h"

namespace npuemu::noc {

namespace {

constexpr uint32_t kMinWindowWords = 8;  // one cache line
constexpr uint64_t kMaxWindowWords = CycleCalendar::kMaxWindowCycles / 64;

uint32_t window_words_for(uint64_t words) {
    uint32_t count = kMinWindowWords;
    while (count < words) count *= 2;
    return count;
}

}  // namespace

uint64_t CycleCalendar::reserve_elsewhere(uint64_t earliest_cycle, uint64_t length_cycles) {
    // Kept a leaf with few registers: anything unusual goes on to reserve_anyhow().
    if (intervals_ || length_cycles - 1 >= 64 || earliest_cycle < retired_cycle_ || earliest_cycle >= top_cycle_ ||
        !fits(earliest_cycle + length_cycles)) {
        return reserve_anyhow(earliest_cycle, length_cycles);
    }
    // A busy cycle among the length_cycles from earliest_cycle, before the last reservation: move past the last
    // busy one of them to the end of its busy run, and look again at the 64 cycles from there (reading a word
    // beyond top_cycle_ only while it is inside the window: the ones after it hold nothing).
    const uint64_t ones = ~uint64_t(0) >> (64 - length_cycles);
    const uint64_t top_word = (top_cycle_ - 1) >> 6;
    uint64_t at = earliest_cycle;
    while (at < top_cycle_) {
        const uint64_t w = at >> 6, offset = at & 63;
        uint64_t bits = word(w) >> offset;
        if (offset != 0 && w < top_word) bits |= word(w + 1) << (64 - offset);
        const uint64_t clash = bits & ones;
        if (clash == 0) break;
        at = first_free(at + uint64_t(63 - __builtin_clzll(clash)));
    }
    if (!fits(at + length_cycles)) return reserve_anyhow(earliest_cycle, length_cycles);
    mark_short(at, length_cycles);
    top_cycle_ = std::max(top_cycle_, at + length_cycles);
    return at;
}

uint64_t CycleCalendar::reserve_anyhow(uint64_t earliest_cycle, uint64_t length_cycles) {
    if (earliest_cycle < retired_cycle_ || length_cycles == 0) throw_bad_request(earliest_cycle, length_cycles);
    if (intervals_) return intervals_->reserve(earliest_cycle, length_cycles);
    const uint64_t start = first_fit(earliest_cycle, length_cycles);
    const uint64_t end = start + length_cycles;
    if (!fits(end) && !widen_to(end)) {
        switch_to_intervals();
        return intervals_->reserve(earliest_cycle, length_cycles);  // the same start: the same busy cycles
    }
    mark(start, end);
    top_cycle_ = std::max(top_cycle_, end);
    return start;
}

void CycleCalendar::mark(uint64_t start_cycle, uint64_t end_cycle) const {
    const uint64_t first = start_cycle >> 6, last = (end_cycle - 1) >> 6;
    if (first == last) {
        word(first) |= (~uint64_t(0) >> (64 - (end_cycle - start_cycle))) << (start_cycle & 63);
        return;
    }
    word(first) |= ~uint64_t(0) << (start_cycle & 63);
    for (uint64_t w = first + 1; w < last; ++w) word(w) = ~uint64_t(0);
    word(last) |= ~uint64_t(0) >> (63 - ((end_cycle - 1) & 63));
}

uint64_t CycleCalendar::find(uint64_t earliest_cycle, uint64_t length_cycles) const {
    if (earliest_cycle < retired_cycle_ || length_cycles == 0) throw_bad_request(earliest_cycle, length_cycles);
    return intervals_ ? intervals_->find(earliest_cycle, length_cycles) : first_fit(earliest_cycle, length_cycles);
}

uint64_t CycleCalendar::first_fit(uint64_t earliest_cycle, uint64_t length_cycles) const {
    // Each turn skips one busy run: as LinkCalendar walks its intervals, one word or two at a time.
    uint64_t at = earliest_cycle;
    while (at < top_cycle_) {
        const uint64_t busy = first_busy(at, at + length_cycles);
        if (busy >= at + length_cycles) return at;
        at = first_free(busy);
    }
    return at;
}

uint64_t CycleCalendar::first_busy(uint64_t cycle, uint64_t limit_cycle) const {
    // Only words before top_cycle_ can hold a reservation (and lie inside the window).
    const uint64_t last = (std::min(limit_cycle, top_cycle_) - 1) >> 6;
    uint64_t w = cycle >> 6;
    uint64_t bits = word(w) & (~uint64_t(0) << (cycle & 63));
    while (bits == 0) {
        if (w == last) return limit_cycle;
        bits = word(++w);
    }
    return (w << 6) + uint64_t(__builtin_ctzll(bits));
}

uint64_t CycleCalendar::first_free(uint64_t busy_cycle) const {
    uint64_t w = busy_cycle >> 6;
    uint64_t free_bits = ~word(w) & (~uint64_t(0) << (busy_cycle & 63));
    while (free_bits == 0) {
        ++w;
        if ((w << 6) >= top_cycle_) return top_cycle_;
        free_bits = ~word(w);
    }
    return (w << 6) + uint64_t(__builtin_ctzll(free_bits));
}

bool CycleCalendar::widen_to(uint64_t end_cycle) {
    const uint64_t needed = ((end_cycle - 1) >> 6) - (retired_cycle_ >> 6) + 1;  // huge for an end before the window
    if (needed > kMaxWindowWords) return false;
    resize_ring(window_words_for(needed));
    return true;
}

void CycleCalendar::resize_ring(uint32_t count) {
    std::unique_ptr<uint64_t, AlignedWordsDeleter> ring(
        static_cast<uint64_t*>(::operator new (count * sizeof(uint64_t), std::align_val_t{64})));
    std::fill_n(ring.get(), count, uint64_t(0));
    if (top_cycle_ > retired_cycle_) {
        for (uint64_t w = retired_cycle_ >> 6; w <= (top_cycle_ - 1) >> 6; ++w) ring.get()[w & (count - 1)] = word(w);
    }
    words_ = std::move(ring);
    word_count_ = count;
    word_mask_ = count - 1;
}

void CycleCalendar::switch_to_intervals() {
    auto list = std::make_unique<LinkCalendar>();
    for (uint64_t at = retired_cycle_; at < top_cycle_;) {
        const uint64_t start = first_busy(at, top_cycle_);
        if (start >= top_cycle_) break;
        const uint64_t end = first_free(start);
        list->reserve(start, end - start);  // runs in order, apart: each appended as an interval of its own
        at = end;
    }
    intervals_ = std::move(list);
    words_.reset();
    word_count_ = word_mask_ = 0;
}

void CycleCalendar::switch_to_bitmap() {
    const std::vector<LinkCalendar::Interval> live = intervals_->intervals();
    intervals_.reset();
    const uint64_t top = live.empty() ? retired_cycle_ : std::max(retired_cycle_, live.back().end_cycle);
    top_cycle_ = retired_cycle_;                  // nothing to copy into the new ring
    widen_to(std::max(top, retired_cycle_ + 1));  // the caller checked the span fits
    for (const LinkCalendar::Interval& interval : live) {
        const uint64_t start = std::max(interval.start_cycle, retired_cycle_);
        if (interval.end_cycle > start) mark(start, interval.end_cycle);
    }
    top_cycle_ = top;
}

void CycleCalendar::retire_through(uint64_t cycle) {
    if (cycle <= retired_cycle_) return;
    if (intervals_) {
        intervals_->retire_through(cycle);
        retired_cycle_ = cycle;
        top_cycle_ = std::max(top_cycle_, cycle);
        if (intervals_->end_cycle() <= cycle + kMaxWindowCycles / 2) switch_to_bitmap();
        return;
    }
    // Clear [retired, min(cycle, top)): the words that leave the window come back as its far end, empty.
    const uint64_t clear_end = std::min(cycle, top_cycle_);
    if (clear_end > retired_cycle_) {
        const uint64_t first = retired_cycle_ >> 6, whole_end = clear_end >> 6;
        if (whole_end - first >= word_count_) {
            std::fill_n(words_.get(), word_count_, uint64_t(0));
        } else {
            for (uint64_t w = first; w < whole_end; ++w) word(w) = 0;
            if (clear_end & 63) word(whole_end) &= ~uint64_t(0) << (clear_end & 63);
        }
    }
    retired_cycle_ = cycle;
    top_cycle_ = std::max(top_cycle_, cycle);
    // A ring much wider than what is live again (after a burst of traffic far ahead) shrinks: the live words then
    // stay in the same few cache lines instead of wandering through kilobytes of them.
    if (word_count_ > kMinWindowWords) {
        const uint64_t live_words = top_cycle_ > cycle ? ((top_cycle_ - 1) >> 6) - (cycle >> 6) + 1 : 1;
        if (live_words * 4 <= word_count_) resize_ring(window_words_for(live_words * 2));
    }
}

size_t CycleCalendar::interval_count() const {
    if (intervals_) return intervals_->interval_count();
    if (top_cycle_ <= retired_cycle_) return 0;
    // A run starts at each set bit whose lower neighbour is clear (bits before the retire cycle are clear).
    size_t runs = 0;
    uint64_t carry = 0;
    for (uint64_t w = retired_cycle_ >> 6; w <= (top_cycle_ - 1) >> 6; ++w) {
        const uint64_t bits = word(w);
        runs += size_t(__builtin_popcountll(bits & ~((bits << 1) | carry)));
        carry = bits >> 63;
    }
    return runs;
}

void CycleCalendar::throw_bad_request(uint64_t earliest_cycle, uint64_t length_cycles) const {
    if (length_cycles == 0) throw Error("link calendar: a reservation must be at least one cycle long");
    throw Error("link calendar: a reservation from cycle " + std::to_string(earliest_cycle) + ", before cycle " +
                std::to_string(retired_cycle_) + " already retired (a caller bug: what was retired is forgotten)");
}

}  // namespace npuemu::noc
