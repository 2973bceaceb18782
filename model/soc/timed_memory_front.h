// In front of a memory that control cores reach through the chip (global memory, a tile's SRAM from outside):
// a core's load or store becomes a control packet through the tile's memory port (mesh, HBM), and only then reaches
// the memory. Loads wait for their data (the core has synced to its own time first); stores are posted at the
// core's local time (the TLM delay) and the core goes on. Instruction fetch and everything else (DMI for the DMA
// engines, the debug transport for loaders and debuggers) pass straight through.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "model/mem/memory_port.h"

namespace npuemu::soc {

class MemorySystem;

class TimedMemoryFront : public sc_core::sc_module, private mem::AccessListener {
public:
    tlm_utils::simple_target_socket<TimedMemoryFront> target_socket;
    tlm_utils::simple_initiator_socket<TimedMemoryFront> initiator_socket;

    // chip_base: the chip address of the memory's first byte (the router hands over offsets).
    TimedMemoryFront(sc_core::sc_module_name name, MemorySystem& memory, uint64_t chip_base, uint32_t harts);

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(tlm::tlm_generic_payload& trans);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
    void access_done(uint64_t cookie, uint64_t landed_ps) override;

    MemorySystem& memory_;
    uint64_t chip_base_;
    // One load in flight per hart at most (its core blocks on it). Made at the hart's first timed load through this
    // front: most harts never load through most fronts, and the default chip's 97 fronts x 32 harts made and named
    // ~3,100 sc_events at start-up, a quarter of a short run's host instructions.
    struct LoadSlot {
        bool known = false;      // the memory system has said when the data lands
        uint64_t landed_ps = 0;
        sc_core::sc_event event;
    };
    std::vector<std::unique_ptr<LoadSlot>> loads_;  // by hart; empty until its first timed load
};

}  // namespace npuemu::soc
