// A link direction's activity in a trace: VCD/FST signals <scope>.busy (the wire carries a packet), .credits_bytes
// (the receiver's buffer still free: buffer_bytes minus what departed packets hold until drained) and .wire_bytes
// (bytes on the wire so far, counted as each packet's tail leaves), and a timeline span per packet on its own
// track. Packets are learnt out of time order (one may fill a gap before packets computed earlier), so their
// changes are kept and handed to the Tracer in time order once final: the Tracer's finalizer asks for everything
// before a time no later packet can reach (a packet is never ready before the current simulated time).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/noc/link_calendar.h"

#include "model/trace/tracer.h"

namespace npuemu::link {

class LinkTrace {
public:
    // Signals `<scope>.busy` etc.; the packets' track is thread `thread` (id thread_id) of process `process`.
    LinkTrace(trace::Tracer& tracer, const std::string& scope, const std::string& process, const std::string& thread,
              unsigned thread_id, uint64_t buffer_bytes);

    // A packet holds the wire over `pieces` (one, or its flits spread around packets booked before it: a span
    // "packet" for the first, "packet, continued" for the others) and the receiver's buffer (wire_bytes of credits)
    // from its first piece until release_ps.
    void packet(const std::vector<noc::LinkCalendar::Interval>& pieces, uint64_t release_ps, uint64_t wire_bytes,
                uint64_t payload_bytes);

private:
    void finalize(uint64_t before_ps);

    struct Delta {
        int64_t busy = 0;    // packets on the wire
        int64_t held = 0;    // credit bytes held
        uint64_t bytes = 0;  // wire bytes whose tail has left
    };
    trace::Tracer& tracer_;
    uint32_t busy_, credits_, bytes_, track_;
    uint64_t buffer_bytes_;
    std::map<uint64_t, Delta> pending_;  // by time
    int64_t busy_count_ = 0, held_bytes_ = 0;
    uint64_t wire_bytes_ = 0;
    uint64_t finalized_before_ps_ = 0;  // changes before this were handed to the tracer
};

}  // namespace npuemu::link
