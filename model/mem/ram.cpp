#include "model/mem/ram.h"

#include <sys/mman.h>

#include <cstring>

#include "model/common/error.h"

namespace npuemu::mem {

Ram::Ram(sc_core::sc_module_name name, uint64_t size_bytes, sc_core::sc_time access_latency)
    : sc_module(name), socket("socket"), size_bytes_(size_bytes), access_latency_(access_latency) {
    void* mapping = mmap(nullptr, size_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                         -1, 0);
    if (mapping == MAP_FAILED) {
        throw Error(std::string(this->name()) + ": cannot reserve " + std::to_string(size_bytes_) +
                    " bytes of host memory for the simulated RAM");
    }
    data_ = static_cast<uint8_t*>(mapping);
    socket.register_b_transport(this, &Ram::b_transport);
    socket.register_get_direct_mem_ptr(this, &Ram::get_direct_mem_ptr);
    socket.register_transport_dbg(this, &Ram::transport_dbg);
}

Ram::~Ram() { munmap(data_, size_bytes_); }

void Ram::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t addr = trans.get_address();
    const unsigned length = trans.get_data_length();
    if (addr >= size_bytes_ || length > size_bytes_ - addr || trans.get_byte_enable_ptr()) {
        trans.set_response_status(trans.get_byte_enable_ptr() ? tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE
                                                              : tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (trans.is_read()) {
        std::memcpy(trans.get_data_ptr(), data_ + addr, length);
        bytes_read_ += length;
    } else if (trans.is_write()) {
        std::memcpy(data_ + addr, trans.get_data_ptr(), length);
        bytes_written_ += length;
    }
    delay += access_latency_;
    trans.set_dmi_allowed(true);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool Ram::get_direct_mem_ptr(int, tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    dmi.set_dmi_ptr(data_);
    dmi.set_start_address(0);
    dmi.set_end_address(size_bytes_ - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(access_latency_);
    dmi.set_write_latency(access_latency_);
    return true;
}

unsigned Ram::transport_dbg(int, tlm::tlm_generic_payload& trans) {
    const uint64_t addr = trans.get_address();
    if (addr >= size_bytes_) return 0;
    const unsigned length = static_cast<unsigned>(std::min<uint64_t>(trans.get_data_length(), size_bytes_ - addr));
    if (trans.is_read()) std::memcpy(trans.get_data_ptr(), data_ + addr, length);
    else if (trans.is_write()) std::memcpy(data_ + addr, trans.get_data_ptr(), length);
    return length;
}

}  // namespace npuemu::mem
