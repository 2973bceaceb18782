// What every NPU unit shares: a thread that takes its queue's instructions in order, performs npu.signal/npu.wait
// itself, hands the rest to the unit, and counts busy and stall time. A unit reports a bad instruction (outside its
// memories, shape too large) through fail(), which ends the run naming tile, queue and instruction.
#pragma once

#include <systemc>

#include <deque>
#include <functional>
#include <string>
#include <string>
#include <utility>

#include "model/common/stats.h"
#include "model/common/tile_clock.h"
#include "model/npu/instruction_queue.h"
#include "model/npu/npu_config.h"
#include "model/npu/semaphores.h"
#include "model/trace/tracer.h"

namespace npuemu::npu {

using FaultSink = std::function<void(const std::string&)>;

class QueueUnit : public sc_core::sc_module {
public:
    QueueUnit(sc_core::sc_module_name name, uint32_t tile_id, const TileClock& clock, InstructionQueue& queue,
              Semaphores& semaphores, FaultSink fault_sink);

    uint64_t busy_cycles() const { return busy_cycles_; }
    // Skip: timing-only mode (npu.arithmetic), the same time and checks but no values computed or moved.
    void set_arithmetic(Arithmetic arithmetic) { compute_values_ = arithmetic == Arithmetic::Full; }
    // Signals under the unit's scope (chip.tile3.npu.matrix.busy); its slices go to track (process, thread).
    virtual void attach_tracer(trace::Tracer& tracer, const std::string& process, unsigned process_id,
                               const std::string& thread, unsigned thread_id);

protected:
    // Executes one instruction of the unit's own kind. May wait(). Sets completion (when its results are visible).
    virtual void execute(const NpuInstruction& instruction, sc_core::sc_time& completion) = 0;
    void fail(const NpuInstruction& instruction, const std::string& message);
    uint64_t cycles_between(sc_core::sc_time from, sc_core::sc_time to) const;
    // Waits until `when`, counting the wait as a bank-conflict stall.
    void wait_for_banks(sc_core::sc_time when);
    // Busy from begin to end (picoseconds), and a slice for the instruction on the queue's track.
    void trace_busy(uint64_t begin_ps, uint64_t end_ps);
    // One edge of the busy line, for a unit that learns its busy interval's end later (the DMA).
    void trace_busy_edge(uint64_t time_ps, bool busy) {
        if (tracer_) tracer_->change(busy_signal_, time_ps, busy ? 1 : 0);
    }
    void trace_span(const std::string& name, uint64_t begin_ps, uint64_t end_ps, const std::string& args);
    trace::Tracer* tracer_ = nullptr;
    bool compute_values_ = true;  // false in timing-only mode
    sc_core::sc_time cycles(uint64_t count) const { return sc_core::sc_time::from_value(clock_.period().value() * count); }
    uint64_t to_cycles(sc_core::sc_time t) const { return t.value() / clock_.period().value(); }
    uint64_t now_cycles() const { return to_cycles(sc_core::sc_time_stamp()); }
    // Work that completes after execute() returns, at a time learned later (a DMA copy's bursts land when the
    // memory system decides): begin_async() during execute() hands out a ticket, finish_async() resolves it from
    // any process. Until then the queue holds work (a fence waits), and an npu.signal behind it stays parked.
    uint64_t begin_async();
    void finish_async(uint64_t ticket, sc_core::sc_time completion);

    // A token that reaches a semaphore once everything before it in the queue has completed: this tile's (npu.signal)
    // or, through the chip's fabric, another tile's (dma.doorbell).
    struct SignalToken {
        unsigned flag = 0;
        bool doorbell = false;
        uint32_t chip = 0, tile = 0;  // a doorbell's receiver
        uint32_t collective = 0, step = 0;  // its label in the flow export, as the instruction was reached
    };
    // Why a doorbell cannot be sent to token's receiver (empty: it can). Units without a fabric refuse.
    virtual std::string doorbell_problem(const SignalToken&) const { return "this unit sends no doorbells"; }
    // Sends a doorbell that is due (leaves the tile) at `due`.
    virtual void ring_doorbell(sc_core::sc_time, const SignalToken&) {}
    // Labels a doorbell as its instruction is reached (the unit's current dma.tag).
    virtual void label_doorbell(SignalToken&) const {}

    uint32_t tile_id_;
    const TileClock& clock_;
    StatsGroup stats_{*this};  // the unit's statistics; units add their own to it
    uint64_t instructions_ = 0;
    uint64_t busy_cycles_ = 0;
    uint64_t sync_stall_cycles_ = 0;
    uint64_t bank_stall_cycles_ = 0;

private:
    void run();
    // npu.signal does not hold the queue: its token travels with the pipeline and reaches the semaphore when the
    // instructions before it have completed (a matmul still draining), while the queue goes on.
    void deliver_due_signals();

    uint32_t busy_signal_ = trace::kNoSignal;
    uint32_t track_ = trace::kNoSignal;
    void schedule_signal(sc_core::sc_time due, unsigned flag);
    std::deque<std::pair<sc_core::sc_time, unsigned>> pending_signals_;  // (due, flag), due times non-decreasing
    // Async tickets: every ticket below resolved_prefix_ is resolved; ticket_completion_[i] belongs to ticket
    // resolved_prefix_ + i (sc_max_time while unresolved).
    uint64_t next_ticket_ = 0;
    uint64_t resolved_prefix_ = 0;
    std::deque<sc_core::sc_time> ticket_completion_;
    sc_core::sc_time prefix_completion_;
    struct ParkedSignal {
        uint64_t after_tickets;   // released once every ticket below this is resolved
        SignalToken token;
        sc_core::sc_time floor;   // and not before this (the queue's completion when the signal was reached)
    };
    // Passes a token on (at once, when due, or parked behind async work); returns the instruction's completion.
    sc_core::sc_time pass_token(const SignalToken& token);
    void deliver(sc_core::sc_time due, const SignalToken& token);
    std::deque<ParkedSignal> parked_signals_;
    sc_core::sc_event signal_due_;
    InstructionQueue& queue_;
    Semaphores& semaphores_;
    FaultSink fault_sink_;
    bool failed_ = false;
};

}  // namespace npuemu::npu
