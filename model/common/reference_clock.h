// A fixed-frequency clock that turns simulated time into ticks and back (the CLINT's mtime). Exact integer maths in
// picoseconds, so any frequency works without drift.
#pragma once

#include <systemc>

#include <cstdint>

namespace npuemu {

class ReferenceClock {
public:
    explicit ReferenceClock(uint64_t frequency_hz) : frequency_hz_(frequency_hz) {}

    uint64_t ticks_at(const sc_core::sc_time& t) const {
        const unsigned __int128 ps = static_cast<uint64_t>(t.value());  // time resolution is 1 ps (set in Chip)
        return static_cast<uint64_t>(ps * frequency_hz_ / kPsPerSecond);
    }
    // The earliest time at which ticks_at() reaches `ticks`.
    sc_core::sc_time time_of_tick(uint64_t ticks) const {
        const unsigned __int128 ps = (static_cast<unsigned __int128>(ticks) * kPsPerSecond + frequency_hz_ - 1) /
                                     frequency_hz_;
        if (ps > UINT64_MAX / 2) return sc_core::sc_max_time();
        return sc_core::sc_time::from_value(static_cast<uint64_t>(ps));
    }
    uint64_t frequency_hz() const { return frequency_hz_; }

private:
    static constexpr uint64_t kPsPerSecond = 1'000'000'000'000ull;
    uint64_t frequency_hz_;
};

}  // namespace npuemu
