// A tile-local SRAM seen by the NPU units: where its bytes are, whether an access lies inside it, and its banks as
// timed resources. Banks are contiguous slices; each moves port_width_bytes per cycle and remembers when it is next
// free, so two units touching the same bank at once wait for each other (a bank conflict) while double buffers in
// different banks proceed in parallel.
#pragma once

#include <systemc>

#include <cstdint>
#include <string>
#include <vector>

#include "model/npu/npu_config.h"

namespace npuemu::npu {

class BankedMemory {
public:
    BankedMemory(std::string name, const BankedMemoryConfig& config, uint8_t* host, uint32_t local_base);

    const std::string& name() const { return name_; }
    uint32_t local_base() const { return local_base_; }
    uint64_t size_bytes() const { return config_.size_bytes; }
    // A strided region: `rows` rows of `row_bytes`, `stride` apart, starting at a local address.
    bool contains(uint32_t addr, uint64_t row_bytes, uint32_t rows, uint64_t stride) const;
    uint8_t* host(uint32_t addr) const { return host_ + (addr - local_base_); }

    struct Reservation {
        sc_core::sc_time begin;     // when the access may start (after any conflicting use of its banks)
        uint64_t busy_cycles = 0;   // how long it keeps its busiest bank
    };
    // Reserves the banks under [addr, addr + span) for moving `bytes` bytes, starting no earlier than `earliest`.
    Reservation reserve(uint32_t addr, uint64_t span, uint64_t bytes, sc_core::sc_time earliest,
                        sc_core::sc_time period);

private:
    std::string name_;
    BankedMemoryConfig config_;
    uint8_t* host_;
    uint32_t local_base_;
    std::vector<sc_core::sc_time> bank_free_;
};

}  // namespace npuemu::npu
