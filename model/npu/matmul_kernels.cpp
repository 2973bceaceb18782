#include "model/npu/matmul_kernels.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "model/npu/bf16.h"

// How the host computes it fast, with the same results:
// - Weights are first widened (INT8 -> INT32, BF16 -> FP32) into a k x n_padded block whose rows are padded with
//   zeros to a multiple of kBlockColumns, so every inner loop is a fixed-length, contiguous loop that GCC vectorises.
// - Register blocking: kBlockRows activation rows x kBlockColumns columns of sums stay in vector registers while k
//   runs, so each weight row chunk is loaded once per kBlockRows rows.
// - Each column's FP32 sum is still +0.0 + p0 + p1 + ... in k order (each product exact, each addition rounded),
//   element by element what the column formulation does; INT32 sums wrap (unsigned arithmetic), so their order is
//   free anyway. -ffp-contract=off keeps multiply and add apart (no FMA).
// - The kernels are compiled for AVX-512, AVX2 and baseline x86-64 (GCC target_clones, chosen once at load time by
//   the CPU): the same IEEE operations per element on every path (no FMA), so results do not depend on the host.
//   GCC's vector types, not a SIMD library: xsimd (Debian's libxsimd-dev) would need either one -march for the
//   whole build or its per-architecture dispatch compiled file by file; these two loops need neither.

namespace npuemu::npu {

namespace {

// x86-64: one clone per instruction-set level, chosen once at load time (an ifunc). Elsewhere: the compiler's own.
#if defined(__x86_64__) && defined(__GNUC__)
#define NPUEMU_MATMUL_CLONES [[gnu::target_clones("avx512f", "avx2", "default")]]
#else
#define NPUEMU_MATMUL_CLONES
#endif

constexpr uint32_t kBlockRows = 4;
constexpr uint32_t kBlockColumns = 16;

uint32_t padded_columns(uint32_t n) { return (n + kBlockColumns - 1) / kBlockColumns * kBlockColumns; }

template <class Sum>
inline void store_row(uint8_t* c_row, const Sum* sums, uint32_t columns, bool accumulate) {
    for (uint32_t j = 0; j < columns; ++j) {
        Sum value = sums[j];
        if (accumulate) {
            Sum old;
            std::memcpy(&old, c_row + 4 * j, 4);
            value = old + value;  // FP32: the accumulator's value plus the column's result
        }
        std::memcpy(c_row + 4 * j, &value, 4);
    }
}

// Sums of one kBlockColumns-wide column block: GCC vector types, which the compiler maps onto the widest
// registers the clone targets (one AVX-512 register, two AVX2 or four SSE2 ones).
using U32xBlock = uint32_t __attribute__((vector_size(4 * kBlockColumns)));
using F32xBlock = float __attribute__((vector_size(4 * kBlockColumns)));

// Rows (1 .. kBlockRows) activation rows against one column block of the widened weights (k rows, n_padded apart).
template <uint32_t Rows>
[[gnu::always_inline]] inline void int8_block(const int8_t* const* a, const uint32_t* w, uint32_t k,
                                              uint32_t n_padded, uint32_t (&sums)[kBlockRows][kBlockColumns]) {
    U32xBlock s[Rows] = {};
    for (uint32_t kk = 0; kk < k; ++kk) {
        U32xBlock w_row;
        std::memcpy(&w_row, w + size_t(kk) * n_padded, sizeof w_row);
        // Unsigned: wrapping is defined, and the low 32 bits of a product do not depend on signedness.
        for (uint32_t r = 0; r < Rows; ++r) s[r] += static_cast<uint32_t>(int32_t(a[r][kk])) * w_row;
    }
    for (uint32_t r = 0; r < Rows; ++r) std::memcpy(sums[r], &s[r], sizeof s[r]);
}

template <uint32_t Rows>
[[gnu::always_inline]] inline void bf16_block(const float* const* a, const float* w, uint32_t k, uint32_t n_padded,
                                              float (&sums)[kBlockRows][kBlockColumns]) {
    F32xBlock s[Rows] = {};  // +0.0: the top of each column
    for (uint32_t kk = 0; kk < k; ++kk) {
        F32xBlock w_row;
        std::memcpy(&w_row, w + size_t(kk) * n_padded, sizeof w_row);
        for (uint32_t r = 0; r < Rows; ++r) s[r] += a[r][kk] * w_row;  // exact product, then one rounded addition
    }
    for (uint32_t r = 0; r < Rows; ++r) std::memcpy(sums[r], &s[r], sizeof s[r]);
}

NPUEMU_MATMUL_CLONES
void int8_rows(const uint8_t* act, const uint32_t* w, uint8_t* acc, const MatmulShape& s, uint32_t n_padded) {
    uint32_t sums[kBlockRows][kBlockColumns];
    for (uint32_t i = 0; i < s.m; i += kBlockRows) {
        const uint32_t rows = std::min(kBlockRows, s.m - i);
        const int8_t* a[kBlockRows];
        for (uint32_t r = 0; r < kBlockRows; ++r)
            a[r] = reinterpret_cast<const int8_t*>(act + (i + std::min(r, rows - 1)) * s.act_stride_bytes);
        for (uint32_t j0 = 0; j0 < s.n; j0 += kBlockColumns) {
            const uint32_t* w_block = w + j0;
            switch (rows) {
                case 4: int8_block<4>(a, w_block, s.k, n_padded, sums); break;
                case 3: int8_block<3>(a, w_block, s.k, n_padded, sums); break;
                case 2: int8_block<2>(a, w_block, s.k, n_padded, sums); break;
                default: int8_block<1>(a, w_block, s.k, n_padded, sums); break;
            }
            const uint32_t columns = std::min(kBlockColumns, s.n - j0);
            for (uint32_t r = 0; r < rows; ++r)
                store_row(acc + (i + r) * s.acc_stride_bytes + 4 * j0, sums[r], columns, s.accumulate);
        }
    }
}

NPUEMU_MATMUL_CLONES
void bf16_rows(const uint8_t* act, const float* w, uint8_t* acc, const MatmulShape& s, uint32_t n_padded,
               float* a_rows) {
    float sums[kBlockRows][kBlockColumns];
    for (uint32_t i = 0; i < s.m; i += kBlockRows) {
        const uint32_t rows = std::min(kBlockRows, s.m - i);
        const float* a[kBlockRows];
        for (uint32_t r = 0; r < kBlockRows; ++r) {
            float* row = a_rows + size_t(r) * s.k;
            const uint8_t* src = act + (i + std::min(r, rows - 1)) * s.act_stride_bytes;
            for (uint32_t kk = 0; kk < s.k; ++kk) {
                uint16_t bits;
                std::memcpy(&bits, src + 2 * kk, 2);
                row[kk] = bf16_to_float(bits);  // exact; a BF16 x BF16 product is exact in FP32
            }
            a[r] = row;
        }
        for (uint32_t j0 = 0; j0 < s.n; j0 += kBlockColumns) {
            const float* w_block = w + j0;
            switch (rows) {
                case 4: bf16_block<4>(a, w_block, s.k, n_padded, sums); break;
                case 3: bf16_block<3>(a, w_block, s.k, n_padded, sums); break;
                case 2: bf16_block<2>(a, w_block, s.k, n_padded, sums); break;
                default: bf16_block<1>(a, w_block, s.k, n_padded, sums); break;
            }
            const uint32_t columns = std::min(kBlockColumns, s.n - j0);
            for (uint32_t r = 0; r < rows; ++r)
                store_row(acc + (i + r) * s.acc_stride_bytes + 4 * j0, sums[r], columns, s.accumulate);
        }
    }
}

}  // namespace

void matmul_int8(const uint8_t* act, const int8_t* weights, uint8_t* acc, const MatmulShape& s) {
    const uint32_t n_padded = padded_columns(s.n);
    std::vector<uint32_t> w(size_t(s.k) * n_padded, 0);
    for (uint32_t kk = 0; kk < s.k; ++kk)
        for (uint32_t j = 0; j < s.n; ++j) w[size_t(kk) * n_padded + j] = static_cast<uint32_t>(int32_t(weights[size_t(kk) * s.n + j]));
    int8_rows(act, w.data(), acc, s, n_padded);
}

void matmul_bf16(const uint8_t* act, const uint16_t* weights, uint8_t* acc, const MatmulShape& s) {
    const uint32_t n_padded = padded_columns(s.n);
    std::vector<float> w(size_t(s.k) * n_padded, 0.0f);
    for (uint32_t kk = 0; kk < s.k; ++kk)
        for (uint32_t j = 0; j < s.n; ++j) w[size_t(kk) * n_padded + j] = bf16_to_float(weights[size_t(kk) * s.n + j]);
    std::vector<float> a_rows(size_t(kBlockRows) * s.k);
    bf16_rows(act, w.data(), acc, s, n_padded, a_rows.data());
}

}  // namespace npuemu::npu
#undef NPUEMU_MATMUL_CLONES
