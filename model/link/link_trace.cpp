#include "model/link/link_trace.h"

namespace npuemu::link {

LinkTrace::LinkTrace(trace::Tracer& tracer, const std::string& scope, const std::string& process,
                     const std::string& thread, unsigned thread_id, uint64_t buffer_bytes)
    : tracer_(tracer),
      busy_(tracer.declare(scope + ".busy", 1)),
      credits_(tracer.declare(scope + ".credits_bytes", 32)),
      bytes_(tracer.declare(scope + ".wire_bytes", 64)),
      track_(tracer.declare_track(process, tracer.process_id(process), thread, thread_id)),
      buffer_bytes_(buffer_bytes) {
    tracer_.change(busy_, 0, 0);
    tracer_.change(credits_, 0, buffer_bytes_);
    tracer_.change(bytes_, 0, 0);
    tracer_.add_finalizer([this](uint64_t before_ps) { finalize(before_ps); });
}

void LinkTrace::packet(const std::vector<noc::LinkCalendar::Interval>& pieces, uint64_t release_ps, uint64_t wire_bytes,
                       uint64_t payload_bytes) {
    // A packet is never ready before the current simulated time, so nothing lands before what was handed over; if it
    // did, it is recorded at the first time still open rather than out of order.
    auto open = [this](uint64_t ps) { return ps < finalized_before_ps_ ? finalized_before_ps_ : ps; };
    const std::string args =
        "{\"payload_bytes\":" + std::to_string(payload_bytes) + ",\"wire_bytes\":" + std::to_string(wire_bytes) + "}";
    for (const noc::LinkCalendar::Interval& piece : pieces) {
        pending_[open(piece.start_cycle)].busy += 1;
        pending_[open(piece.end_cycle)].busy -= 1;
        tracer_.span(track_, &piece == &pieces.front() ? "packet" : "packet, continued", piece.start_cycle,
                     piece.end_cycle, args);
    }
    pending_[open(pieces.front().start_cycle)].held += static_cast<int64_t>(wire_bytes);
    pending_[open(pieces.back().end_cycle)].bytes += wire_bytes;
    pending_[open(release_ps)].held -= static_cast<int64_t>(wire_bytes);
}

void LinkTrace::finalize(uint64_t before_ps) {
    if (before_ps > finalized_before_ps_) finalized_before_ps_ = before_ps;
    // All changes at one time at once, so a packet starting as another ends leaves the wire busy.
    while (!pending_.empty() && pending_.begin()->first < before_ps) {
        const auto [time, delta] = *pending_.begin();
        pending_.erase(pending_.begin());
        busy_count_ += delta.busy;
        held_bytes_ += delta.held;
        wire_bytes_ += delta.bytes;
        tracer_.change(busy_, time, busy_count_ > 0 ? 1 : 0);
        tracer_.change(credits_, time, buffer_bytes_ - static_cast<uint64_t>(held_bytes_));
        tracer_.change(bytes_, time, wire_bytes_);
    }
}

}  // namespace npuemu::link
