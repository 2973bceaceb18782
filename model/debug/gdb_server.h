// The GDB stub of `npuemu run --gdb`: one client at a time over TCP, talking to a ChipDebugTarget. It drives the
// simulation (sim::RunDriver): sc_start() in slices of simulated time, looking at the socket between slices (Ctrl-C,
// a client connecting or leaving); a debugger stop pauses the kernel (sc_pause), and the server answers the client
// until it resumes. While the client holds the chip halted, sc_start() is not called: simulated time stands still
// and every hart is stopped.
//
// Defined behaviour with difficult clients (docs/gdb.md):
//  - a second client while one is connected is accepted and closed at once; the first session goes on;
//  - a client that disconnects (or detaches) removes its breakpoints and watchpoints; the run goes on to its end
//    as without a debugger, and a new client may connect later (it finds the chip halted);
//  - malformed packets get an error reply (E01), bad checksums a NAK; nothing a client sends ends the run except
//    kill (k, vKill).
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>

#include "model/debug/chip_debug_target.h"
#include "model/debug/rsp_session.h"
#include "model/debug/tcp_transport.h"
#include "model/sim/simulation.h"

namespace npuemu::debug {

struct GdbServerOptions {
    bool wait_for_client = false;    // --gdb-wait: wait for a client, halted before the first instruction
    uint64_t slice_cycles = 200000;  // simulated chip cycles between two looks at the socket while running
};

class GdbServer : public sim::RunDriver {
public:
    GdbServer(std::unique_ptr<TcpListener> listener, soc::Chip& chip, const StatsRegistry* stats,
              const GdbServerOptions& options, std::ostream& log);

    bool run_until(const sc_core::sc_time& limit) override;
    double halted_wall_seconds() const override { return halted_seconds_; }
    // The run is over: tells a connected client how (W with the exit status, or X with the signal of a fault the
    // firmware was given) and closes the connection.
    void finish(const sim::RunResult& result, int exit_status);

    ChipDebugTarget& target() { return target_; }

private:
    void connect(std::unique_ptr<TcpConnection> connection);
    void disconnect(const char* why);
    void serve_halted();
    void poll_running();
    void refuse_pending_clients();
    bool pump(int timeout_ms);  // client bytes into the session, replies out; false when the connection is gone
    bool flush();
    void after_session_change();

    std::unique_ptr<TcpListener> listener_;
    soc::Chip& chip_;
    ChipDebugTarget target_;
    GdbServerOptions options_;
    std::ostream& log_;
    std::unique_ptr<TcpConnection> connection_;
    std::unique_ptr<RspSession> session_;
    sc_core::sc_time slice_;
    double halted_seconds_ = 0;  // host time spent waiting for a client or serving it while halted
};

}  // namespace npuemu::debug
