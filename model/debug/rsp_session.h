// One GDB client's session: turns the packets it sends into calls on a DebugTarget and answers them. No sockets and
// no SystemC: bytes in (receive), bytes out (take_output), so the whole command set is unit-tested with a fake
// target. The server (gdb_server.h) moves the bytes and runs the simulation between a resume and the stop it reports.
//
// All-stop mode: when one hart stops, every hart is stopped. Thread id = hart id + 1.
// Packets other than Ctrl-C that arrive while the target runs are acknowledged and ignored (an all-stop client sends
// none). A packet with a bad checksum is answered with '-' (GDB then sends it again); in no-ack mode it is dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/debug/debug_target.h"
#include "model/debug/rsp_packet.h"

namespace npuemu::debug {

class RspSession {
public:
    explicit RspSession(DebugTarget& target);

    enum class State {
        Halted,    // waiting for the client's commands; the target does not run
        Running,   // a continue or step is in progress: the server runs the target until it stops
        Detached,  // the client detached: the target runs on without a debugger
        Killed,    // the client asked to end the run
    };
    State state() const { return state_; }

    // Bytes from the client.
    void receive(const char* data, size_t length);
    // Everything to send to the client since the last call (acks and packets), in order.
    std::string take_output();

    // The client's view of the target when it connects (answer to '?'): halted, for this reason.
    void set_initial_stop(const StopEvent& event);
    // The target stopped while running: sends the stop reply and goes back to Halted.
    void report_stop(const StopEvent& event);
    // Every hart the client resumed has exited or sleeps for good while it holds the others: the "N" stop reply
    // (GDB: "No unwaited-for children left") if the client understands it, else a SIGTRAP stop of `fallback_hart`.
    void report_no_resumed(unsigned fallback_hart);
    // The program ended while running: optional console text (O packets), then W (exit code) or X (signal).
    void report_exit(bool by_signal, int value, const std::string& message);
    // True once after a Ctrl-C (0x03) arrived while the target was running.
    bool take_interrupt();
    // The hart the client looks at (Hg), for stop replies the server makes up (Ctrl-C).
    unsigned current_hart() const { return general_hart_; }

    // Statistics for tests and the server's log.
    unsigned bad_packets() const { return bad_packets_; }

private:
    void handle_packet(const std::string& payload);
    // Returns true and sets reply if the packet gets an immediate reply (resume packets do not).
    bool dispatch(std::string_view packet, std::string& reply);
    bool handle_query(std::string_view packet, std::string& reply);
    bool handle_v_packet(std::string_view packet, std::string& reply);
    std::string read_registers();
    std::string write_registers(std::string_view hex);
    std::string read_memory(std::string_view args);
    std::string write_memory(std::string_view args, bool binary);
    std::string trigger(std::string_view packet, bool insert);
    std::string monitor(std::string_view hex_command);
    bool resume_vcont(std::string_view actions, std::string& reply);
    void resume_all(HartResume::Action action_for_selected, int selected_hart, int signal);
    std::string stop_reply(const StopEvent& event) const;
    // A thread id ("1", "-1", "0", "p1.2") as a hart: -1 = all, -2 = any; false if malformed or out of range.
    bool parse_thread(std::string_view text, int& hart) const;
    unsigned first_alive_hart() const;

    void send_packet(std::string_view payload);

    DebugTarget& target_;
    PacketDecoder decoder_;
    std::string output_;
    std::string last_packet_;  // framed, resent on '-'
    bool ack_mode_ = true;
    State state_ = State::Halted;
    StopEvent last_stop_;
    unsigned general_hart_ = 0;  // Hg: registers and memory
    int continue_hart_ = -1;     // Hc: legacy c/s (-1 = all)
    bool interrupt_ = false;
    bool client_swbreak_ = false;
    bool client_hwbreak_ = false;
    bool client_no_resumed_ = false;
    unsigned bad_packets_ = 0;
};

}  // namespace npuemu::debug
