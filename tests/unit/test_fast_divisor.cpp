// FastDivisor (the DMA engine's per-burst divisions, the mesh's picoseconds to cycles): the same quotient and
// remainder as / and %, for powers of two (mask and shift) and for any other divisor (reciprocal multiply), at the
// edges of the 64-bit range and for random operands; a divisor of 0 is an error.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "model/common/error.h"
#include "model/common/fast_divisor.h"

using npuemu::FastDivisor;

namespace {

void check_against_division(const FastDivisor& divisor, uint64_t x) {
    const uint64_t d = divisor.value();
    CAPTURE(d);
    CAPTURE(x);
    CHECK(divisor.quotient(x) == x / d);
    CHECK(divisor.remainder(x) == x % d);
    CHECK(divisor.quotient_ceil(x) == x / d + (x % d != 0 ? 1 : 0));
}

}  // namespace

TEST_CASE("fast divisor: quotient and remainder equal / and % for every kind of divisor") {
    const std::vector<uint64_t> divisors = {1,
                                            2,
                                            3,
                                            4,
                                            7,
                                            32,
                                            48,
                                            64,
                                            100,
                                            256,
                                            1000,
                                            1024,
                                            4096,
                                            65536,
                                            65535,
                                            10007,
                                            1ull << 40,
                                            (1ull << 40) + 1,
                                            UINT64_MAX / 3,
                                            UINT64_MAX - 1,
                                            UINT64_MAX};
    const std::vector<uint64_t> values = {0,
                                          1,
                                          2,
                                          31,
                                          32,
                                          33,
                                          255,
                                          256,
                                          257,
                                          1000,
                                          65535,
                                          65536,
                                          123456789,
                                          1ull << 32,
                                          (1ull << 40) + 5,
                                          UINT64_MAX,
                                          UINT64_MAX - 1};
    for (uint64_t d : divisors) {
        const FastDivisor divisor(d);
        CHECK(divisor.value() == d);
        for (uint64_t x : values) check_against_division(divisor, x);
        // Around every multiple near the top of the range, where a quotient estimate one short shows.
        for (uint64_t q : {uint64_t(1), uint64_t(2), UINT64_MAX / d - 1, UINT64_MAX / d}) {
            if (q == 0 || q > UINT64_MAX / d) continue;
            for (uint64_t below : {uint64_t(0), uint64_t(1)}) check_against_division(divisor, q * d - below);
        }
    }
}

TEST_CASE("fast divisor: random divisors and dividends of every width") {
    std::mt19937_64 rng(17);
    for (int i = 0; i < 2000; ++i) {
        const uint64_t d = rng() >> (rng() % 64) | 1u;  // odd: never a power of two beyond 1
        const FastDivisor divisor(d);
        for (int j = 0; j < 20; ++j) check_against_division(divisor, rng() >> (rng() % 64));
    }
}

TEST_CASE("fast divisor: a divisor of 0 is an error") { CHECK_THROWS_AS(FastDivisor(0), npuemu::Error); }
