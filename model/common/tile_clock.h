// A tile's clock. Its period changes with the tile's DVFS operating point; the core and the NPU units read it for
// every cycle <-> time conversion, so a slower clock shows as lost throughput in simulated time. Blocks that hold
// absolute cycle stamps register a listener to re-express them when the period changes.
#pragma once

#include <systemc>

#include <functional>
#include <vector>

namespace npuemu {

class TileClock {
public:
    explicit TileClock(sc_core::sc_time period) : period_(period) {}

    sc_core::sc_time period() const { return period_; }
    void set_period(sc_core::sc_time period) {
        if (period == period_) return;
        const sc_core::sc_time old = period_;
        period_ = period;
        for (auto& listener : listeners_) listener(old, period);
    }
    // const: subscribing does not change the clock (readers hold const references).
    void on_change(std::function<void(sc_core::sc_time old_period, sc_core::sc_time new_period)> listener) const {
        listeners_.push_back(std::move(listener));
    }

private:
    sc_core::sc_time period_;
    mutable std::vector<std::function<void(sc_core::sc_time, sc_core::sc_time)>> listeners_;
};

}  // namespace npuemu
