#include "model/common/register_device.h"

#include <cstring>

#include "model/common/hart_id_extension.h"

namespace npuemu {

RegisterDevice::RegisterDevice(sc_core::sc_module_name name, sc_core::sc_time access_latency)
    : sc_module(name), socket("socket"), access_latency_(access_latency) {
    socket.register_b_transport(this, &RegisterDevice::b_transport);
    socket.register_transport_dbg(this, &RegisterDevice::transport_dbg);
}

bool RegisterDevice::access(tlm::tlm_generic_payload& trans) {
    const unsigned size = trans.get_data_length();
    const uint64_t offset = trans.get_address();
    const bool size_ok = size == 4 || size == 8 || (allows_byte_access() && (size == 1 || size == 2));
    if (!size_ok || (offset & (size - 1)) || trans.get_byte_enable_ptr()) return false;
    uint64_t value = 0;
    if (trans.is_read()) {
        if (!read_register(offset, size, value, hart_of(trans))) return false;
        std::memcpy(trans.get_data_ptr(), &value, size);
    } else if (trans.is_write()) {
        std::memcpy(&value, trans.get_data_ptr(), size);
        if (!write_register(offset, size, value, hart_of(trans))) return false;
    }
    return true;
}

void RegisterDevice::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    if (!access(trans)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    delay += access_latency_;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned RegisterDevice::transport_dbg(tlm::tlm_generic_payload& trans) {
    // Debug reads of registers have no side effects here, and debug writes are refused (a loader writing an
    // ELF segment over a device is a bad image, not a register write).
    if (!trans.is_read()) return accepts_image_bytes() ? trans.get_data_length() : 0;
    return access(trans) ? trans.get_data_length() : 0;
}

}  // namespace npuemu
