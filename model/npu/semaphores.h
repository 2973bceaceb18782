// The tile's semaphores (flags) that order its queues: npu.signal adds one, npu.wait takes one or blocks.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>

namespace npuemu::npu {

class Semaphores {
public:
    static constexpr unsigned kCount = 32;

    void signal(unsigned flag) {
        ++values_[flag % kCount];
        changed_.notify(sc_core::SC_ZERO_TIME);
    }
    bool try_take(unsigned flag) {
        uint32_t& value = values_[flag % kCount];
        if (value == 0) return false;
        --value;
        return true;
    }
    uint32_t value(unsigned flag) const { return values_[flag % kCount]; }
    const sc_core::sc_event& changed() const { return changed_; }

private:
    std::array<uint32_t, kCount> values_{};
    sc_core::sc_event changed_;
};

}  // namespace npuemu::npu
