// Where a chip's router hands over accesses to the other chips of its system: it sees chip c's address a at
// c * 2^32 + a and forwards to chip c's router (data: b_transport, DMI, debug), translating DMI windows back. The
// chips' memories never revoke DMI, so no invalidation travels between chips.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>

namespace npuemu::system {

class ChipGateway : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ChipGateway> target_socket;  // bound into this chip's router
    tlm_utils::multi_passthrough_initiator_socket<ChipGateway> initiator_socket;  // chip c's router at index c

    ChipGateway(sc_core::sc_module_name name, uint32_t chip_count);

private:
    // Splits a gateway address into chip and the address on it; false past the last chip.
    bool split(uint64_t address, uint32_t& chip, uint64_t& local) const;
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(tlm::tlm_generic_payload& trans);
    void invalidate_direct_mem_ptr(int, sc_dt::uint64, sc_dt::uint64) {}

    uint32_t chip_count_;
};

}  // namespace npuemu::system
