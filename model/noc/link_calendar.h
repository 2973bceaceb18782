// The reservations of one link (one direction): a sorted list of disjoint busy intervals [start, end) in mesh
// cycles. A reservation takes the earliest free interval long enough at or after a given cycle, so it may fill a
// gap before a later reservation (packets submitted out of time order share the link as they would in time
// order). Intervals that touch are merged, so a link streaming back-to-back packets holds one interval.
// retire_through() forgets what can no longer matter, which keeps the list short.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace npuemu::noc {

class LinkCalendar {
public:
    struct Interval {
        uint64_t start_cycle;
        uint64_t end_cycle;  // exclusive
    };

    // Reserves [s, s + length_cycles) for the smallest s >= earliest_cycle that overlaps no reservation, and
    // returns s. length_cycles must be at least 1.
    uint64_t reserve(uint64_t earliest_cycle, uint64_t length_cycles);
    // Where reserve() would place it, without reserving.
    uint64_t find(uint64_t earliest_cycle, uint64_t length_cycles) const;
    // Spread over the free time from earliest_cycle on instead: the gaps in order, each filled, until they add up to
    // length_cycles (a packet whose flits interleave with reservations made before it, so it leaves no gap too
    // short for it idle). The pieces go into `pieces` (cleared first); reserve_pieces() takes them. length_cycles
    // must be at least 1.
    void find_spread(uint64_t earliest_cycle, uint64_t length_cycles, std::vector<Interval>& pieces) const;
    void reserve_pieces(const std::vector<Interval>& pieces);
    // Forgets the intervals that end at or before `cycle`: no reservation starting at or after it can collide
    // with them. Intervals that end later are kept whole.
    void retire_through(uint64_t cycle);

    size_t interval_count() const { return intervals_.size() - first_; }
    // The end of the last live interval (0 with none): every cycle from it on is free.
    uint64_t end_cycle() const { return first_ == intervals_.size() ? 0 : intervals_.back().end_cycle; }
    // The live intervals, sorted; for tests and diagnostics.
    std::vector<Interval> intervals() const { return {intervals_.begin() + long(first_), intervals_.end()}; }

private:
    // The first live interval ending after earliest_cycle (a few steps back from the end, else a binary search).
    std::vector<Interval>::const_iterator first_ending_after(uint64_t earliest_cycle) const;
    // intervals_[first_..] are live; the retired prefix is dropped lazily, so retiring is cheap when called often.
    std::vector<Interval> intervals_;
    size_t first_ = 0;
};

}  // namespace npuemu::noc
