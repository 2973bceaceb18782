#include "model/npu/banked_memory.h"

#include <algorithm>

namespace npuemu::npu {

BankedMemory::BankedMemory(std::string name, const BankedMemoryConfig& config, uint8_t* host,
                           uint32_t local_base)
    : name_(std::move(name)), config_(config), host_(host), local_base_(local_base), bank_free_(config.banks) {}

bool BankedMemory::contains(uint32_t addr, uint64_t row_bytes, uint32_t rows, uint64_t stride) const {
    if (rows == 0 || row_bytes == 0) return true;
    if (addr < local_base_) return false;
    const uint64_t offset = addr - local_base_;
    const uint64_t end = offset + uint64_t(rows - 1) * stride + row_bytes;
    return end <= config_.size_bytes;
}

BankedMemory::Reservation BankedMemory::reserve(uint32_t addr, uint64_t span, uint64_t bytes,
                                                sc_core::sc_time earliest, sc_core::sc_time period) {
    const uint64_t bank_bytes = config_.size_bytes / config_.banks;
    const uint64_t offset = addr - local_base_;
    const uint64_t first = offset / bank_bytes;
    const uint64_t last = std::min<uint64_t>((offset + std::max<uint64_t>(span, 1) - 1) / bank_bytes, config_.banks - 1);
    const uint64_t banks_touched = last - first + 1;
    sc_core::sc_time begin = earliest;
    for (uint64_t b = first; b <= last; ++b) begin = std::max(begin, bank_free_[b]);
    // The bytes spread evenly over the banks the region touches; each bank moves port_width_bytes per cycle.
    const uint64_t per_bank = (bytes + banks_touched - 1) / banks_touched;
    const uint64_t cycles = (per_bank + config_.port_width_bytes - 1) / config_.port_width_bytes;
    const sc_core::sc_time end = begin + period * static_cast<double>(cycles);
    for (uint64_t b = first; b <= last; ++b) bank_free_[b] = end;
    return {begin, cycles};
}

}  // namespace npuemu::npu
