#include "model/npu/matmul_kernels.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "model/npu/bf16.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NPUEMU_MATMUL_X86 1
#endif

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
#if defined(NPUEMU_MATMUL_X86)
#define NPUEMU_MATMUL_CLONES [[gnu::target_clones("avx512f", "avx2", "default")]]
#else
#define NPUEMU_MATMUL_CLONES
#endif

constexpr uint32_t kBlockRows = 4;
constexpr uint32_t kBlockColumns = 16;

uint32_t padded_columns(uint32_t n) { return (n + kBlockColumns - 1) / kBlockColumns * kBlockColumns; }

template <class Sum>
[[gnu::always_inline]] inline void store_row(uint8_t* c_row, const Sum* sums, uint32_t columns, bool accumulate) {
    if (!accumulate) {
        std::memcpy(c_row, sums, 4 * columns);
        return;
    }
    for (uint32_t j = 0; j < columns; ++j) {
        Sum old;
        std::memcpy(&old, c_row + 4 * j, 4);
        const Sum value = old + sums[j];  // FP32: the accumulator's value plus the column's result
        std::memcpy(c_row + 4 * j, &value, 4);
    }
}

// Sums of one kBlockColumns-wide column block: GCC vector types, which the compiler maps onto the widest
// registers the clone targets (one AVX-512 register, two AVX2 or four SSE2 ones).
using U32xBlock = uint32_t __attribute__((vector_size(4 * kBlockColumns)));
using F32xBlock = float __attribute__((vector_size(4 * kBlockColumns)));

// kBlockRows activation rows against one column block of the widened weights (k rows, n_padded apart). A last block
// of fewer rows repeats its last row (computed, not stored).
[[gnu::always_inline]] inline void int8_block(const int8_t* const* a, const uint32_t* w, uint32_t k, uint32_t n_padded,
                                              uint32_t (&sums)[kBlockRows][kBlockColumns]) {
    U32xBlock s[kBlockRows] = {};
    for (uint32_t kk = 0; kk < k; ++kk) {
        U32xBlock w_row;
        std::memcpy(&w_row, w + size_t(kk) * n_padded, sizeof w_row);
        // Unsigned: wrapping is defined, and the low 32 bits of a product do not depend on signedness.
        for (uint32_t r = 0; r < kBlockRows; ++r) s[r] += static_cast<uint32_t>(int32_t(a[r][kk])) * w_row;
    }
    for (uint32_t r = 0; r < kBlockRows; ++r) std::memcpy(sums[r], &s[r], sizeof s[r]);
}

[[gnu::always_inline]] inline void bf16_block(const float* const* a, const float* w, uint32_t k, uint32_t n_padded,
                                              float (&sums)[kBlockRows][kBlockColumns]) {
    F32xBlock s[kBlockRows] = {};  // +0.0: the top of each column
    for (uint32_t kk = 0; kk < k; ++kk) {
        F32xBlock w_row;
        std::memcpy(&w_row, w + size_t(kk) * n_padded, sizeof w_row);
        for (uint32_t r = 0; r < kBlockRows; ++r) s[r] += a[r][kk] * w_row;  // exact product, one rounded addition
    }
    for (uint32_t r = 0; r < kBlockRows; ++r) std::memcpy(sums[r], &s[r], sizeof s[r]);
}

// For each block of kBlockRows rows: rows_of(i, rows) prepares its operands, then block(j0, sums) computes each
// column block, stored (or accumulated) into the rows' results.
template <class Sum, class RowsOf, class Block>
[[gnu::always_inline]] inline void for_each_block(const MatmulShape& s, uint8_t* acc, RowsOf&& rows_of, Block&& block) {
    Sum sums[kBlockRows][kBlockColumns];
    for (uint32_t i = 0; i < s.m; i += kBlockRows) {
        const uint32_t rows = std::min(kBlockRows, s.m - i);
        rows_of(i, rows);
        for (uint32_t j0 = 0; j0 < s.n; j0 += kBlockColumns) {
            block(j0, sums);
            const uint32_t columns = std::min(kBlockColumns, s.n - j0);
            for (uint32_t r = 0; r < rows; ++r)
                store_row(acc + (i + r) * s.acc_stride_bytes + 4 * j0, sums[r], columns, s.accumulate);
        }
    }
}

NPUEMU_MATMUL_CLONES
void int8_rows(const uint8_t* act, const uint32_t* w, uint8_t* acc, const MatmulShape& s, uint32_t n_padded) {
    const int8_t* a[kBlockRows];
    for_each_block<uint32_t>(
        s, acc,
        [&](uint32_t i, uint32_t rows) {
            for (uint32_t r = 0; r < kBlockRows; ++r)
                a[r] = reinterpret_cast<const int8_t*>(act + (i + std::min(r, rows - 1)) * s.act_stride_bytes);
        },
        [&](uint32_t j0, uint32_t(&sums)[kBlockRows][kBlockColumns]) { int8_block(a, w + j0, s.k, n_padded, sums); });
}

NPUEMU_MATMUL_CLONES
void bf16_rows(const uint8_t* act, const float* w, uint8_t* acc, const MatmulShape& s, uint32_t n_padded,
               float* a_rows) {
    const float* a[kBlockRows];
    for_each_block<float>(
        s, acc,
        [&](uint32_t i, uint32_t rows) {
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
        },
        [&](uint32_t j0, float(&sums)[kBlockRows][kBlockColumns]) { bf16_block(a, w + j0, s.k, n_padded, sums); });
}

#if defined(NPUEMU_MATMUL_X86)
// INT8 with x86's pair multiply-add (pmaddwd): weights packed as INT16 pairs (w[2p][j], w[2p+1][j]) side by side,
// activations as INT16 pairs in one 32-bit word; one instruction gives, per column, a[2p] w[2p][j] +
// a[2p+1] w[2p+1][j] exactly (|each product| <= 2^14), added to the INT32 sums with wrap-around: the same INT32
// results as one product at a time, in half the instructions. An odd k pads a zero pair half.
struct Int8Pairs {
    const int16_t* a[kBlockRows];  // per row: ceil(k / 2) activation pairs (2 x INT16 = one 32-bit word each)
    const int16_t* w;              // ceil(k / 2) x n_padded x 2
    uint32_t pairs, n_padded;
};

[[gnu::always_inline]] inline int32_t pair_word(const int16_t* pairs, uint32_t p) {
    int32_t word;  // little-endian x86: the even element in the low half
    std::memcpy(&word, pairs + 2 * p, 4);
    return word;
}

[[gnu::target("avx512bw")]] void int8_pairs_block_avx512(const Int8Pairs& op, uint32_t j0,
                                                         uint32_t (&sums)[kBlockRows][kBlockColumns]) {
    static_assert(kBlockColumns == 16, "one AVX-512 register of INT32 sums per row");
    __m512i s[kBlockRows];
    for (auto& v : s) v = _mm512_setzero_si512();
    for (uint32_t p = 0; p < op.pairs; ++p) {
        const __m512i w = _mm512_loadu_si512(op.w + (size_t(p) * op.n_padded + j0) * 2);
        for (uint32_t r = 0; r < kBlockRows; ++r)
            s[r] = _mm512_add_epi32(s[r], _mm512_madd_epi16(_mm512_set1_epi32(pair_word(op.a[r], p)), w));
    }
    for (uint32_t r = 0; r < kBlockRows; ++r) _mm512_storeu_si512(sums[r], s[r]);
}

[[gnu::target("avx2")]] void int8_pairs_block_avx2(const Int8Pairs& op, uint32_t j0,
                                                   uint32_t (&sums)[kBlockRows][kBlockColumns]) {
    static_assert(kBlockColumns == 16, "two AVX2 registers of INT32 sums per row");
    __m256i lo[kBlockRows], hi[kBlockRows];
    for (uint32_t r = 0; r < kBlockRows; ++r) lo[r] = hi[r] = _mm256_setzero_si256();
    for (uint32_t p = 0; p < op.pairs; ++p) {
        const int16_t* w = op.w + (size_t(p) * op.n_padded + j0) * 2;
        const __m256i w_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
        const __m256i w_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
        for (uint32_t r = 0; r < kBlockRows; ++r) {
            const __m256i x = _mm256_set1_epi32(pair_word(op.a[r], p));
            lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(x, w_lo));
            hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(x, w_hi));
        }
    }
    for (uint32_t r = 0; r < kBlockRows; ++r) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums[r]), lo[r]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums[r] + 8), hi[r]);
    }
}

// Operands packed and results stored with AVX2 (both kernels need it).
[[gnu::target("avx2")]] void int8_pairs_rows(const uint8_t* act, const int8_t* weights, uint8_t* acc,
                                             const MatmulShape& s, bool avx512) {
    Int8Pairs op;
    op.pairs = (s.k + 1) / 2;
    op.n_padded = padded_columns(s.n);
    std::vector<int16_t> w(size_t(op.pairs) * op.n_padded * 2, 0);
    for (uint32_t kk = 0; kk < s.k; ++kk)
        for (uint32_t j = 0; j < s.n; ++j)
            w[(size_t(kk / 2) * op.n_padded + j) * 2 + kk % 2] = weights[size_t(kk) * s.n + j];
    op.w = w.data();
    std::vector<int16_t> a_pairs(size_t(kBlockRows) * op.pairs * 2, 0);  // an odd k leaves a zero last half
    for_each_block<uint32_t>(
        s, acc,
        [&](uint32_t i, uint32_t rows) {
            for (uint32_t r = 0; r < kBlockRows; ++r) {
                int16_t* pairs = &a_pairs[size_t(r) * op.pairs * 2];
                const int8_t* src =
                    reinterpret_cast<const int8_t*>(act + (i + std::min(r, rows - 1)) * s.act_stride_bytes);
                for (uint32_t kk = 0; kk < s.k; ++kk) pairs[kk] = src[kk];
                op.a[r] = pairs;
            }
        },
        [&](uint32_t j0, uint32_t(&sums)[kBlockRows][kBlockColumns]) {
            if (avx512)
                int8_pairs_block_avx512(op, j0, sums);
            else
                int8_pairs_block_avx2(op, j0, sums);
        });
}

// INT8 with k <= 2 x kStreamPairs on AVX-512: a column block's Pairs weight-pair rows stay in registers while every
// activation row streams past (per row: Pairs pair multiply-adds, then one load-add-store of its 16 results, masked
// for a last partial block). Small k is what the 4-row blocks above handle worst: per row they pack the operands and
// store the sums once per few multiply-adds. The activations are widened once per call (INT8 -> INT16 pairs, an odd
// k's last pair padded with zero). The same wrapping INT32 sums as every other path.
constexpr uint32_t kStreamPairs = 16;

// One column block after another. Vnni: each pair multiply-add and its addition are one vpdpwssd (written as
// assembly: the rest of the function must not use VNNI, which a host with AVX-512BW may lack), else vpmaddwd and
// vpaddd: the same wrapping INT32 sum.
template <uint32_t Pairs, bool Vnni>
[[gnu::target("avx512bw,avx512vl")]] void int8_stream_columns(const int32_t* a_pairs, const int16_t* w, uint8_t* acc,
                                                              const MatmulShape& s, uint32_t n_padded) {
    for (uint32_t j0 = 0; j0 < s.n; j0 += kBlockColumns) {
        __m512i wp[Pairs];
        for (uint32_t p = 0; p < Pairs; ++p) wp[p] = _mm512_loadu_si512(w + (size_t(p) * n_padded + j0) * 2);
        const uint32_t columns = std::min(kBlockColumns, s.n - j0);
        const auto mask = static_cast<__mmask16>(columns == kBlockColumns ? 0xFFFFu : (1u << columns) - 1);
        for (uint32_t i = 0; i < s.m; ++i) {
            const int32_t* a = a_pairs + size_t(i) * Pairs;
            uint8_t* c = acc + i * s.acc_stride_bytes + 4 * j0;
            __m512i sum = s.accumulate ? _mm512_maskz_loadu_epi32(mask, c) : _mm512_setzero_si512();
            for (uint32_t p = 0; p < Pairs; ++p) {
                const __m512i x = _mm512_set1_epi32(a[p]);
                if constexpr (Vnni)
                    asm("vpdpwssd %2, %1, %0" : "+v"(sum) : "v"(x), "v"(wp[p]));
                else
                    sum = _mm512_add_epi32(sum, _mm512_madd_epi16(x, wp[p]));
            }
            _mm512_mask_storeu_epi32(c, mask, sum);
        }
    }
}

template <uint32_t Pairs>
[[gnu::target("avx512bw,avx512vl")]] void int8_stream_avx512(const uint8_t* act, const int8_t* weights, uint8_t* acc,
                                                             const MatmulShape& s, bool vnni) {
    const uint32_t n_padded = padded_columns(s.n);
    std::vector<int16_t> w(static_cast<size_t>(Pairs) * n_padded * 2, 0);
    for (uint32_t kk = 0; kk < s.k; ++kk)
        for (uint32_t j = 0; j < s.n; ++j)
            w[(size_t(kk / 2) * n_padded + j) * 2 + kk % 2] = weights[size_t(kk) * s.n + j];
    // Each row's k bytes (a masked load reads nothing past them), sign-extended to INT16: Pairs words per row.
    std::vector<int32_t> a_pairs(size_t(s.m) * Pairs);
    const auto k_mask = static_cast<__mmask32>(s.k >= 32 ? 0xFFFFFFFFu : (1u << s.k) - 1);
    const auto pair_mask = static_cast<__mmask16>(Pairs >= 16 ? 0xFFFFu : (1u << Pairs) - 1);
    for (uint32_t i = 0; i < s.m; ++i) {
        const __m512i wide = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k_mask, act + i * s.act_stride_bytes));
        _mm512_mask_storeu_epi32(a_pairs.data() + size_t(i) * Pairs, pair_mask, wide);
    }
    if (vnni)
        int8_stream_columns<Pairs, true>(a_pairs.data(), w.data(), acc, s, n_padded);
    else
        int8_stream_columns<Pairs, false>(a_pairs.data(), w.data(), acc, s, n_padded);
}

using Int8StreamKernel = void (*)(const uint8_t*, const int8_t*, uint8_t*, const MatmulShape&, bool);
template <uint32_t... P>
constexpr std::array<Int8StreamKernel, sizeof...(P)> int8_stream_kernels(std::integer_sequence<uint32_t, P...>) {
    return {&int8_stream_avx512<P + 1>...};
}

// False if the host has neither AVX-512BW nor AVX2 (the caller takes the portable path).
bool matmul_int8_pairs(const uint8_t* act, const int8_t* weights, uint8_t* acc, const MatmulShape& s) {
    const bool avx512 = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    if (!avx512 && !__builtin_cpu_supports("avx2")) return false;
    const uint32_t pairs = (s.k + 1) / 2;
    if (avx512 && pairs >= 1 && pairs <= kStreamPairs) {
        static constexpr auto kKernels = int8_stream_kernels(std::make_integer_sequence<uint32_t, kStreamPairs>());
        static const bool vnni = __builtin_cpu_supports("avx512vnni");
        kKernels[pairs - 1](act, weights, acc, s, vnni);
        return true;
    }
    int8_pairs_rows(act, weights, acc, s, avx512);
    return true;
}
#endif

}  // namespace

void matmul_int8(const uint8_t* act, const int8_t* weights, uint8_t* acc, const MatmulShape& s) {
#if defined(NPUEMU_MATMUL_X86)
    if (matmul_int8_pairs(act, weights, acc, s)) return;
#endif
    const uint32_t n_padded = padded_columns(s.n);
    std::vector<uint32_t> w(size_t(s.k) * n_padded, 0);
    for (uint32_t kk = 0; kk < s.k; ++kk)
        for (uint32_t j = 0; j < s.n; ++j)
            w[size_t(kk) * n_padded + j] = static_cast<uint32_t>(int32_t(weights[size_t(kk) * s.n + j]));
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
#undef NPUEMU_MATMUL_X86
