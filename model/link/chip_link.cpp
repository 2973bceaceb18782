#include "model/link/chip_link.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "model/common/error.h"

namespace npuemu::link {

ChipLinkDirection::ChipLinkDirection(const ChipLinkConfig& config, StatsGroup& parent, const std::string& name)
    : config_(config), name_(name), stats_(parent, name) {
    if (config.buffer_bytes < uint64_t(config.max_payload_bytes) + config.header_bytes) {
        throw Error("link " + name + ": the receive buffer (" + std::to_string(config.buffer_bytes) +
                    " bytes) cannot hold one largest packet (" +
                    std::to_string(config.max_payload_bytes + config.header_bytes) + " bytes)");
    }
    stats_.counter("packets", packets_, StatUnit::Count, "packets sent");
    stats_.counter("transfers", transfers_, StatUnit::Count, "transfers (requests, data, acknowledgements, doorbells)");
    stats_.counter("payload_bytes", payload_bytes_, StatUnit::Bytes, "data carried");
    stats_.counter("wire_bytes", wire_bytes_, StatUnit::Bytes, "bytes on the wire (headers included)");
    stats_.counter("busy_ps", busy_ps_, StatUnit::Picoseconds, "time the wire was busy");
    stats_.counter("credit_stall_ps", credit_stall_ps_, StatUnit::Picoseconds,
                   "time packets waited for the receiver's buffer (credits)");
    const uint64_t* busy = &busy_ps_;
    stats_.derived("utilization", [busy] {
        const double ps = static_cast<double>(sc_core::sc_time_stamp().value());
        return ps > 0 ? static_cast<double>(*busy) / ps : 0.0;
    }, StatUnit::Ratio, "wire busy / elapsed");
    const uint64_t* payload = &payload_bytes_;
    stats_.derived("payload_gbps", [payload] {
        const double ps = static_cast<double>(sc_core::sc_time_stamp().value());
        return ps > 0 ? static_cast<double>(*payload) / ps * 1000.0 : 0.0;
    }, StatUnit::GigabytesPerSecond, "data carried per second over the run");
    const double peak = config.gigabytes_per_second();
    stats_.derived("peak_gbps", [peak] { return peak; }, StatUnit::GigabytesPerSecond,
                   "lanes x rate x encoding efficiency");
    stats_.histogram("latency", latency_ps_, "a transfer's data ready to its last byte at the far end");
    stats_.derived("energy_j", [this] { return energy_j(); }, StatUnit::Joules,
                   "wire bytes x 8 x energy_pj_per_bit (headers included)");
}

void ChipLinkDirection::attach_tracer(trace::Tracer& tracer, const std::string& scope, const std::string& process,
                                      unsigned thread_id) {
    trace_ = std::make_unique<LinkTrace>(tracer, scope + name_, process, name_, thread_id, config_.buffer_bytes);
}

uint64_t ChipLinkDirection::serialization_ps(uint64_t payload_bytes) const {
    const double ps = std::ceil(static_cast<double>(payload_bytes + config_.header_bytes) / config_.bytes_per_ps());
    return std::max<uint64_t>(1, static_cast<uint64_t>(ps));
}

uint64_t ChipLinkDirection::send_packet(uint64_t payload_bytes, uint64_t ready_ps, uint64_t drain_ps,
                                        uint64_t& departure_ps) {
    const uint64_t bytes = payload_bytes + config_.header_bytes;
    const uint64_t wire_ps = serialization_ps(payload_bytes);
    // The packet's wire time spread over the free wire from the earliest moment from which the receiver's buffer
    // has room for its whole stay (its credits are held from its first flit until drained): where credits are
    // short, wait for the first packet holding them to be drained, and look again.
    wire_.find_spread(ready_ps, wire_ps, pieces_);
    const uint64_t wanted = pieces_.front().start_cycle;
    auto hold_ps = [&] { return pieces_.back().end_cycle - pieces_.front().start_cycle + latency_ps() + drain_ps; };
    for (uint64_t short_until = credits_short_until(wanted, hold_ps(), bytes); short_until != 0;
         short_until = credits_short_until(pieces_.front().start_cycle, hold_ps(), bytes)) {
        wire_.find_spread(short_until, wire_ps, pieces_);
    }
    const uint64_t start = pieces_.front().start_cycle, tail_left = pieces_.back().end_cycle;
    credit_stall_ps_ += start - wanted;
    wire_.reserve_pieces(pieces_);
    busy_ps_ += wire_ps;
    const uint64_t arrival = tail_left + latency_ps();
    credits_held_.emplace(start, Held{arrival + drain_ps, bytes});
    longest_hold_ps_ = std::max(longest_hold_ps_, arrival + drain_ps - start);
    if (trace_) trace_->packet(pieces_, arrival + drain_ps, bytes, payload_bytes);
    ++packets_;
    payload_bytes_ += payload_bytes;
    wire_bytes_ += bytes;
    departure_ps = start;
    return arrival;
}

uint64_t ChipLinkDirection::credits_short_until(uint64_t start, uint64_t hold_ps, uint64_t bytes) const {
    // Packets holding credits at `start` (their releases in a min-heap), then, in departure order, those leaving
    // later while this one would still hold its credits: packets computed earlier but later in time, whose gaps
    // this one fills. The buffer must have room at `start` and at each of those departures.
    std::priority_queue<std::pair<uint64_t, uint64_t>, std::vector<std::pair<uint64_t, uint64_t>>, std::greater<>>
        holding;  // (release, bytes)
    uint64_t held = 0;
    const uint64_t from = start > longest_hold_ps_ ? start - longest_hold_ps_ : 0;
    auto it = credits_held_.lower_bound(from);
    for (; it != credits_held_.end() && it->first <= start; ++it) {
        if (it->second.release_ps <= start) continue;
        held += it->second.bytes;
        holding.emplace(it->second.release_ps, it->second.bytes);
    }
    if (held + bytes > config_.buffer_bytes) return holding.top().first;
    for (; it != credits_held_.end() && it->first < start + hold_ps; ++it) {
        while (!holding.empty() && holding.top().first <= it->first) {
            held -= holding.top().second;
            holding.pop();
        }
        held += it->second.bytes;
        holding.emplace(it->second.release_ps, it->second.bytes);
        if (held + bytes > config_.buffer_bytes) return holding.top().first;
    }
    return 0;
}

void ChipLinkDirection::retire_before(uint64_t now_ps) {
    wire_.retire_through(now_ps);
    // A packet ready at or after now_ps leaves at or after it: credits released by then no longer matter.
    const uint64_t horizon = now_ps > longest_hold_ps_ ? now_ps - longest_hold_ps_ : 0;
    credits_held_.erase(credits_held_.begin(), credits_held_.lower_bound(horizon));
}

ChipLinkDirection::Transfer ChipLinkDirection::send(uint64_t payload_bytes, uint64_t ready_ps, uint64_t drain_ps) {
    Transfer t;
    uint64_t left = payload_bytes;
    bool first = true;
    do {
        const uint64_t chunk = std::min<uint64_t>(left, config_.max_payload_bytes);
        uint64_t departure = 0;
        t.arrival_ps = send_packet(chunk, ready_ps, drain_ps, departure);
        if (first) t.first_departure_ps = departure;
        first = false;
        left -= chunk;
    } while (left > 0);
    ++transfers_;
    latency_ps_.record(t.arrival_ps - ready_ps);
    return t;
}

}  // namespace npuemu::link
