// An in-order NPU instruction queue of fixed depth. The control core pushes (and stalls while it is full); the
// queue's unit pops. `changed` fires on every push, pop and end of execution, for whoever waits on the queue.
#pragma once

#include <systemc>

#include <deque>

#include "model/npu/npu_instruction.h"
#include "model/trace/tracer.h"

namespace npuemu::npu {

class InstructionQueue {
public:
    InstructionQueue(unsigned id, unsigned depth) : id_(id), depth_(depth) {}
    // Also notify this event on every change (the NPU's "some queue changed", for npu.fence).
    void also_notify(sc_core::sc_event& any_change) { any_change_ = &any_change; }

    unsigned id() const { return id_; }
    bool full() const { return entries_.size() >= depth_; }
    bool empty() const { return entries_.empty(); }
    unsigned size() const { return static_cast<unsigned>(entries_.size()); }
    // Holds instructions or still executes one (including a matmul draining out of the array, or DMA bursts whose
    // landing the memory system has not yet decided).
    bool busy() const { return holds_work() || sc_core::sc_time_stamp() < completion_time_; }
    bool holds_work() const { return !entries_.empty() || executing_ || in_flight_ > 0; }
    sc_core::sc_time completion_time() const { return completion_time_; }

    void trace_depth_to(trace::Tracer* tracer, uint32_t signal) { tracer_ = tracer; depth_signal_ = signal; }

    void push(const NpuInstruction& instruction) {
        entries_.push_back(instruction);
        trace_depth();
        notify(sc_core::SC_ZERO_TIME);
    }
    NpuInstruction pop() {
        NpuInstruction front = entries_.front();
        entries_.pop_front();
        trace_depth();
        executing_ = true;
        notify(sc_core::SC_ZERO_TIME);
        return front;
    }
    void finish_execution(sc_core::sc_time completion) {
        executing_ = false;
        complete_at(completion);
    }
    // Work whose completion time is not yet known when its instruction leaves execution (a DMA copy in the memory
    // system): the queue holds work until each one is resolved with its completion time.
    void begin_in_flight() { ++in_flight_; }
    void end_in_flight(sc_core::sc_time completion) {
        --in_flight_;
        complete_at(completion);
    }
    unsigned in_flight() const { return in_flight_; }
    const sc_core::sc_event& changed() const { return changed_; }

    // What the queue's unit is blocked on, for deadlock reports (-1: nothing).
    int waiting_on_flag = -1;

private:
    void complete_at(sc_core::sc_time completion) {
        completion_time_ = std::max(completion_time_, completion);
        notify(sc_core::SC_ZERO_TIME);
        if (completion > sc_core::sc_time_stamp()) notify(completion - sc_core::sc_time_stamp());
    }
    void notify(const sc_core::sc_time& delay) {
        changed_.notify(delay);
        if (any_change_) any_change_->notify(delay);
    }
    void trace_depth() {
        if (tracer_) tracer_->change(depth_signal_, sc_core::sc_time_stamp().value(), entries_.size());
    }

    sc_core::sc_event* any_change_ = nullptr;
    trace::Tracer* tracer_ = nullptr;
    uint32_t depth_signal_ = trace::kNoSignal;
    unsigned id_;
    unsigned depth_;
    std::deque<NpuInstruction> entries_;
    bool executing_ = false;
    unsigned in_flight_ = 0;
    sc_core::sc_time completion_time_;
    sc_core::sc_event changed_;
};

}  // namespace npuemu::npu
