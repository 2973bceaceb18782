#include "model/npu/matmul_kernels_x86.h"

#if defined(NPUEMU_MATMUL_X86)
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "model/npu/matmul_blocks.h"

// The x86 kernels. Each function carries its instruction set as a target attribute and is called only on a host
// that has it (matmul_kernels.cpp picks by the CPU's features), so the build needs no -march. Packed weight layouts
// (matmul_kernels.cpp packs them, zero weights in the padding columns and the ragged last group of k):
//   Avx2, Avx512: INT16 pairs, ceil(k / 2) x n_padded x 2 (w[2p][j], w[2p+1][j] side by side);
//   Avx512Vnni:   INT8 quads, ceil(k / 4) x n_padded x 4, and per column -128 x (its weight sum);
//   BF16:         FP32, k x n_padded.

namespace npuemu::npu::x86_kernels {

using namespace matmul_blocks;

bool has_avx2() { return __builtin_cpu_supports("avx2"); }
bool has_avx512() {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
}
bool has_avx512_vnni() { return has_avx512() && __builtin_cpu_supports("avx512vnni"); }

namespace {

[[gnu::always_inline]] inline int32_t load_word(const void* p) {
    int32_t word;  // little-endian x86: the lowest k in the low byte
    std::memcpy(&word, p, 4);
    return word;
}

__mmask16 column_mask(uint32_t columns) {
    return static_cast<__mmask16>(columns >= kBlockColumns ? 0xFFFFu : (1u << columns) - 1);
}

// INT8 with x86's pair multiply-add (pmaddwd): weights as INT16 pairs (w[2p][j], w[2p+1][j]), activations as INT16
// pairs in one 32-bit word; one instruction gives, per column, a[2p] w[2p][j] + a[2p+1] w[2p+1][j] exactly
// (|each product| <= 2^14), added to the INT32 sums with wrap-around: the same INT32 results as one product at a
// time. An odd k pads a zero pair half.
struct Int8Pairs {
    const int16_t* a[kBlockRows];  // per row: ceil(k / 2) activation pairs (2 x INT16 = one 32-bit word each)
    const uint8_t* w;              // the packed pairs
    uint32_t pairs, n_padded;
};

[[gnu::target("avx512f,avx512bw")]] void int8_pairs_block_avx512(const Int8Pairs& op, uint32_t j0,
                                                                 uint32_t (&sums)[kBlockRows][kBlockColumns]) {
    static_assert(kBlockColumns == 16, "one AVX-512 register of INT32 sums per row");
    __m512i s[kBlockRows];
    for (auto& v : s) v = _mm512_setzero_si512();
    for (uint32_t p = 0; p < op.pairs; ++p) {
        const __m512i w = _mm512_loadu_si512(op.w + (size_t(p) * op.n_padded + j0) * 4);
        for (uint32_t r = 0; r < kBlockRows; ++r)
            s[r] = _mm512_add_epi32(s[r], _mm512_madd_epi16(_mm512_set1_epi32(load_word(op.a[r] + 2 * p)), w));
    }
    for (uint32_t r = 0; r < kBlockRows; ++r) _mm512_storeu_si512(sums[r], s[r]);
}

[[gnu::target("avx2")]] void int8_pairs_block_avx2(const Int8Pairs& op, uint32_t j0,
                                                   uint32_t (&sums)[kBlockRows][kBlockColumns]) {
    static_assert(kBlockColumns == 16, "two AVX2 registers of INT32 sums per row");
    __m256i lo[kBlockRows], hi[kBlockRows];
    for (uint32_t r = 0; r < kBlockRows; ++r) lo[r] = hi[r] = _mm256_setzero_si256();
    for (uint32_t p = 0; p < op.pairs; ++p) {
        const uint8_t* w = op.w + (size_t(p) * op.n_padded + j0) * 4;
        const __m256i w_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
        const __m256i w_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32));
        for (uint32_t r = 0; r < kBlockRows; ++r) {
            const __m256i x = _mm256_set1_epi32(load_word(op.a[r] + 2 * p));
            lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(x, w_lo));
            hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(x, w_hi));
        }
    }
    for (uint32_t r = 0; r < kBlockRows; ++r) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums[r]), lo[r]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums[r] + 8), hi[r]);
    }
}

// Operands widened and results stored with AVX2 (both blocks need it).
[[gnu::target("avx2")]] void int8_pairs_rows(const uint8_t* act, MatmulWeights& weights, uint8_t* acc,
                                             const MatmulShape& s, bool avx512) {
    Int8Pairs op;
    op.pairs = (s.k + 1) / 2;
    op.n_padded = weights.n_padded();
    op.w = weights.packed().data();
    std::vector<uint8_t>& scratch = weights.scratch();
    scratch.assign(sizeof(int16_t) * kBlockRows * op.pairs * 2, 0);  // an odd k leaves a zero last half
    auto* a_pairs = reinterpret_cast<int16_t*>(scratch.data());
    for_each_block<uint32_t>(
        s, acc,
        [&](uint32_t i, uint32_t rows) {
            for (uint32_t r = 0; r < kBlockRows; ++r) {
                int16_t* pairs = a_pairs + size_t(r) * op.pairs * 2;
                const auto* src =
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

// INT8 with k <= 2 x kStreamPairs on AVX-512 without VNNI: a column block's Pairs weight-pair rows stay in registers
// while every activation row streams past (per row: Pairs pair multiply-adds, then one load-add-store of its 16
// results, masked for a last partial block). The activations are widened once per call (INT8 -> INT16 pairs, an odd
// k's last pair padded with zero).
constexpr uint32_t kStreamPairs = 16;

template <uint32_t Pairs>
[[gnu::target("avx512f,avx512bw,avx512vl")]] void int8_stream_avx512(const uint8_t* act, MatmulWeights& weights,
                                                                     uint8_t* acc, const MatmulShape& s) {
    const uint32_t n_padded = weights.n_padded();
    const uint8_t* w = weights.packed().data();
    // Each row's k bytes (a masked load reads nothing past them), sign-extended to INT16: Pairs words per row.
    std::vector<uint8_t>& scratch = weights.scratch();
    scratch.resize(sizeof(int32_t) * s.m * Pairs);
    uint8_t* a_pairs = scratch.data();
    const auto k_mask = static_cast<__mmask32>(s.k >= 32 ? 0xFFFFFFFFu : (1u << s.k) - 1);
    const auto pair_mask = static_cast<__mmask16>(Pairs >= 16 ? 0xFFFFu : (1u << Pairs) - 1);
    for (uint32_t i = 0; i < s.m; ++i) {
        const __m512i wide = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k_mask, act + i * s.act_stride_bytes));
        _mm512_mask_storeu_epi32(a_pairs + 4 * size_t(i) * Pairs, pair_mask, wide);
    }
    for (uint32_t j0 = 0; j0 < s.n; j0 += kBlockColumns) {
        __m512i wp[Pairs];
        for (uint32_t p = 0; p < Pairs; ++p) wp[p] = _mm512_loadu_si512(w + (size_t(p) * n_padded + j0) * 4);
        const __mmask16 mask = column_mask(s.n - j0);
        for (uint32_t i = 0; i < s.m; ++i) {
            const uint8_t* a = a_pairs + 4 * size_t(i) * Pairs;
            uint8_t* c = acc + i * s.acc_stride_bytes + 4 * j0;
            __m512i sum = s.accumulate ? _mm512_maskz_loadu_epi32(mask, c) : _mm512_setzero_si512();
            for (uint32_t p = 0; p < Pairs; ++p)
                sum = _mm512_add_epi32(sum, _mm512_madd_epi16(_mm512_set1_epi32(load_word(a + 4 * p)), wp[p]));
            _mm512_mask_storeu_epi32(c, mask, sum);
        }
    }
}

// INT8 with AVX-512 VNNI, every k: vpdpbusd adds to each INT32 lane the four products of an unsigned and a signed
// byte quad, exactly (|each product| < 2^15, their sum < 2^17), with wrap-around. The activations are made
// unsigned by adding 128 (a XOR 0x80: in the row loop when k is whole quads, else once per call into the scratch,
// each row's k padded to whole quads); each
// column's sum starts from its packed term -128 x (the column's weight sum), which takes the 128s off again:
// sum((a + 128) w) - 128 sum(w) = sum(a w) in wrapping INT32, the same bits as every other path. Up to kVnniQuads
// quads of a column block stay in registers while every row streams past; a longer k runs in chunks of that many
// quads, each adding into the results the chunk before stored.
constexpr uint32_t kVnniQuads = 16;
#define NPUEMU_VNNI_TARGET "avx512f,avx512bw,avx512vl,avx512vnni"

// a_rows: row i's quads at a_rows + i a_row_bytes; Raw: the activations as stored (XOR 0x80 here), else the scratch.
template <uint32_t Quads, bool Raw>
[[gnu::target(NPUEMU_VNNI_TARGET)]] void int8_vnni_chunk(const uint8_t* a_rows, size_t a_row_bytes, uint32_t q0,
                                                         MatmulWeights& weights, uint8_t* acc, const MatmulShape& s) {
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    const uint32_t n_padded = weights.n_padded();
    const uint8_t* w = weights.packed().data();
    const bool first = q0 == 0;
    const bool add_old = s.accumulate || !first;
    for (uint32_t j0 = 0; j0 < s.n; j0 += kBlockColumns) {
        __m512i wq[Quads];
        for (uint32_t q = 0; q < Quads; ++q) wq[q] = _mm512_loadu_si512(w + (size_t(q0 + q) * n_padded + j0) * 4);
        const __m512i terms = first ? _mm512_loadu_si512(weights.column_terms().data() + j0) : _mm512_setzero_si512();
        const __mmask16 mask = column_mask(s.n - j0);
        for (uint32_t i = 0; i < s.m; ++i) {
            const uint8_t* a = a_rows + i * a_row_bytes + 4 * q0;
            uint8_t* c = acc + i * s.acc_stride_bytes + 4 * j0;
            __m512i sum = add_old ? _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, c), terms) : terms;
            for (uint32_t q = 0; q < Quads; ++q) {
                const __m512i x = _mm512_set1_epi32(load_word(a + 4 * q));
                sum = _mm512_dpbusd_epi32(sum, Raw ? _mm512_xor_si512(x, bias) : x, wq[q]);
            }
            _mm512_mask_storeu_epi32(c, mask, sum);
        }
    }
}

using VnniChunk = void (*)(const uint8_t*, size_t, uint32_t, MatmulWeights&, uint8_t*, const MatmulShape&);
template <bool Raw, uint32_t... Q>
constexpr std::array<VnniChunk, sizeof...(Q)> vnni_chunks(std::integer_sequence<uint32_t, Q...>) {
    return {&int8_vnni_chunk<Q + 1, Raw>...};
}

using StreamKernel = void (*)(const uint8_t*, MatmulWeights&, uint8_t*, const MatmulShape&);
template <uint32_t... P>
constexpr std::array<StreamKernel, sizeof...(P)> stream_kernels(std::integer_sequence<uint32_t, P...>) {
    return {&int8_stream_avx512<P + 1>...};
}

// The 8-row FP32 block of the BF16 kernel: twice the 4-row block's independent addition chains, so the FP adders'
// latency (each column's sum is a chain of k rounded additions, in k order) no longer bounds it.
constexpr uint32_t kBf16Rows = 8;

}  // namespace

[[gnu::target(NPUEMU_VNNI_TARGET)]] bool pack_int8_quads_avx512(MatmulWeights& weights) {
    const uint32_t k = weights.k(), n = weights.n();
    if (k % 4 != 0 || n % kBlockColumns != 0) return false;  // the ragged shapes take the element-by-element packing
    std::vector<uint8_t>& out = weights.packed();
    out.resize(size_t(k) * n);
    std::vector<int32_t>& terms = weights.column_terms();
    terms.resize(n);
    const uint8_t* values = weights.values();
    for (uint32_t j0 = 0; j0 < n; j0 += kBlockColumns) {
        __m512i weight_sum = _mm512_setzero_si512();
        for (uint32_t q = 0; q < k / 4; ++q) {
            __m128i row[4];
            for (uint32_t r = 0; r < 4; ++r) {
                row[r] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(values + size_t(4 * q + r) * n + j0));
                weight_sum = _mm512_add_epi32(weight_sum, _mm512_maskz_cvtepi8_epi32(0xFFFF, row[r]));
            }
            // Bytes of rows 0 and 1, then 2 and 3, interleaved; then those pairs: column j's quad at 4 j.
            const __m128i r01_lo = _mm_unpacklo_epi8(row[0], row[1]), r01_hi = _mm_unpackhi_epi8(row[0], row[1]);
            const __m128i r23_lo = _mm_unpacklo_epi8(row[2], row[3]), r23_hi = _mm_unpackhi_epi8(row[2], row[3]);
            auto* dst = reinterpret_cast<__m128i*>(out.data() + (size_t(q) * n + j0) * 4);
            _mm_storeu_si128(dst + 0, _mm_unpacklo_epi16(r01_lo, r23_lo));
            _mm_storeu_si128(dst + 1, _mm_unpackhi_epi16(r01_lo, r23_lo));
            _mm_storeu_si128(dst + 2, _mm_unpacklo_epi16(r01_hi, r23_hi));
            _mm_storeu_si128(dst + 3, _mm_unpackhi_epi16(r01_hi, r23_hi));
        }
        _mm512_storeu_si512(terms.data() + j0, _mm512_mullo_epi32(weight_sum, _mm512_set1_epi32(-128)));
    }
    return true;
}

void int8_avx2(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& s) {
    int8_pairs_rows(act, weights, acc, s, false);
}

void int8_avx512(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& s) {
    const uint32_t pairs = (s.k + 1) / 2;
    if (pairs >= 1 && pairs <= kStreamPairs) {
        static constexpr auto kKernels = stream_kernels(std::make_integer_sequence<uint32_t, kStreamPairs>());
        kKernels[pairs - 1](act, weights, acc, s);
        return;
    }
    int8_pairs_rows(act, weights, acc, s, true);
}

[[gnu::target(NPUEMU_VNNI_TARGET)]] void int8_avx512_vnni(const uint8_t* act, MatmulWeights& weights, uint8_t* acc,
                                                          const MatmulShape& s) {
    const uint32_t quads = (s.k + 3) / 4;
    if (s.k % 4 == 0) {  // whole quads: straight from the activations
        static constexpr auto kRaw = vnni_chunks<true>(std::make_integer_sequence<uint32_t, kVnniQuads>());
        for (uint32_t q0 = 0; q0 < quads; q0 += kVnniQuads)
            kRaw[std::min(kVnniQuads, quads - q0) - 1](act, s.act_stride_bytes, q0, weights, acc, s);
        return;
    }
    // Row by row into the scratch, each row's k bytes padded to whole quads: bytes past k read as 0 and become 128,
    // against zero weights.
    std::vector<uint8_t>& scratch = weights.scratch();
    scratch.resize(4 * size_t(s.m) * quads);
    uint8_t* a_quads = scratch.data();
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    auto byte_mask = [](uint32_t bytes) { return bytes >= 64 ? ~__mmask64(0) : (__mmask64(1) << bytes) - 1; };
    for (uint32_t k0 = 0; k0 < 4 * quads; k0 += 64) {
        const __mmask64 in_mask = byte_mask(s.k - std::min(s.k, k0));
        const __mmask64 out_mask = byte_mask(4 * quads - k0);
        for (uint32_t i = 0; i < s.m; ++i) {
            const __m512i row = _mm512_maskz_loadu_epi8(in_mask, act + i * s.act_stride_bytes + k0);
            _mm512_mask_storeu_epi8(a_quads + 4 * size_t(i) * quads + k0, out_mask, _mm512_xor_si512(row, bias));
        }
    }
    static constexpr auto kPadded = vnni_chunks<false>(std::make_integer_sequence<uint32_t, kVnniQuads>());
    for (uint32_t q0 = 0; q0 < quads; q0 += kVnniQuads)
        kPadded[std::min(kVnniQuads, quads - q0) - 1](a_quads, 4 * size_t(quads), q0, weights, acc, s);
}

[[gnu::target("avx512f,avx512bw,avx512vl")]] void bf16_avx512(const uint8_t* act, MatmulWeights& weights, uint8_t* acc,
                                                              const MatmulShape& s) {
    // Every activation to FP32 once (exact: a BF16 value is the high half of its FP32 one).
    std::vector<uint8_t>& scratch = weights.scratch();
    scratch.resize(sizeof(float) * size_t(s.m) * s.k);
    auto* a_rows = reinterpret_cast<float*>(scratch.data());
    for (uint32_t i = 0; i < s.m; ++i) {
        const uint8_t* src = act + i * s.act_stride_bytes;
        for (uint32_t k0 = 0; k0 < s.k; k0 += 16) {
            const __mmask16 mask = column_mask(s.k - k0);
            // The maskz forms: GCC 12 warns of the plain ones' undefined merge operand.
            const __m512i bits = _mm512_maskz_cvtepu16_epi32(mask, _mm256_maskz_loadu_epi16(mask, src + 2 * k0));
            const __m512i fp32 = _mm512_maskz_slli_epi32(mask, bits, 16);
            _mm512_mask_storeu_ps(a_rows + size_t(i) * s.k + k0, mask, _mm512_castsi512_ps(fp32));
        }
    }
    const uint32_t n_padded = weights.n_padded();
    const uint8_t* w = weights.packed().data();
    for (uint32_t i = 0; i < s.m; i += kBf16Rows) {
        const uint32_t rows = std::min(kBf16Rows, s.m - i);
        const float* a[kBf16Rows];  // a last block of fewer rows repeats its last row (computed, not stored)
        for (uint32_t r = 0; r < kBf16Rows; ++r) a[r] = a_rows + size_t(i + std::min(r, rows - 1)) * s.k;
        for (uint32_t j0 = 0; j0 < s.n; j0 += kBlockColumns) {
            __m512 sum[kBf16Rows];
            for (auto& v : sum) v = _mm512_setzero_ps();  // +0.0: the top of each column
            for (uint32_t kk = 0; kk < s.k; ++kk) {
                const __m512 w_row = _mm512_loadu_ps(w + 4 * (size_t(kk) * n_padded + j0));
                for (uint32_t r = 0; r < kBf16Rows; ++r)  // exact product, one rounded addition
                    sum[r] = _mm512_add_ps(sum[r], _mm512_mul_ps(_mm512_set1_ps(a[r][kk]), w_row));
            }
            const __mmask16 mask = column_mask(s.n - j0);
            for (uint32_t r = 0; r < rows; ++r) {
                uint8_t* c = acc + (i + r) * s.acc_stride_bytes + 4 * j0;
                // The accumulator's value plus the column's result.
                const __m512 result = s.accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(mask, c), sum[r]) : sum[r];
                _mm512_mask_storeu_ps(c, mask, result);
            }
        }
    }
}

}  // namespace npuemu::npu::x86_kernels
#undef NPUEMU_VNNI_TARGET
#endif
