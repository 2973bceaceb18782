// Run control between a debugger and the control cores, all-stop: which harts may run or step, the breakpoints and
// watchpoints they share, whether faults and ebreak stop for the debugger, and the stop that paused the kernel.
//
// How a stop works: a core whose block ended for the debugger calls hart_stopped(), which records the stop and calls
// sc_core::sc_pause(); sc_start() then returns to the debugger at the end of the delta cycle, so simulated time
// cannot advance while it serves the client. Every core checks may_run() at each block boundary and waits on
// resume_event() while it may not, so the harts that wake in that same delta cycle park instead of running on. The
// debugger changes this object only while sc_start() is not running, and calls resume() before the next sc_start().
#pragma once

#include <systemc>

#include <cstdint>
#include <optional>
#include <vector>

#include "model/core/debug_triggers.h"
#include "model/core/rv32_hart.h"

namespace npuemu::core {

class DebugControl {
public:
    explicit DebugControl(unsigned hart_count);

    enum class Mode { Hold, Run, Step };

    struct Stop {
        unsigned hart = 0;
        DebugStop::Kind kind = DebugStop::Kind::None;  // None for a fault
        uint32_t data_address = 0;
        bool watch_read = false;   // the watchpoint that hit watches reads
        bool watch_write = false;  // ... writes
        std::optional<HartFault> fault;
    };

    // ---- the debugger's side (sc_start() not running) ----
    DebugTriggers& triggers() { return triggers_; }
    // While attached, faults and ebreak stop for the debugger; otherwise they behave as without one.
    void set_attached(bool attached) { attached_ = attached; }
    // Stops every hart at its next block boundary (Ctrl-C, a client connecting).
    void halt();
    // Lets the harts go, each with its mode; signal[h] != 0 delivers a fault that stopped hart h to the firmware
    // (the run then ends with the fault, as without a debugger).
    void resume(const std::vector<Mode>& modes, const std::vector<int>& signals);
    std::optional<Stop> take_stop();
    bool halted() const { return halted_; }
    bool any_held() const;

    // ---- the cores' side ----
    bool attached() const { return attached_; }
    bool may_run(unsigned hart) const { return !halted_ && modes_[hart] != Mode::Hold; }
    Mode mode(unsigned hart) const { return modes_[hart]; }
    int signal(unsigned hart) const { return signals_[hart]; }
    const sc_core::sc_event& resume_event() const { return resume_event_; }
    // Changes at every halt: a core that was suspended mid-block ends its block when it sees a new epoch.
    uint64_t epoch() const { return epoch_; }
    // The first stop of a halt is reported; a stop in the same delta cycle by another hart is dropped (a breakpoint
    // or fault is met again on resume; a watch hit is lost).
    void hart_stopped(unsigned hart, const DebugStop& stop, const HartFault* fault);

private:
    DebugTriggers triggers_;
    std::vector<Mode> modes_;
    std::vector<int> signals_;
    bool attached_ = false;
    bool halted_ = false;
    uint64_t epoch_ = 0;
    std::optional<Stop> pending_;
    sc_core::sc_event resume_event_;
};

}  // namespace npuemu::core
