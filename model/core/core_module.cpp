#include "model/core/core_module.h"

#include <algorithm>

namespace npuemu::core {

CoreModule::CoreModule(sc_core::sc_module_name name, uint32_t hart_id, const CoreConfig& config,
                       const TileClock& clock, const ReferenceClock& timer_clock, InterruptLines& lines,
                       RunControl& run_control, const sc_core::sc_event& boot)
    : sc_module(name),
      socket("socket"),
      config_(config),
      clock_(clock),
      timer_clock_(timer_clock),
      lines_(lines),
      run_control_(run_control),
      boot_(boot),
      hart_(hart_id, config.cpi, *this) {
    socket.register_invalidate_direct_mem_ptr(this, &CoreModule::invalidate_direct_mem_ptr);
    payload_.set_extension(new HartIdExtension(hart_id));  // the payload owns and frees its extensions
    register_stats();
    SC_HAS_PROCESS(CoreModule);
    SC_THREAD(run_thread);
}

void CoreModule::register_stats() {
    stats_.counter("instructions", instructions_, StatUnit::Count, "instructions retired");
    stats_.counter("cycles", cycles_, StatUnit::Cycles, "core clock cycles, including sleep in wfi");
    stats_.counter("sleep_cycles", sleep_cycles_, StatUnit::Cycles, "cycles asleep in wfi");
    stats_.counter("npu_stall_cycles", coprocessor_stall_cycles_, StatUnit::Cycles,
                   "cycles stalled issuing NPU instructions (full queue, fence, barrier)");
    stats_.counter("device_accesses", device_accesses_, StatUnit::Count,
                   "loads and stores that went to a device (not through DMI)");
    stats_.counter("remote_loads", remote_loads_, StatUnit::Count,
                   "loads that crossed the mesh (global memory, another tile's SRAM)");
    stats_.counter("remote_load_cycles", remote_load_cycles_, StatUnit::Cycles,
                   "cycles the core waited for those loads' data");
    stats_.counter("remote_stores", remote_stores_, StatUnit::Count,
                   "stores posted across the mesh (global memory, another tile's SRAM)");
    hart_.register_stats(stats_);
    stats_.derived("cpi", [this] {
        const double instructions = static_cast<double>(instructions_);
        const double busy = static_cast<double>(cycles_ - sleep_cycles_);
        return instructions > 0 ? busy / instructions : 0.0;
    }, StatUnit::Cycles, "average cycles per instruction while awake");
}

void CoreModule::account_cycles() {
    const uint64_t delta = hart_.cycles() - accounted_cycles_;
    accounted_cycles_ = hart_.cycles();
    quantum_keeper_.inc(clock_.period() * static_cast<double>(delta));
}

uint64_t CoreModule::cycles_until(const sc_core::sc_time& when) const {
    const sc_core::sc_time now = quantum_keeper_.get_current_time();
    if (when <= now) return 0;
    const uint64_t period = clock_.period().value();
    return (when.value() - now.value() + period - 1) / period;
}

void CoreModule::update_interrupt_pending() {
    const uint64_t now_ticks = timer_clock_.ticks_at(quantum_keeper_.get_current_time());
    hart_.set_interrupt_pending(csr::kMtip, now_ticks >= lines_.timer_compare);
    hart_.set_interrupt_pending(csr::kMsip, lines_.software);
    hart_.set_interrupt_pending(csr::kMeip, lines_.external);
}

void CoreModule::sleep_until_interrupt() {
    account_cycles();
    quantum_keeper_.sync();
    sleeping_ = true;
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    for (;;) {
        update_interrupt_pending();
        if (hart_.interrupt_wakes_wfi() || run_control_.hart_done(hart_.hart_id())) break;
        // A debugger single-stepping this hart ends the wait (the wfi then acts as a nop, which the spec allows).
        if (debug_ && debug_->may_run(hart_.hart_id()) && debug_->mode(hart_.hart_id()) == DebugControl::Mode::Step) {
            break;
        }
        const sc_core::sc_time deadline = timer_clock_.time_of_tick(lines_.timer_compare);
        const bool timed = lines_.timer_compare != UINT64_MAX && deadline < sc_core::sc_max_time();
        if (debug_) {
            if (timed) {
                wait(deadline - sc_core::sc_time_stamp(), lines_.changed | debug_->resume_event());
            } else {
                wait(lines_.changed | debug_->resume_event());
            }
        } else if (timed) {
            wait(deadline - sc_core::sc_time_stamp(), lines_.changed);
        } else {
            wait(lines_.changed);
        }
    }
    sleeping_ = false;
    if (tracer_ && sc_core::sc_time_stamp() > start) {
        tracer_->change(sleeping_signal_, start.value(), 1);
        tracer_->change(sleeping_signal_, sc_core::sc_time_stamp().value(), 0);
    }
    // Sleeping time still counts in mcycle: the clock runs, the pipeline is idle.
    const uint64_t slept = (sc_core::sc_time_stamp() - start).value() / clock_.period().value();
    sleep_cycles_ += slept;
    hart_.advance_cycles(slept);
    accounted_cycles_ = hart_.cycles();
    quantum_keeper_.reset();
}

void CoreModule::run_thread() {
    wait(boot_);
    quantum_keeper_.reset();
    accounted_cycles_ = hart_.cycles();
    const uint64_t quantum_cycles = config_.quantum_cycles;
    while (!run_control_.hart_done(hart_.hart_id())) {
        if (debug_ && !debug_gate()) break;
        update_interrupt_pending();
        // Run to the sync point, or to the timer deadline if that comes first.
        uint64_t budget = std::max<uint64_t>(1, cycles_until(quantum_keeper_.get_current_time() +
                                                             quantum_keeper_.time_to_sync()));
        budget = std::min(budget, quantum_cycles);
        if (lines_.timer_compare != UINT64_MAX && !(hart_.interrupt_wakes_wfi())) {
            const uint64_t to_timer = cycles_until(timer_clock_.time_of_tick(lines_.timer_compare));
            if (to_timer > 0) budget = std::min(budget, to_timer);
        }
        const Rv32Hart::StopReason reason = hart_.run(hart_.cycles() + budget);
        account_cycles();
        publish_counters();
        if (reason == Rv32Hart::StopReason::Fault) {
            if (debug_ && debug_->attached()) {  // under a debugger: stop with a signal instead of ending the run
                debug_->hart_stopped(hart_.hart_id(), DebugStop{}, &*hart_.fault());
                continue;
            }
            run_control_.fault(hart_.hart_id(), hart_.fault()->describe());
            break;
        }
        if (reason == Rv32Hart::StopReason::Debug) {
            stopped_at_ebreak_ = hart_.debug_stop().kind == DebugStop::Kind::Ebreak;
            debug_->hart_stopped(hart_.hart_id(), hart_.debug_stop(), nullptr);
            continue;
        }
        if (reason == Rv32Hart::StopReason::Wfi) {
            sleep_until_interrupt();
            continue;
        }
        if (quantum_keeper_.need_sync()) quantum_keeper_.sync();
    }
    publish_counters();
}

bool CoreModule::debug_gate() {
    const uint32_t id = hart_.hart_id();
    while (!debug_->may_run(id)) {
        wait(debug_->resume_event());
        if (run_control_.hart_done(id)) return false;
    }
    if (hart_.fault()) {
        // Resumed after stopping on a fault: with the signal delivered (or the debugger gone) the fault proceeds
        // as without a debugger; otherwise the instruction is retried (the user may have changed pc or memory).
        if (debug_->signal(id) != 0 || !debug_->attached()) {
            run_control_.fault(id, hart_.fault()->describe());
            return false;
        }
        hart_.clear_fault();
    }
    if (stopped_at_ebreak_ && debug_->signal(id) != 0) {
        // Resumed with a signal after an ebreak stop: the firmware's trap handler gets the ebreak, as it would
        // without a debugger (one step with ebreak trapping normally).
        hart_.set_debug(nullptr, false, false);
        if (hart_.step() == Rv32Hart::StopReason::Fault) {  // no handler: the unhandled ebreak ends the run
            run_control_.fault(id, hart_.fault()->describe());
            return false;
        }
    }
    stopped_at_ebreak_ = false;
    hart_.set_debug(&debug_->triggers(), debug_->mode(id) == DebugControl::Mode::Step, debug_->attached());
    return true;
}

size_t CoreModule::debug_access(bool write, uint32_t addr, uint8_t* data, size_t length) {
    tlm::tlm_generic_payload trans;
    size_t done = 0;
    while (done < length) {
        const uint64_t at = uint64_t(addr) + done;
        if (at > 0xFFFFFFFFull) break;
        trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        trans.set_address(at);
        trans.set_data_ptr(data + done);
        trans.set_data_length(static_cast<unsigned>(std::min<size_t>(length - done, 1u << 30)));
        const unsigned n = socket->transport_dbg(trans);
        if (n == 0) break;
        done += n;
    }
    return done;
}

void CoreModule::publish_counters() {
    instructions_ = hart_.instructions();
    cycles_ = hart_.cycles();
}

bool CoreModule::request_dmi(uint32_t addr, DmiWindow& window) {
    tlm::tlm_dmi dmi;
    payload_.set_address(addr);
    payload_.set_command(tlm::TLM_READ_COMMAND);
    if (!socket->get_direct_mem_ptr(payload_, dmi)) return false;
    if (dmi.get_start_address() > addr || dmi.get_end_address() < addr) return false;
    uint64_t first = dmi.get_start_address(), last = std::min<uint64_t>(dmi.get_end_address(), 0xFFFFFFFFull);
    // A window never straddles a timed range's edge: inside one it is for fetching only, outside it is plain.
    bool timed = false;
    for (const auto& [begin, end] : timed_memory_) {
        if (addr >= begin && addr < end) {
            timed = true;
            first = std::max<uint64_t>(first, begin);
            last = std::min<uint64_t>(last, end - 1);
        } else if (begin > addr) {
            last = std::min<uint64_t>(last, begin - 1);
        } else if (end <= addr) {
            first = std::max<uint64_t>(first, end);
        }
    }
    const uint64_t skip = first - dmi.get_start_address();
    window.base = static_cast<uint32_t>(first);
    window.last = static_cast<uint32_t>(last);
    window.host = dmi.get_dmi_ptr() + skip;
    window.readable = dmi.is_read_allowed();
    window.writable = dmi.is_write_allowed();
    window.fetch_only = timed;
    const uint64_t period = clock_.period().value();
    window.read_latency_cycles = static_cast<uint32_t>((dmi.get_read_latency().value() + period - 1) / period);
    window.write_latency_cycles = static_cast<uint32_t>((dmi.get_write_latency().value() + period - 1) / period);
    return true;
}

void CoreModule::prepare_payload(tlm::tlm_command command, uint32_t addr, unsigned size_bytes, uint32_t& value) {
    payload_.set_command(command);
    payload_.set_address(addr);
    payload_.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    payload_.set_data_length(size_bytes);
    payload_.set_streaming_width(size_bytes);
    payload_.set_byte_enable_ptr(nullptr);
    payload_.set_dmi_allowed(false);
    payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

BusStatus CoreModule::device_access(tlm::tlm_command command, uint32_t addr, unsigned size_bytes, uint32_t& value,
                                    uint64_t* extra_cycles) {
    // Bring the shared world up to this hart's time, so device accesses of all harts happen in time order.
    const uint64_t debug_epoch = debug_ ? debug_->epoch() : 0;
    account_cycles();
    quantum_keeper_.sync();
    // A debugger halted the chip while this hart waited mid-instruction: the hart stays inside the instruction
    // (not yet executed) while the debugger holds it, and ends its block after it, so it parks (or picks up new
    // breakpoints) at the block boundary.
    park_while_held(debug_epoch);
    const bool timed = is_timed_memory(addr);
    if (timed) ++remote_loads_; else ++device_accesses_;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    prepare_payload(command, addr, size_bytes, value);
    const sc_core::sc_time before = sc_core::sc_time_stamp();
    const uint64_t epoch_before_access = debug_ ? debug_->epoch() : 0;
    socket->b_transport(payload_, delay);
    // A target may wait (a load across the mesh waits for its data): that time has passed already, so it counts
    // as accounted; what it annotates in delay is the hart's to add.
    const sc_core::sc_time after = sc_core::sc_time_stamp();
    park_while_held(epoch_before_access);  // a halt while the load was in flight: it retires once resumed
    const uint64_t period = clock_.period().value();
    const uint64_t waited_cycles = (after - before).value() / period;
    const uint64_t total_ps = (after - before).value() + delay.value();
    *extra_cycles = (total_ps + period - 1) / period;
    accounted_cycles_ += waited_cycles;
    if (timed) remote_load_cycles_ += *extra_cycles;
    return payload_.is_response_ok() ? BusStatus::Ok : BusStatus::AccessFault;
}

void CoreModule::park_while_held(uint64_t epoch_before) {
    if (!debug_ || debug_->epoch() == epoch_before) return;
    while (!debug_->may_run(hart_.hart_id()) && !run_control_.hart_done(hart_.hart_id())) wait(debug_->resume_event());
    hart_.request_yield();
}

BusStatus CoreModule::posted_store(uint32_t addr, unsigned size_bytes, uint32_t value) {
    // No sync: the store leaves at this hart's local time (the TLM delay) and the hart goes on.
    account_cycles();
    ++remote_stores_;
    sc_core::sc_time delay = quantum_keeper_.get_local_time();
    prepare_payload(tlm::TLM_WRITE_COMMAND, addr, size_bytes, value);
    socket->b_transport(payload_, delay);
    return payload_.is_response_ok() ? BusStatus::Ok : BusStatus::AccessFault;
}

BusStatus CoreModule::read(uint32_t addr, unsigned size_bytes, uint32_t& value, uint64_t, uint64_t* extra_cycles) {
    value = 0;
    return device_access(tlm::TLM_READ_COMMAND, addr, size_bytes, value, extra_cycles);
}

BusStatus CoreModule::write(uint32_t addr, unsigned size_bytes, uint32_t value, uint64_t, uint64_t* extra_cycles) {
    if (is_timed_memory(addr)) {
        *extra_cycles = 0;
        return posted_store(addr, size_bytes, value);
    }
    const BusStatus status = device_access(tlm::TLM_WRITE_COMMAND, addr, size_bytes, value, extra_cycles);
    // A device write may have stopped this hart or raised an interrupt: end the block to look at both.
    hart_.request_yield();
    return status;
}

CoprocessorStatus CoreModule::coprocessor(uint32_t instruction, uint32_t rs1, uint32_t rs2, uint32_t rs3,
                                          uint32_t& rd_value) {
    if (!coprocessor_) return CoprocessorStatus::Illegal;
    // Issue at the hart's own time, so the queues see instructions of all harts in time order.
    account_cycles();
    quantum_keeper_.sync();
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const CoprocessorStatus status = coprocessor_(instruction, rs1, rs2, rs3, rd_value, hart_.pc());
    // Time spent stalled (full queue, fence, barrier) is the hart's too.
    const uint64_t stalled = (sc_core::sc_time_stamp() - start).value() / clock_.period().value();
    if (stalled) {
        if (tracer_) {
            tracer_->change(npu_stall_signal_, start.value(), 1);
            tracer_->change(npu_stall_signal_, sc_core::sc_time_stamp().value(), 0);
        }
        hart_.advance_cycles(stalled);
        accounted_cycles_ = hart_.cycles();
        coprocessor_stall_cycles_ += stalled;
        quantum_keeper_.reset();
    }
    return status;
}

uint64_t CoreModule::mtime(uint64_t) {
    account_cycles();
    return timer_clock_.ticks_at(quantum_keeper_.get_current_time());
}

void CoreModule::invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) { hart_.invalidate_dmi(); }

}  // namespace npuemu::core
