#include "model/noc/link_calendar.h"

#include <algorithm>

namespace npuemu::noc {

uint64_t LinkCalendar::reserve(uint64_t earliest_cycle, uint64_t length_cycles) {
    // The common case first: the request lies at or after every reservation (streaming, or traffic submitted in
    // time order). Append, or extend the last interval when it ends exactly where this one starts.
    if (first_ == intervals_.size() || earliest_cycle >= intervals_.back().end_cycle) {
        if (first_ != intervals_.size() && intervals_.back().end_cycle == earliest_cycle) {
            intervals_.back().end_cycle += length_cycles;
        } else {
            // Written in place: an interval built aside and copied in makes a wide load of two narrow stores.
            Interval& appended = intervals_.emplace_back();
            appended.start_cycle = earliest_cycle;
            appended.end_cycle = earliest_cycle + length_cycles;
        }
        return earliest_cycle;
    }

    // Walk the gaps from the first interval that ends after earliest_cycle until one is long enough.
    auto it = intervals_.begin() + (first_ending_after(earliest_cycle) - intervals_.cbegin());
    uint64_t start = earliest_cycle;
    while (it != intervals_.end() && it->start_cycle < start + length_cycles) {
        start = std::max(start, it->end_cycle);
        ++it;
    }
    const uint64_t end = start + length_cycles;

    // Insert before `it`, merging with the neighbours it touches.
    const bool joins_previous = it != intervals_.begin() + long(first_) && std::prev(it)->end_cycle == start;
    const bool joins_next = it != intervals_.end() && it->start_cycle == end;
    if (joins_previous && joins_next) {
        std::prev(it)->end_cycle = it->end_cycle;
        intervals_.erase(it);
    } else if (joins_previous) {
        std::prev(it)->end_cycle = end;
    } else if (joins_next) {
        it->start_cycle = start;
    } else {
        intervals_.insert(it, Interval{start, end});
    }
    return start;
}

std::vector<LinkCalendar::Interval>::const_iterator LinkCalendar::first_ending_after(uint64_t earliest_cycle) const {
    // Ends are sorted, as the intervals are disjoint. Requests mostly land near the end: look back a few intervals
    // before searching the whole list.
    const auto live = intervals_.cbegin() + long(first_);
    auto it = intervals_.cend();
    for (int steps = 0; it != live && steps < 4 && std::prev(it)->end_cycle > earliest_cycle; ++steps) --it;
    if (it != live && std::prev(it)->end_cycle > earliest_cycle) {
        it = std::upper_bound(live, it, earliest_cycle,
                              [](uint64_t cycle, const Interval& iv) { return cycle < iv.end_cycle; });
    }
    return it;
}

uint64_t LinkCalendar::find(uint64_t earliest_cycle, uint64_t length_cycles) const {
    uint64_t start = earliest_cycle;
    for (auto it = first_ending_after(earliest_cycle);
         it != intervals_.cend() && it->start_cycle < start + length_cycles; ++it) {
        start = std::max(start, it->end_cycle);
    }
    return start;
}

void LinkCalendar::find_spread(uint64_t earliest_cycle, uint64_t length_cycles, std::vector<Interval>& pieces) const {
    pieces.clear();
    uint64_t at = earliest_cycle, left = length_cycles;
    for (auto it = first_ending_after(earliest_cycle); left > 0; ++it) {
        if (it == intervals_.cend() || it->start_cycle >= at + left) {
            pieces.push_back(Interval{at, at + left});
            break;
        }
        if (it->start_cycle > at) {
            pieces.push_back(Interval{at, it->start_cycle});
            left -= it->start_cycle - at;
        }
        at = std::max(at, it->end_cycle);
    }
}

void LinkCalendar::reserve_pieces(const std::vector<Interval>& pieces) {
    // Each piece is a whole gap (or the tail's start), so reserve() puts it exactly there and merges it.
    for (const Interval& piece : pieces) reserve(piece.start_cycle, piece.end_cycle - piece.start_cycle);
}

void LinkCalendar::retire_through(uint64_t cycle) {
    while (first_ < intervals_.size() && intervals_[first_].end_cycle <= cycle) ++first_;
    // Compact once the dead prefix is as large as the live part: amortized O(1) per interval.
    if (first_ == intervals_.size()) {
        intervals_.clear();
        first_ = 0;
    } else if (first_ >= 16 && first_ * 2 >= intervals_.size()) {
        intervals_.erase(intervals_.begin(), intervals_.begin() + long(first_));
        first_ = 0;
    }
}

}  // namespace npuemu::noc
