// The matrix unit's host kernels (model/npu/matmul_kernels*.cpp: every one this host can run, from the portable
// GCC-vector code to AVX2, AVX-512 and AVX-512 VNNI) against the documented semantics written the plainest way: one
// column at a time, its sum from +0.0 (or 0) in k order. Shapes cover every tail (m % 4 and % 8, n % 16, k % 2 and
// % 4, k past the 64 the VNNI kernel holds in registers), strides wider than a row, and accumulate; INT8 operands
// include -128 and 127 often; BF16 operands include zeros of both signs, subnormals and infinities.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <vector>

#include "model/npu/bf16.h"
#include "model/npu/matmul_kernels.h"

using namespace npuemu::npu;

namespace {

void reference_matmul(const std::vector<uint8_t>& act, const std::vector<uint8_t>& w, std::vector<uint8_t>& acc,
                      const MatmulShape& s, bool bf16) {
    for (uint32_t i = 0; i < s.m; ++i) {
        for (uint32_t j = 0; j < s.n; ++j) {
            uint8_t* c = &acc[i * s.acc_stride_bytes + 4 * j];
            if (bf16) {
                float sum = 0.0f;
                for (uint32_t k = 0; k < s.k; ++k) {
                    uint16_t a_bits, w_bits;
                    std::memcpy(&a_bits, &act[i * s.act_stride_bytes + 2 * k], 2);
                    std::memcpy(&w_bits, &w[2 * (k * s.n + j)], 2);
                    const float product = bf16_to_float(a_bits) * bf16_to_float(w_bits);
                    sum = sum + product;
                }
                float old;
                std::memcpy(&old, c, 4);
                const float result = s.accumulate ? old + sum : sum;
                std::memcpy(c, &result, 4);
            } else {
                uint32_t sum = 0;
                for (uint32_t k = 0; k < s.k; ++k) {
                    const int32_t a = static_cast<int8_t>(act[i * s.act_stride_bytes + k]);
                    sum += static_cast<uint32_t>(a * static_cast<int8_t>(w[k * s.n + j]));
                }
                uint32_t old;
                std::memcpy(&old, c, 4);
                const uint32_t result = s.accumulate ? old + sum : sum;
                std::memcpy(c, &result, 4);
            }
        }
    }
}

}  // namespace

TEST_CASE(
    "npu matmul kernels: every kernel the host runs, every shape tail, stride and accumulate equals the "
    "column-by-column semantics") {
    std::mt19937 rng(17);
    const uint16_t specials[] = {0x0000, 0x8000, 0x7F80, 0xFF80, 0x0001, 0x8001, 0x7F7F, 0xFF7F, 0x0080};
    auto bf16_operand = [&]() -> uint16_t {
        if (rng() % 10 == 0) return specials[rng() % 9];
        const uint32_t exponent = 127 - 20 + rng() % 40;  // products and sums that round, overflow rarely
        return static_cast<uint16_t>((rng() & 0x8000) | (exponent << 7) | (rng() & 0x7F));
    };
    auto int8_operand = [&]() -> uint16_t {  // the extremes often: -128 x -128 sums are where a kernel overflows
        const uint8_t edges[] = {0x80, 0x7F, 0xFF, 0x00};
        return rng() % 4 == 0 ? edges[rng() % 4] : static_cast<uint8_t>(rng());
    };
    const std::vector<MatmulKernel> kernels = host_matmul_kernels();
    REQUIRE(kernels.front() == MatmulKernel::Portable);
    CHECK(best_matmul_kernel() == kernels.back());
    int cases = 0;
    for (int t = 0; t < 400; ++t) {
        const bool bf16 = t % 2;
        MatmulShape s;
        s.m = 1 + rng() % 37;
        // Past 64 now and then: the VNNI kernel holds 64 of k in registers and runs a longer k in chunks.
        s.k = 1 + rng() % (t % 5 == 0 ? 150 : 70);
        s.n = 1 + rng() % 70;
        s.accumulate = rng() % 2;
        const uint32_t elem = bf16 ? 2 : 1;
        s.act_stride_bytes = s.k * elem + (rng() % 3) * 8;
        s.acc_stride_bytes = s.n * 4 + (rng() % 3) * 4;
        std::vector<uint8_t> act(s.m * s.act_stride_bytes), w(s.k * s.n * elem), acc(s.m * s.acc_stride_bytes);
        for (size_t i = 0; i + elem <= act.size(); i += elem) {
            const uint16_t v = bf16 ? bf16_operand() : int8_operand();
            std::memcpy(&act[i], &v, elem);
        }
        for (size_t i = 0; i < s.k * s.n; ++i) {
            const uint16_t v = bf16 ? bf16_operand() : int8_operand();
            std::memcpy(&w[i * elem], &v, elem);
        }
        for (size_t i = 0; i < acc.size(); i += 4) {
            const uint32_t v = bf16 ? uint32_t(bf16_operand()) << 16 : static_cast<uint32_t>(rng());
            std::memcpy(&acc[i], &v, 4);
        }
        std::vector<uint8_t> want = acc;
        reference_matmul(act, w, want, s, bf16);
        MatmulWeights block;  // one block for every kernel: each repacks it for itself
        if (bf16)
            block.load_bf16(reinterpret_cast<const uint16_t*>(w.data()), s.k, s.n);
        else
            block.load_int8(reinterpret_cast<const int8_t*>(w.data()), s.k, s.n);
        for (const MatmulKernel kernel : kernels) {
            std::vector<uint8_t> got = acc;
            if (bf16)
                matmul_bf16(act.data(), block, got.data(), s, kernel);
            else
                matmul_int8(act.data(), block, got.data(), s, kernel);
            INFO(matmul_kernel_name(kernel)
                 << (bf16 ? " bf16 " : " int8 ") << s.m << "x" << s.k << "x" << s.n << " accumulate " << s.accumulate);
            // Bit patterns, not values: -0.0 and +0.0 differ, and a NaN must be the same NaN.
            CHECK(got == want);
        }
        // The one-shot form (the best kernel, a block of its own).
        if (bf16)
            matmul_bf16(act.data(), reinterpret_cast<const uint16_t*>(w.data()), acc.data(), s);
        else
            matmul_int8(act.data(), reinterpret_cast<const int8_t*>(w.data()), acc.data(), s);
        CHECK(acc == want);
        ++cases;
    }
    CHECK(cases == 400);
}

TEST_CASE("npu matmul kernels: a block's packing is reused by later matmuls and redone after a new load") {
    // Whole quads and 16-column blocks (the vectorised VNNI packing, the dense-activation path) and ragged ones.
    const uint32_t shapes[][3] = {{5, 9, 3}, {20, 16, 16}, {7, 64, 32}, {9, 128, 48}, {6, 68, 16}};
    for (const MatmulKernel kernel : host_matmul_kernels()) {
        for (const auto& shape : shapes) {
            MatmulShape s;
            s.m = shape[0];
            s.k = shape[1];
            s.n = shape[2];
            s.act_stride_bytes = s.k;
            s.acc_stride_bytes = 4 * s.n;
            INFO(matmul_kernel_name(kernel) << " " << s.m << "x" << s.k << "x" << s.n);
            std::vector<uint8_t> act(s.m * s.k), w(s.k * s.n), acc(s.m * s.n * 4);
            for (size_t i = 0; i < act.size(); ++i) act[i] = static_cast<uint8_t>(i % 5 == 0 ? 0x80 : i * 37 + 5);
            MatmulWeights block;
            for (int load = 0; load < 2; ++load) {
                for (size_t i = 0; i < w.size(); ++i)
                    w[i] = static_cast<uint8_t>(i % 3 == 0 ? 0x80 : i * 11 + 3 + 100 * load);
                block.load_int8(reinterpret_cast<const int8_t*>(w.data()), s.k, s.n);
                for (int call = 0; call < 2; ++call) {
                    act[0] = static_cast<uint8_t>(call * 50 + load);  // new activations, the same packed weights
                    s.accumulate = call == 1;
                    std::vector<uint8_t> want = acc;
                    reference_matmul(act, w, want, s, false);
                    matmul_int8(act.data(), block, acc.data(), s, kernel);
                    CHECK(acc == want);
                }
            }
        }
    }
}
