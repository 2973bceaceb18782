#include "model/debug/gdb_server.h"

#include <algorithm>
#include <chrono>

namespace npuemu::debug {

GdbServer::GdbServer(std::unique_ptr<TcpListener> listener, soc::Chip& chip, const StatsRegistry* stats,
                     const GdbServerOptions& options, std::ostream& log)
    : listener_(std::move(listener)),
      chip_(chip),
      target_(chip, stats),
      options_(options),
      log_(log),
      slice_(sc_core::sc_time::from_value(chip.config().clock_period_ps() * std::max<uint64_t>(1, options.slice_cycles))) {}

void GdbServer::connect(std::unique_ptr<TcpConnection> connection) {
    connection_ = std::move(connection);
    session_ = std::make_unique<RspSession>(target_);
    target_.attach();
    StopEvent initial;
    initial.hart = target_.first_alive_hart();
    initial.signal = gdb_signal::kTrap;
    session_->set_initial_stop(initial);
    log_ << "npuemu: GDB connected; the chip is halted at " << sc_core::sc_time_stamp() << std::endl;
}

void GdbServer::disconnect(const char* why) {
    flush();
    connection_.reset();
    session_.reset();
    target_.detach();
    log_ << "npuemu: GDB " << why << "; the run goes on without a debugger" << std::endl;
}

bool GdbServer::flush() {
    if (!session_ || !connection_) return false;
    const std::string out = session_->take_output();
    return out.empty() || connection_->send_all(out);
}

bool GdbServer::pump(int timeout_ms) {
    char buffer[4096];
    const long n = connection_->receive(buffer, sizeof buffer, timeout_ms);
    if (n < 0) return false;
    if (n > 0) session_->receive(buffer, static_cast<size_t>(n));
    return flush();
}

void GdbServer::refuse_pending_clients() {
    while (auto extra = listener_->accept(0)) {
        log_ << "npuemu: refused a second GDB connection (one client at a time)" << std::endl;
        // Closing it at once is the answer: the client sees the connection end.
    }
}

void GdbServer::after_session_change() {
    if (!session_) return;
    switch (session_->state()) {
        case RspSession::State::Detached: disconnect("detached"); break;
        case RspSession::State::Killed:
            flush();
            connection_.reset();
            session_.reset();
            log_ << "npuemu: GDB killed the run" << std::endl;
            break;
        default: break;
    }
}

void GdbServer::serve_halted() {
    const auto start = std::chrono::steady_clock::now();
    struct AddElapsed {
        std::chrono::steady_clock::time_point start;
        double& total;
        ~AddElapsed() { total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
    } add_elapsed{start, halted_seconds_};
    while (session_ && session_->state() == RspSession::State::Halted) {
        const int ready = wait_readable(connection_->fd(), listener_->fd(), 500);
        if (ready & 2) refuse_pending_clients();
        if ((ready & 1) && !pump(0)) {
            disconnect("disconnected");
            return;
        }
    }
    after_session_change();
}

void GdbServer::poll_running() {
    if (session_) {
        if (!pump(0)) {
            disconnect("disconnected");
        } else if (session_->take_interrupt()) {
            target_.control().halt();
            StopEvent stop;
            stop.hart = target_.hart_for_stop(session_->current_hart());
            stop.signal = gdb_signal::kInt;
            session_->report_stop(stop);
            if (!flush()) disconnect("disconnected");
        }
    }
    if (session_) {
        refuse_pending_clients();
    } else if (auto connection = listener_->accept(0)) {
        connect(std::move(connection));
    }
}

bool GdbServer::run_until(const sc_core::sc_time& limit) {
    if (options_.wait_for_client) {
        log_ << "npuemu: waiting for GDB to connect to " << listener_->host() << ":" << listener_->port()
             << " (--gdb-wait)" << std::endl;
        const auto start = std::chrono::steady_clock::now();
        while (!session_) {
            if (auto connection = listener_->accept(-1)) connect(std::move(connection));
        }
        halted_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    for (;;) {
        serve_halted();
        if (target_.killed()) return false;
        if (!sc_core::sc_pending_activity()) {
            // Nothing can happen any more. If the client holds some harts (it let only others run), that is a stop
            // for it to look at, not the end of the run.
            if (session_ && session_->state() == RspSession::State::Running && target_.control().any_held()) {
                target_.control().halt();
                session_->report_no_resumed(target_.first_alive_hart());
                if (!flush()) disconnect("disconnected");
                continue;
            }
            return true;  // a deadlock: the caller reports it
        }
        // sc_start() with SC_EXIT_ON_STARVATION stops at the last event before its end time, so run at least to the
        // next event (else a slice with no event in it would not move time), and stop where one sc_start(limit)
        // would: when the next event lies at or beyond the limit (sc_start(limit) leaves events at the limit alone).
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        const sc_core::sc_time next = now + sc_core::sc_time_to_pending_activity();
        if (next >= limit) return true;
        sc_core::sc_start(std::min(std::max(slice_, next - now), limit - now), sc_core::SC_EXIT_ON_STARVATION);
        if (sc_core::sc_get_status() == sc_core::SC_STOPPED || chip_.run_control().finished()) return true;
        if (auto stop = target_.control().take_stop()) {
            if (session_ && session_->state() == RspSession::State::Running) {
                session_->report_stop(target_.stop_event(*stop));
                if (!flush()) disconnect("disconnected");
            } else {
                target_.detach();  // nobody to tell: carry on as without a debugger
            }
            continue;
        }
        poll_running();
    }
}

void GdbServer::finish(const sim::RunResult& result, int exit_status) {
    if (session_ && connection_) {
        std::string message;
        if (result.outcome != sim::Outcome::Exited) message = "npuemu: " + result.message + "\n";
        bool by_signal = false;
        int value = exit_status & 0xFF;
        if (result.outcome == sim::Outcome::Fault) {
            for (auto& tile : chip_.tiles()) {
                if (const auto& fault = tile->core().hart().fault()) {
                    by_signal = true;
                    value = ChipDebugTarget::signal_for_cause(fault->cause);
                    break;
                }
            }
        }
        session_->report_exit(by_signal, value, message);
        flush();
    }
    connection_.reset();
    session_.reset();
}

}  // namespace npuemu::debug
