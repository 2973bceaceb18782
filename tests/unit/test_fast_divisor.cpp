// FastDivisor (the DMA engine's per-burst divisions): the same quotient and remainder as / and %, for powers of two
// (mask and shift) and for any other divisor.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "model/npu/fast_divisor.h"

using npuemu::npu::FastDivisor;

TEST_CASE("npu fast divisor: quotient and remainder equal / and % for every kind of divisor") {
    const std::vector<uint64_t> divisors = {1, 2, 3, 4, 7, 32, 48, 64, 100, 256, 4096, 65536, 65535, 1ull << 40};
    const std::vector<uint64_t> values = {0,          1,          2,          31,         32,
                                          33,         255,        256,        257,        1000,
                                          65535,      65536,      123456789,  1ull << 32, (1ull << 40) + 5,
                                          UINT64_MAX, UINT64_MAX - 1};
    for (uint64_t d : divisors) {
        const FastDivisor divisor(d);
        CHECK(divisor.value() == d);
        for (uint64_t x : values) {
            CAPTURE(d);
            CAPTURE(x);
            CHECK(divisor.quotient(x) == x / d);
            CHECK(divisor.remainder(x) == x % d);
        }
    }
}
