// A plain RAM target: byte-addressed, zero at start, DMI for the whole array. Backed by an anonymous mapping so a
// multi-GiB global memory costs host pages only where the firmware touches it.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>

namespace npuemu::mem {

class Ram : public sc_core::sc_module {
public:
    // Several initiators may bind (a tile's own core through its local alias, the chip through the global window).
    tlm_utils::multi_passthrough_target_socket<Ram> socket;

    // access_latency: what each access costs beyond the initiator's own pipeline (returned in DMI and b_transport).
    Ram(sc_core::sc_module_name name, uint64_t size_bytes, sc_core::sc_time access_latency);
    ~Ram() override;
    Ram(const Ram&) = delete;
    Ram& operator=(const Ram&) = delete;

    uint64_t size_bytes() const { return size_bytes_; }
    uint8_t* data() { return data_; }

    const uint64_t* bytes_read_counter() const { return &bytes_read_; }
    const uint64_t* bytes_written_counter() const { return &bytes_written_; }

private:
    void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(int port, tlm::tlm_generic_payload& trans);

    uint64_t size_bytes_;
    uint8_t* data_;
    sc_core::sc_time access_latency_;
    uint64_t bytes_read_ = 0;     // slow-path (non-DMI) traffic only; DMI users count their own
    uint64_t bytes_written_ = 0;
};

}  // namespace npuemu::mem
