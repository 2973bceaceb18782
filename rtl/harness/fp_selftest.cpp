#include "rtl/harness/fp_selftest.h"

#include <cstdio>
#include <memory>
#include <vector>

#include "Vnpu_fp_check.h"
#include "model/npu/bf16.h"
#include "verilated.h"

namespace npuemu::rtlcheck {

namespace {

bool is_nan(uint32_t bits) { return (bits & 0x7F800000u) == 0x7F800000u && (bits & 0x007FFFFFu); }

struct Rng {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
};

// An FP32 operand: anything, or an exponent from a few interesting places.
uint32_t fp32_operand(Rng& rng) {
    const uint64_t r = rng.next();
    const uint32_t sign = (r & 1) ? 0x80000000u : 0;
    const uint32_t mant = static_cast<uint32_t>(r >> 8) & 0x7FFFFFu;
    switch ((r >> 1) & 7) {
        case 0: return static_cast<uint32_t>(r >> 32);                      // any bits
        case 1: return sign | mant;                                         // subnormal (or zero)
        case 2: return sign | (((r >> 40) & 3) << 23) | mant;               // around the smallest normal
        case 3: return sign | ((251 + ((r >> 40) & 3)) << 23) | mant;       // near overflow
        case 4: return sign | (mant & 0x7F0000u) | (127u << 23);            // few significant bits
        default: return sign | ((100 + ((r >> 40) & 63)) << 23) | mant;     // ordinary
    }
}

}  // namespace

uint64_t fp_selftest(uint64_t vectors, uint64_t seed, uint64_t* checked) {
    VerilatedContext context;
    Vnpu_fp_check dut(&context, "npu_fp_check");
    Rng rng{seed};
    uint64_t bad = 0, count = 0;

    auto check_add = [&](uint32_t a, uint32_t b) {
        dut.add_a = a;
        dut.add_b = b;
        dut.eval();
        const uint32_t want = npu::float_to_bits(npu::bits_to_float(a) + npu::bits_to_float(b));
        const uint32_t got = dut.add_sum;
        ++count;
        // With a NaN operand the host may return either one (the compiler may swap the operands): NaN is enough.
        const bool ok = (is_nan(a) || is_nan(b)) ? is_nan(got) : got == want;
        if (!ok && bad++ < 10)
            std::printf("fp32_add(0x%08x, 0x%08x): host 0x%08x (%g), RTL 0x%08x (%g)\n", a, b, want,
                        npu::bits_to_float(want), got, npu::bits_to_float(got));
    };
    auto check_mul = [&](uint16_t a, uint16_t b) {
        dut.mul_a = a;
        dut.mul_b = b;
        dut.eval();
        const uint32_t want = npu::float_to_bits(npu::bf16_to_float(a) * npu::bf16_to_float(b));
        const uint32_t got = dut.mul_product;
        ++count;
        const bool ok = (is_nan(uint32_t(a) << 16) || is_nan(uint32_t(b) << 16)) ? is_nan(got) : got == want;
        if (!ok && bad++ < 10)
            std::printf("bf16_mul(0x%04x, 0x%04x): host 0x%08x (%g), RTL 0x%08x (%g)\n", a, b, want,
                        npu::bits_to_float(want), got, npu::bits_to_float(got));
    };

    // Corner operands against each other, both signs.
    const std::vector<uint32_t> corners = {0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x007FFFFF, 0x00400000,
                                           0x00800000, 0x00800001, 0x00FFFFFF, 0x01000000, 0x3F800000, 0x3F800001,
                                           0x3FFFFFFF, 0x33800000, 0x33800001, 0x34000000, 0x4B800000, 0x4B7FFFFF,
                                           0x7F7FFFFF, 0x7F7FFFFE, 0x7F000000, 0x7E800000, 0x7F800000, 0x7FC00000,
                                           0x7F800001, 0x0C000000, 0x0B800000};
    for (uint32_t a : corners)
        for (uint32_t b : corners)
            for (uint32_t s = 0; s < 4; ++s) check_add(a ^ ((s & 1) << 31), b ^ ((s >> 1) << 31));
    // Every BF16 value times a few dozen others (all of them for some: zeros, subnormals, one, the extremes).
    const std::vector<uint16_t> bf_corners = {0x0000, 0x8000, 0x0001, 0x007F, 0x0080, 0x3F80, 0x3F81, 0x4000, 0x7F7F,
                                              0x7F80, 0xFF80, 0x0100, 0x1F80, 0x2000, 0x5F80, 0x6000, 0x3FFF, 0x7FC0};
    for (uint32_t a = 0; a < 0x10000; ++a) {
        for (uint16_t b : bf_corners) check_mul(static_cast<uint16_t>(a), b);
        for (int i = 0; i < 8; ++i) check_mul(static_cast<uint16_t>(a), static_cast<uint16_t>(rng.next()));
    }
    // Random operands: independent, then with nearby exponents (rounding, cancellation).
    for (uint64_t i = 0; i < vectors; ++i) {
        const uint32_t a = fp32_operand(rng);
        uint32_t b = fp32_operand(rng);
        if (i & 1) {
            const uint64_t r = rng.next();
            const int32_t exp = int32_t((a >> 23) & 0xFF) + int32_t(r % 7) - 3;
            if (exp >= 0 && exp <= 254) b = (uint32_t(r >> 8) & 0x807FFFFFu) | (uint32_t(exp) << 23);
            if (i % 6 == 1) b = (a ^ 0x80000000u) + uint32_t((r >> 40) % 5) - 2;  // near cancellation
        }
        check_add(a, b);
        const uint64_t r = rng.next();
        check_mul(static_cast<uint16_t>(r), static_cast<uint16_t>(r >> 16));
        check_mul(static_cast<uint16_t>(fp32_operand(rng) >> 16), static_cast<uint16_t>(fp32_operand(rng) >> 16));
    }
    dut.final();
    if (checked) *checked = count;
    return bad;
}

}  // namespace npuemu::rtlcheck
