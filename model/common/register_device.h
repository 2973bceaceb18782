// Base of the small memory-mapped devices: a TLM target whose registers are 32-bit words at aligned offsets. It
// checks size and alignment once, so each device only says what its registers do.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>

namespace npuemu {

class RegisterDevice : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<RegisterDevice> socket;

    RegisterDevice(sc_core::sc_module_name name, sc_core::sc_time access_latency);

protected:
    // Return false for an offset that holds no register (the access becomes an access fault).
    // hart is the issuing hart or -1. size_bytes is 1, 2, 4 or 8 (8 only where the device allows it).
    virtual bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) = 0;
    virtual bool write_register(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart) = 0;
    virtual bool allows_byte_access() const { return false; }
    // A loader writing an image over the device: refused unless the device overlays memory (HTIF's tohost).
    virtual bool accepts_image_bytes() const { return false; }

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& trans);
    bool access(tlm::tlm_generic_payload& trans);

    sc_core::sc_time access_latency_;
};

}  // namespace npuemu
