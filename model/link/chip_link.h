// One direction of a chip-to-chip link, in time (plain C++: the SystemC side calls it with the times it knows).
// A transfer is cut into packets of at most max_payload_bytes, each with header_bytes on the wire. A packet holds
// the wire for its wire bytes / data rate from the first free moment of the wire's calendar at or after it is
// ready, and its tail reaches the far end latency_ns after it has left. Packets are computed out of time order (a
// write's acknowledgement is booked when the write lands, before the data its sender queued earlier is): a packet
// fills the gaps before packets booked earlier and continues after them (its flits interleave with theirs), so the
// wire idles only when nothing is ready, as a link that arbitrates in time order; the packet booked earlier keeps
// its time, the one spread around it is late by that packet's wire time (at most a header-only packet in practice).
// Credit-based flow control: the receiver's buffer holds buffer_bytes; a packet takes its credits when it leaves
// (its first flit) and may leave only when the packets holding credits then, and those computed earlier that leave
// while it holds its own (a packet may fill a gap before them), leave it room throughout; its credits come back when
// the receiver has drained it into its chip (arrival + drain time). A sender that runs out of credits waits: the
// wait is counted (credit stalls), and it delays the transfer's arrival, which is what holds back the sender's DMA.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/common/latency_histogram.h"
#include "model/common/stats.h"
#include "model/link/link_config.h"
#include "model/link/link_trace.h"
#include "model/noc/link_calendar.h"

namespace npuemu::link {

class ChipLinkDirection {
public:
    // Statistics in a group `name` below parent ("c0p1-c1p0": chip 0 port 1 to chip 1 port 0).
    ChipLinkDirection(const ChipLinkConfig& config, StatsGroup& parent, const std::string& name);

    struct Transfer {
        uint64_t first_departure_ps = 0;  // the first packet's head leaves
        uint64_t arrival_ps = 0;          // the last packet's tail has arrived at the far end
    };
    // Sends payload_bytes (0: one header-only packet, a request or an acknowledgement) ready at ready_ps; the
    // receiver drains a packet drain_ps after it arrives.
    Transfer send(uint64_t payload_bytes, uint64_t ready_ps, uint64_t drain_ps);

    // Picoseconds the wire is busy with a packet of payload_bytes (at least 1 ps).
    uint64_t serialization_ps(uint64_t payload_bytes) const;
    uint64_t latency_ps() const { return config_.latency_ns * 1000; }
    // Forgets what can no longer matter to a packet ready at or after now_ps (keeps the bookkeeping short).
    void retire_before(uint64_t now_ps);
    const ChipLinkConfig& config() const { return config_; }
    const std::string& name() const { return name_; }
    // Signals <scope>.<name>.busy, .credits_bytes, .wire_bytes and a span per packet on track <name> of `process`
    // (link/link_trace.h). Call before the tracer starts.
    void attach_tracer(trace::Tracer& tracer, const std::string& scope, const std::string& process, unsigned thread_id);

    uint64_t wire_bytes() const { return wire_bytes_; }
    uint64_t busy_ps() const { return busy_ps_; }
    uint64_t credit_stall_ps() const { return credit_stall_ps_; }
    uint64_t packets() const { return packets_; }
    uint64_t payload_bytes() const { return payload_bytes_; }
    // Energy on the wire so far: every bit sent (headers included) at energy_pj_per_bit.
    double energy_pj() const { return static_cast<double>(wire_bytes_) * 8.0 * config_.energy_pj_per_bit; }
    double energy_j() const { return energy_pj() * 1e-12; }

private:
    uint64_t send_packet(uint64_t payload_bytes, uint64_t ready_ps, uint64_t drain_ps, uint64_t& departure_ps);
    // 0 if the receiver's buffer has room for `bytes` from `start` for hold_ps (with every packet holding credits
    // then, including those that leave later), else the first time credits can come back where it is short.
    uint64_t credits_short_until(uint64_t start, uint64_t hold_ps, uint64_t bytes) const;

    ChipLinkConfig config_;
    std::string name_;
    noc::LinkCalendar wire_;                           // in picoseconds
    std::vector<noc::LinkCalendar::Interval> pieces_;  // the packet being sent: its wire time, gap by gap
    struct Held {
        uint64_t release_ps;
        uint64_t bytes;
    };
    std::multimap<uint64_t, Held> credits_held_;  // by departure: packets holding receiver-buffer credits
    uint64_t longest_hold_ps_ = 0;                // the longest departure-to-release so far

    uint64_t packets_ = 0, payload_bytes_ = 0, wire_bytes_ = 0, busy_ps_ = 0, credit_stall_ps_ = 0;
    uint64_t transfers_ = 0;
    LatencyHistogram latency_ps_;       // ready to the last tail's arrival, per transfer
    std::unique_ptr<LinkTrace> trace_;  // when tracing
    StatsGroup stats_;
};

}  // namespace npuemu::link
