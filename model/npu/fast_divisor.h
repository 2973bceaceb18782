// x / d and x % d for a divisor fixed at construction, without a 64-bit division when d is a power of two (a
// shift and a mask). The DMA engine divides by its burst size, ring size and bandwidth for every burst; those are
// powers of two in every preset, and a 64-bit div costs tens of cycles. Any other divisor divides as usual: the
// results are the same either way.
#pragma once

#include <cstdint>

#include "model/common/bits.h"

namespace npuemu::npu {

class FastDivisor {
public:
    explicit FastDivisor(uint64_t divisor) : divisor_(divisor), power_of_two_(is_power_of_two(divisor)) {
        if (power_of_two_) {
            while ((uint64_t{1} << shift_) != divisor) ++shift_;
        }
    }
    uint64_t quotient(uint64_t x) const { return power_of_two_ ? x >> shift_ : x / divisor_; }
    uint64_t remainder(uint64_t x) const { return power_of_two_ ? x & (divisor_ - 1) : x % divisor_; }
    uint64_t value() const { return divisor_; }

private:
    uint64_t divisor_;
    bool power_of_two_;
    unsigned shift_ = 0;
};

}  // namespace npuemu::npu
