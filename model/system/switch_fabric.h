// The node switch's internal fabric: what it can move between its ports at once. With oversubscription r, the
// fabric carries ports x port rate / r (a switch whose uplinks carry 1/r of what its downlinks can bring in, as a
// leaf switch of an r:1 oversubscribed Clos); r = 1 is a non-blocking switch, modelled as no fabric at all (each
// port's own link is its only limit). A transfer that has crossed its ingress link holds the fabric for its wire
// bytes at the fabric's rate, in the earliest free interval at or after its head reached the switch (packets
// computed out of time order fill gaps, as on the links); it leaves the switch when both its last byte has
// arrived and the fabric has moved it. Plain C++, times in picoseconds.
#pragma once

#include <cstdint>

#include "model/noc/link_calendar.h"

namespace npuemu::system {

class SwitchFabric {
public:
    // ports x port_bytes_per_ps / oversubscription; oversubscription >= 1 (1: no fabric limit).
    SwitchFabric(uint32_t ports, double port_bytes_per_ps, double oversubscription);

    bool limits() const { return bytes_per_ps_ > 0; }
    double bytes_per_ps() const { return bytes_per_ps_; }
    // A transfer of wire_bytes whose head reached the switch at head_ps and whose tail had arrived at tail_ps:
    // the time the fabric has moved it (tail_ps when it does not limit).
    uint64_t cross(uint64_t head_ps, uint64_t tail_ps, uint64_t wire_bytes);
    void retire_before(uint64_t now_ps) { calendar_.retire_through(now_ps); }
    uint64_t busy_ps() const { return busy_ps_; }
    uint64_t wait_ps() const { return wait_ps_; }  // time transfers waited for the fabric beyond their tail

private:
    double bytes_per_ps_ = 0;     // 0: no limit
    noc::LinkCalendar calendar_;  // in picoseconds
    uint64_t busy_ps_ = 0, wait_ps_ = 0;
};

}  // namespace npuemu::system
