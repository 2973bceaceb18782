// x / d and x % d for a divisor fixed at construction, without a 64-bit division: a shift and a mask when d is a
// power of two, otherwise a multiply by the precomputed reciprocal floor(2^64 / d) and one correction step. The DMA
// engine divides by its burst size, ring size and bandwidth for every burst, the mesh converts every packet's
// injection time to cycles (ps / clock period, 1000 at 1 GHz): a 64-bit div costs tens of cycles. The results are
// exactly those of / and %.
//
// Why one correction is enough: with r = floor(2^64 / d) (d not a power of two, so r = floor((2^64 - 1) / d)),
// q' = floor(x r / 2^64) <= x / d, and x / d - x r / 2^64 = x (2^64 / d - r) / 2^64 < x / 2^64 < 1, so q' is the
// quotient q or q - 1; x - q' d >= d tells which.
#pragma once

#include <cstdint>

#include "model/common/bits.h"
#include "model/common/error.h"

namespace npuemu {

class FastDivisor {
public:
    explicit FastDivisor(uint64_t divisor) : divisor_(divisor) {
        if (divisor == 0) throw Error("FastDivisor: a divisor of 0");
        if (is_power_of_two(divisor)) {
            shift_ = log2_floor(divisor);
        } else {
            reciprocal_ = ~uint64_t(0) / divisor;
        }
    }
    uint64_t quotient(uint64_t x) const {
        uint64_t r;
        return divide(x, r);
    }
    uint64_t remainder(uint64_t x) const {
        uint64_t r;
        divide(x, r);
        return r;
    }
    // ceil(x / d).
    uint64_t quotient_ceil(uint64_t x) const {
        uint64_t r;
        const uint64_t q = divide(x, r);
        return q + (r != 0 ? 1 : 0);
    }
    uint64_t value() const { return divisor_; }

private:
    // x / d, with x % d in remainder.
    uint64_t divide(uint64_t x, uint64_t& remainder) const {
        if (reciprocal_ == 0) {
            remainder = x & (divisor_ - 1);
            return x >> shift_;
        }
        uint64_t q = uint64_t((unsigned __int128)x * reciprocal_ >> 64);
        remainder = x - q * divisor_;
        if (remainder >= divisor_) {
            ++q;
            remainder -= divisor_;
        }
        return q;
    }

    uint64_t divisor_;
    uint64_t reciprocal_ = 0;  // 0: a power of two (shift_)
    unsigned shift_ = 0;
};

}  // namespace npuemu
