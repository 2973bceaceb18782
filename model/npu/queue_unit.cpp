#include "model/npu/queue_unit.h"

#include <algorithm>
#include <iterator>

#include "model/common/hierarchy_names.h"

namespace npuemu::npu {

QueueUnit::QueueUnit(sc_core::sc_module_name name, uint32_t tile_id, const TileClock& clock,
                     InstructionQueue& queue, Semaphores& semaphores, FaultSink fault_sink)
    : sc_module(name),
      tile_id_(tile_id),
      clock_(clock),
      queue_(queue),
      semaphores_(semaphores),
      fault_sink_(std::move(fault_sink)) {
    stats_.counter("instructions", instructions_, StatUnit::Count, "instructions executed");
    stats_.counter("busy_cycles", busy_cycles_, StatUnit::Cycles, "cycles doing work");
    stats_.counter("sync_stall_cycles", sync_stall_cycles_, StatUnit::Cycles, "cycles blocked in npu.wait");
    stats_.counter("bank_stall_cycles", bank_stall_cycles_, StatUnit::Cycles,
                   "cycles waiting for scratchpad/accumulator banks");
    // At the tile's nominal clock: elapsed cycles are counted at the period the tile starts with.
    const uint64_t period_ps = clock.period().value();
    stats_.derived("idle_cycles", [this, period_ps] {
        const double elapsed = static_cast<double>(sc_core::sc_time_stamp().value() / period_ps);
        const double accounted = static_cast<double>(busy_cycles_ + sync_stall_cycles_ + bank_stall_cycles_);
        return elapsed > accounted ? elapsed - accounted : 0.0;
    }, StatUnit::Cycles, "cycles neither busy nor stalled (nothing to do)");
    stats_.fraction_of_elapsed("utilization", busy_cycles_, period_ps, "busy cycles / elapsed cycles");
    SC_HAS_PROCESS(QueueUnit);
    SC_THREAD(run);
    SC_METHOD(deliver_due_signals);
    sensitive << signal_due_;
    dont_initialize();
}

void QueueUnit::attach_tracer(trace::Tracer& tracer, const std::string& process, unsigned process_id,
                              const std::string& thread, unsigned thread_id) {
    tracer_ = &tracer;
    const std::string scope = trace_scope(*this);
    busy_signal_ = tracer.declare(scope + ".busy", 1);
    queue_.trace_depth_to(&tracer, tracer.declare(scope + ".queue_depth", 16));
    track_ = tracer.declare_track(process, process_id, thread, thread_id);
}

void QueueUnit::trace_busy(uint64_t begin_ps, uint64_t end_ps) {
    if (!tracer_ || end_ps <= begin_ps) return;
    tracer_->change(busy_signal_, begin_ps, 1);
    tracer_->change(busy_signal_, end_ps, 0);
}

void QueueUnit::trace_span(const std::string& name, uint64_t begin_ps, uint64_t end_ps, const std::string& args) {
    if (tracer_) tracer_->span(track_, name, begin_ps, end_ps, args);
}

void QueueUnit::deliver_due_signals() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    while (!pending_signals_.empty() && pending_signals_.front().first <= now) {
        semaphores_.signal(pending_signals_.front().second);
        pending_signals_.pop_front();
    }
    if (!pending_signals_.empty()) signal_due_.notify(pending_signals_.front().first - now);
}

void QueueUnit::schedule_signal(sc_core::sc_time due, unsigned flag) {
    // Keep due times non-decreasing (a released parked signal may be due before one already scheduled).
    auto at = pending_signals_.end();
    while (at != pending_signals_.begin() && std::prev(at)->first > due) --at;
    pending_signals_.insert(at, {due, flag});
    signal_due_.notify(pending_signals_.front().first - std::min(pending_signals_.front().first,
                                                                  sc_core::sc_time_stamp()));
}

uint64_t QueueUnit::begin_async() {
    queue_.begin_in_flight();
    ticket_completion_.push_back(sc_core::sc_max_time());
    return next_ticket_++;
}

void QueueUnit::finish_async(uint64_t ticket, sc_core::sc_time completion) {
    ticket_completion_.at(ticket - resolved_prefix_) = completion;
    while (!ticket_completion_.empty() && ticket_completion_.front() != sc_core::sc_max_time()) {
        prefix_completion_ = std::max(prefix_completion_, ticket_completion_.front());
        ticket_completion_.pop_front();
        ++resolved_prefix_;
        while (!parked_signals_.empty() && parked_signals_.front().after_tickets <= resolved_prefix_) {
            const ParkedSignal parked = parked_signals_.front();
            parked_signals_.pop_front();
            deliver(std::max({parked.floor, prefix_completion_, sc_core::sc_time_stamp()}), parked.token);
        }
    }
    queue_.end_in_flight(completion);
}

sc_core::sc_time QueueUnit::pass_token(const SignalToken& token) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const sc_core::sc_time due = std::max(queue_.completion_time(), now);
    if (resolved_prefix_ < next_ticket_ || !parked_signals_.empty()) {
        // Async work before it has not landed yet: the token waits for it, the queue goes on.
        parked_signals_.push_back(ParkedSignal{next_ticket_, token, due});
        return now;
    }
    deliver(due, token);
    return due;
}

void QueueUnit::deliver(sc_core::sc_time due, const SignalToken& token) {
    if (token.doorbell) {
        ring_doorbell(due, token);
    } else if (due == sc_core::sc_time_stamp() && pending_signals_.empty()) {
        semaphores_.signal(token.flag);
    } else {
        schedule_signal(due, token.flag);
    }
}

uint64_t QueueUnit::cycles_between(sc_core::sc_time from, sc_core::sc_time to) const {
    return to > from ? (to - from).value() / clock_.period().value() : 0;
}

void QueueUnit::fail(const NpuInstruction& instruction, const std::string& message) {
    failed_ = true;
    fault_sink_("tile " + std::to_string(tile_id_) + " " + isa::queue_name(queue_.id()) + " queue: " +
                instruction.describe() + ": " + message);
}

void QueueUnit::wait_for_banks(sc_core::sc_time when) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (when <= now) return;
    bank_stall_cycles_ += cycles_between(now, when);
    wait(when - now);
}

void QueueUnit::run() {
    for (;;) {
        while (queue_.empty()) wait(queue_.changed());
        const NpuInstruction instruction = queue_.pop();
        sc_core::sc_time completion = sc_core::sc_time_stamp();
        switch (instruction.info->op) {
            case isa::Op::NpuSignal: {
                SignalToken token;
                token.flag = isa::unpack_signal(instruction.rs1, instruction.rs2, instruction.rs3).flag;
                completion = pass_token(token);
                break;
            }
            case isa::Op::DmaDoorbell: {
                const auto args = isa::unpack_dma_doorbell(instruction.rs1, instruction.rs2, instruction.rs3);
                SignalToken token;
                token.flag = args.flag;
                token.doorbell = true;
                token.chip = args.chip;
                token.tile = args.tile;
                const std::string problem = doorbell_problem(token);
                if (!problem.empty()) {
                    fail(instruction, problem);
                    break;
                }
                ++instructions_;
                label_doorbell(token);
                completion = pass_token(token);
                break;
            }
            case isa::Op::NpuWait: {
                const unsigned flag = isa::unpack_wait(instruction.rs1, instruction.rs2, instruction.rs3).flag;
                const sc_core::sc_time start = sc_core::sc_time_stamp();
                queue_.waiting_on_flag = static_cast<int>(flag);
                while (!semaphores_.try_take(flag)) wait(semaphores_.changed());
                queue_.waiting_on_flag = -1;
                sync_stall_cycles_ += cycles_between(start, sc_core::sc_time_stamp());
                if (tracer_ && sc_core::sc_time_stamp() > start) {
                    trace_span("npu.wait flag " + std::to_string(flag), start.value(), sc_core::sc_time_stamp().value(),
                               "{\"flag\":" + std::to_string(flag) + "}");
                }
                completion = sc_core::sc_time_stamp();
                break;
            }
            default:
                execute(instruction, completion);
                ++instructions_;
                break;
        }
        queue_.finish_execution(completion);
        if (failed_) return;  // the run is ending; this unit takes nothing more
    }
}

}  // namespace npuemu::npu
