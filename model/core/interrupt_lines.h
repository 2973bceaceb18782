// The interrupt inputs of one hart, driven by the CLINT (software interrupt, timer compare) and, later, by other
// blocks (external interrupt). A change notifies `changed`, which wakes a hart sleeping in wfi.
#pragma once

#include <systemc>

#include <cstdint>

namespace npuemu::core {

struct InterruptLines {
    bool software = false;
    bool external = false;
    uint64_t timer_compare = UINT64_MAX;  // the hart's mtimecmp
    sc_core::sc_event changed;

    void notify() { changed.notify(sc_core::SC_ZERO_TIME); }
};

}  // namespace npuemu::core
