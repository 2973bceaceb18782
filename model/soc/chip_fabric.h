// The way between the chips of a system (implemented by the system, over its chip-to-chip links and switch; a chip
// that runs alone has none). Timing only, like the memory system: data moves through DMI; this says when.
#pragma once

#include <cstdint>

#include "model/mem/memory_port.h"
#include "model/noc/mesh.h"

namespace npuemu::soc {

class ChipFabric {
public:
    virtual ~ChipFabric() = default;
    // An access leaving node `from` of chip `chip`'s mesh (a tile) for access.address on chip `target` (an address
    // in that chip's own map). listener->access_done(cookie, landed_ps) follows once, landed_ps being when the read
    // data or the write acknowledgement is back at `from`.
    virtual void start(uint32_t chip, noc::NodeId from, uint32_t target, const mem::TimedAccess& access,
                       mem::AccessListener& listener, uint64_t cookie) = 0;
    // A doorbell leaving node `from` of chip `chip` at ready_ps for tile `tile` of chip `target`; `flow` describes
    // it for the flow export (its times are the fabric's to fill in).
    virtual void ring(uint32_t chip, noc::NodeId from, uint64_t ready_ps, uint32_t target, uint32_t tile,
                      unsigned flag, mem::FlowRecord flow) = 0;
    // A copy between chips issued on chip `chip` has landed.
    virtual void record_flow(uint32_t chip, const mem::FlowRecord& flow) = 0;
    // Energy of the link on port `port` of chip `chip` charged to that chip, in pJ: half of what both directions of
    // the link carried (a link's energy per bit covers both ends, transmitter and receiver). 0 for an unused port.
    virtual double link_port_energy_pj(uint32_t chip, uint32_t port) const = 0;
    virtual uint32_t chip_count() const = 0;
    virtual uint32_t tile_count(uint32_t chip) const = 0;
};

}  // namespace npuemu::soc
