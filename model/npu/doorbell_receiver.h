// Where doorbells arrive at a tile (dma.doorbell from this or another chip): each adds 1 to one of the tile's
// semaphores at its arrival time, in time order (ties in the order they were sent), where npu.wait takes it.
// (The system's fabric counts doorbells; a tile keeps no statistics of its own for them.)
#pragma once

#include <systemc>

#include <cstdint>
#include <map>
#include <utility>

#include "model/npu/semaphores.h"

namespace npuemu::npu {

class DoorbellReceiver : public sc_core::sc_module {
public:
    DoorbellReceiver(sc_core::sc_module_name name, Semaphores& semaphores);

    // A doorbell for `flag` arriving at arrival_ps (not before the current time).
    void ring(uint64_t arrival_ps, unsigned flag);

private:
    void deliver_due();

    Semaphores& semaphores_;
    std::map<std::pair<uint64_t, uint64_t>, unsigned> pending_;  // (arrival, sequence) -> flag
    uint64_t sequence_ = 0;
    sc_core::sc_event due_;
};

}  // namespace npuemu::npu
