#include "model/soc/timed_memory_front.h"

#include "model/common/hart_id_extension.h"
#include "model/soc/memory_system.h"

namespace npuemu::soc {

TimedMemoryFront::TimedMemoryFront(sc_core::sc_module_name name, MemorySystem& memory, uint64_t chip_base,
                                   uint32_t harts)
    : sc_module(name), target_socket("target_socket"), initiator_socket("initiator_socket"), memory_(memory),
      chip_base_(chip_base) {
    loads_.resize(harts);
    target_socket.register_b_transport(this, &TimedMemoryFront::b_transport);
    target_socket.register_get_direct_mem_ptr(this, &TimedMemoryFront::get_direct_mem_ptr);
    target_socket.register_transport_dbg(this, &TimedMemoryFront::transport_dbg);
    initiator_socket.register_invalidate_direct_mem_ptr(this, &TimedMemoryFront::invalidate_direct_mem_ptr);
}

void TimedMemoryFront::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const int64_t hart = hart_of(trans);
    if (hart < 0 || static_cast<size_t>(hart) >= loads_.size() || !(trans.is_read() || trans.is_write())) {
        initiator_socket->b_transport(trans, delay);
        return;
    }
    // The access must be possible before it is timed (an address error is the memory's to report).
    const uint64_t address = chip_base_ + trans.get_address();
    mem::TimedAccess access{address, trans.get_data_length(), trans.is_write(),
                            static_cast<uint64_t>((sc_core::sc_time_stamp() + delay).value()), mem::Requester::Core};
    mem::TimedMemoryPort& port = memory_.port(static_cast<uint32_t>(hart));
    if (trans.is_write()) {
        // Posted: the packet leaves at the core's local time; the core does not wait for the acknowledgement.
        initiator_socket->b_transport(trans, delay);
        if (trans.is_response_ok() && port.is_remote(address, access.bytes)) port.start(access, *this, UINT64_MAX);
        return;
    }
    if (!port.is_remote(address, access.bytes)) {
        initiator_socket->b_transport(trans, delay);
        return;
    }
    std::unique_ptr<LoadSlot>& made = loads_[static_cast<size_t>(hart)];
    if (!made) made = std::make_unique<LoadSlot>();
    LoadSlot& slot = *made;
    slot.known = false;
    port.start(access, *this, static_cast<uint64_t>(hart));
    while (!slot.known) sc_core::wait(slot.event);
    const uint64_t now = sc_core::sc_time_stamp().value();
    if (slot.landed_ps > now) sc_core::wait(sc_core::sc_time::from_value(slot.landed_ps - now));
    // The data is there now: the time it took is the wait; the memory adds nothing more.
    sc_core::sc_time none = sc_core::SC_ZERO_TIME;
    initiator_socket->b_transport(trans, none);
    delay = sc_core::SC_ZERO_TIME;
}

void TimedMemoryFront::access_done(uint64_t cookie, uint64_t landed_ps) {
    if (cookie == UINT64_MAX) return;  // a posted store's acknowledgement
    LoadSlot& slot = *loads_[cookie];
    slot.known = true;
    slot.landed_ps = landed_ps;
    // The waiting core wakes when the data is there.
    const uint64_t now = sc_core::sc_time_stamp().value();
    slot.event.notify(sc_core::sc_time::from_value(landed_ps > now ? landed_ps - now : 0));
}

bool TimedMemoryFront::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    return initiator_socket->get_direct_mem_ptr(trans, dmi);
}

unsigned TimedMemoryFront::transport_dbg(tlm::tlm_generic_payload& trans) {
    return initiator_socket->transport_dbg(trans);
}

void TimedMemoryFront::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    target_socket->invalidate_direct_mem_ptr(start, end);
}

}  // namespace npuemu::soc
