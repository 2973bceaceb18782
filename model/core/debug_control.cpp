#include "model/core/debug_control.h"

#include <algorithm>

namespace npuemu::core {

DebugControl::DebugControl(unsigned hart_count)
    : modes_(hart_count, Mode::Run), signals_(hart_count, 0) {}

void DebugControl::halt() {
    halted_ = true;
    ++epoch_;
}

void DebugControl::resume(const std::vector<Mode>& modes, const std::vector<int>& signals) {
    modes_ = modes;
    signals_ = signals;
    modes_.resize(signals_.size(), Mode::Hold);
    signals_.resize(modes_.size(), 0);
    halted_ = false;
    pending_.reset();
    resume_event_.notify(sc_core::SC_ZERO_TIME);  // parked cores wake in the next delta cycle
}

std::optional<DebugControl::Stop> DebugControl::take_stop() {
    std::optional<Stop> stop;
    stop.swap(pending_);
    return stop;
}

bool DebugControl::any_held() const {
    return std::any_of(modes_.begin(), modes_.end(), [](Mode m) { return m == Mode::Hold; });
}

void DebugControl::hart_stopped(unsigned hart, const DebugStop& stop, const HartFault* fault) {
    if (!halted_ && !pending_) {
        Stop s;
        s.hart = hart;
        s.kind = stop.kind;
        s.data_address = stop.data_address;
        if (stop.watchpoint) {
            s.watch_read = stop.watchpoint->on_read;
            s.watch_write = stop.watchpoint->on_write;
        }
        if (fault) s.fault = *fault;
        pending_ = s;
    }
    halt();
    sc_core::sc_pause();
}

}  // namespace npuemu::core
