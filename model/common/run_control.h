// The state of a run: which harts are still running, their exit codes, a fatal fault, and when the run is over.
// Devices and cores report to it; the simulation loop reads the outcome from it.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace npuemu {

class RunControl {
public:
    explicit RunControl(unsigned hart_count);

    // What happens when the run is over: by default the simulation stops. A system of chips, whose run is over only
    // when every chip's is (or one faulted), replaces it.
    void set_on_finish(std::function<void()> on_finish) { on_finish_ = std::move(on_finish); }
    // An exit forced by end_run() or a fault (not every hart exiting on its own).
    bool ended_early() const { return forced_code_.has_value(); }

    void hart_exited(unsigned hart, uint32_t code);
    // Ends the whole run at once (an abort request, an HTIF exit, a fatal fault).
    void end_run(uint32_t code, const std::string& reason);
    void fault(unsigned hart, const std::string& description);

    bool hart_done(unsigned hart) const { return finished_ || exited_[hart]; }
    bool finished() const { return finished_; }
    unsigned harts_running() const;
    // The run's exit status: the first non-zero hart exit code in hart order, else 0; an end_run code wins.
    int exit_code() const;
    const std::optional<std::string>& fault_description() const { return fault_; }
    const std::string& end_reason() const { return end_reason_; }
    sc_core::sc_time end_time() const { return end_time_; }

private:
    void finish();

    std::vector<bool> exited_;
    std::vector<uint32_t> exit_codes_;
    bool finished_ = false;
    std::optional<uint32_t> forced_code_;
    std::optional<std::string> fault_;
    std::string end_reason_;
    sc_core::sc_time end_time_;
    std::function<void()> on_finish_ = [] { sc_core::sc_stop(); };
};

}  // namespace npuemu
