#include "model/link/chip_link.h"

#include <algorithm>
#include <cmath>

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
}

uint64_t ChipLinkDirection::serialization_ps(uint64_t payload_bytes) const {
    const double ps = std::ceil(static_cast<double>(payload_bytes + config_.header_bytes) / config_.bytes_per_ps());
    return std::max<uint64_t>(1, static_cast<uint64_t>(ps));
}

uint64_t ChipLinkDirection::send_packet(uint64_t payload_bytes, uint64_t ready_ps, uint64_t drain_ps,
                                        uint64_t& departure_ps) {
    const uint64_t bytes = payload_bytes + config_.header_bytes;
    uint64_t start = std::max(ready_ps, wire_free_ps_);
    // Credits: wait until the receiver's buffer has room for this packet.
    while (!buffer_.empty() && buffer_.front().release_ps <= start) {
        buffered_bytes_ -= buffer_.front().bytes;
        buffer_.pop_front();
    }
    const uint64_t wanted = start;
    while (buffered_bytes_ + bytes > config_.buffer_bytes) {
        start = std::max(start, buffer_.front().release_ps);
        buffered_bytes_ -= buffer_.front().bytes;
        buffer_.pop_front();
    }
    credit_stall_ps_ += start - wanted;
    const uint64_t wire_ps = serialization_ps(payload_bytes);
    wire_free_ps_ = start + wire_ps;
    busy_ps_ += wire_ps;
    const uint64_t arrival = start + wire_ps + latency_ps();
    buffer_.push_back({arrival + drain_ps, bytes});
    buffered_bytes_ += bytes;
    ++packets_;
    payload_bytes_ += payload_bytes;
    wire_bytes_ += bytes;
    departure_ps = start;
    return arrival;
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
