#include "model/npu/matmul_kernels.h"

#include <algorithm>
#include <cstring>

#include "model/npu/bf16.h"
#include "model/npu/matmul_blocks.h"
#include "model/npu/matmul_kernels_x86.h"

// How the host computes it fast, with the same results:
// - A weight block is packed once for the kernel that uses it (MatmulWeights): widened (INT8 -> INT32 or INT16
//   pairs, BF16 -> FP32) or regrouped (INT8 quads for VNNI), its rows padded with zeros to a multiple of kBlockColumns,
//   so every inner loop is a fixed-length, contiguous loop.
// - Register blocking: kBlockRows activation rows x kBlockColumns columns of sums stay in vector registers while k
//   runs, so each weight row chunk is loaded once per kBlockRows rows.
// - Each column's FP32 sum is still +0.0 + p0 + p1 + ... in k order (each product exact, each addition rounded),
//   element by element what the column formulation does; INT32 sums wrap (unsigned arithmetic), so their order is
//   free anyway. -ffp-contract=off keeps multiply and add apart (no FMA).
// - The portable kernels are compiled for AVX-512, AVX2 and baseline x86-64 (GCC target_clones, chosen once at load
//   time by the CPU); the x86 kernels (matmul_kernels_x86.cpp) are picked at run time by the CPU's features. The same
//   IEEE operations per element on every path (no FMA), so results do not depend on the host.
//   No SIMD library: xsimd (Debian's libxsimd-dev 8.1) has no INT8 pair or quad multiply-add (vpmaddwd, vpdpbusd),
//   which is where the INT8 speed comes from, and its per-architecture dispatch would still need a file per target.

namespace npuemu::npu {

namespace {

using namespace matmul_blocks;

// x86-64: one clone per instruction-set level, chosen once at load time (an ifunc). Elsewhere: the compiler's own.
#if defined(NPUEMU_MATMUL_X86)
#define NPUEMU_MATMUL_CLONES [[gnu::target_clones("avx512f", "avx2", "default")]]
#else
#define NPUEMU_MATMUL_CLONES
#endif

// Sums of one kBlockColumns-wide column block: GCC vector types, which the compiler maps onto the widest
// registers the clone targets (one AVX-512 register, two AVX2 or four SSE2 ones).
using U32xBlock = uint32_t __attribute__((vector_size(4 * kBlockColumns)));
using F32xBlock = float __attribute__((vector_size(4 * kBlockColumns)));

// kBlockRows activation rows against one column block of the widened weights (k rows, n_padded apart, as bytes).
// A last block of fewer rows repeats its last row (computed, not stored).
[[gnu::always_inline]] inline void int8_block(const int8_t* const* a, const uint8_t* w, uint32_t k, uint32_t n_padded,
                                              uint32_t (&sums)[kBlockRows][kBlockColumns]) {
    U32xBlock s[kBlockRows] = {};
    for (uint32_t kk = 0; kk < k; ++kk) {
        U32xBlock w_row;
        std::memcpy(&w_row, w + 4 * size_t(kk) * n_padded, sizeof w_row);
        // Unsigned: wrapping is defined, and the low 32 bits of a product do not depend on signedness.
        for (uint32_t r = 0; r < kBlockRows; ++r) s[r] += static_cast<uint32_t>(int32_t(a[r][kk])) * w_row;
    }
    for (uint32_t r = 0; r < kBlockRows; ++r) std::memcpy(sums[r], &s[r], sizeof s[r]);
}

[[gnu::always_inline]] inline void bf16_block(const float* const* a, const uint8_t* w, uint32_t k, uint32_t n_padded,
                                              float (&sums)[kBlockRows][kBlockColumns]) {
    F32xBlock s[kBlockRows] = {};  // +0.0: the top of each column
    for (uint32_t kk = 0; kk < k; ++kk) {
        F32xBlock w_row;
        std::memcpy(&w_row, w + 4 * size_t(kk) * n_padded, sizeof w_row);
        for (uint32_t r = 0; r < kBlockRows; ++r) s[r] += a[r][kk] * w_row;  // exact product, one rounded addition
    }
    for (uint32_t r = 0; r < kBlockRows; ++r) std::memcpy(sums[r], &s[r], sizeof s[r]);
}

NPUEMU_MATMUL_CLONES
void int8_rows(const uint8_t* act, const uint8_t* w, uint8_t* acc, const MatmulShape& s, uint32_t n_padded) {
    const int8_t* a[kBlockRows];
    for_each_block<uint32_t>(
        s, acc,
        [&](uint32_t i, uint32_t rows) {
            for (uint32_t r = 0; r < kBlockRows; ++r)
                a[r] = reinterpret_cast<const int8_t*>(act + (i + std::min(r, rows - 1)) * s.act_stride_bytes);
        },
        [&](uint32_t j0, uint32_t(&sums)[kBlockRows][kBlockColumns]) {
            int8_block(a, w + 4 * j0, s.k, n_padded, sums);
        });
}

NPUEMU_MATMUL_CLONES
void bf16_rows(const uint8_t* act, const uint8_t* w, uint8_t* acc, const MatmulShape& s, uint32_t n_padded,
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
        [&](uint32_t j0, float(&sums)[kBlockRows][kBlockColumns]) { bf16_block(a, w + 4 * j0, s.k, n_padded, sums); });
}

// Packings (docs: matmul_kernels_x86.cpp for the layouts the x86 kernels read). Padding columns are zero weights.
template <class Element, class Convert>
void pack_widened(MatmulWeights& w, Convert&& convert) {  // k x n_padded elements
    const uint32_t n_padded = w.n_padded();
    std::vector<uint8_t>& out = w.packed();
    out.assign(sizeof(Element) * size_t(w.k()) * n_padded, 0);
    for (uint32_t kk = 0; kk < w.k(); ++kk)
        for (uint32_t j = 0; j < w.n(); ++j) {
            const Element value = convert(size_t(kk) * w.n() + j);
            std::memcpy(&out[sizeof(Element) * (size_t(kk) * n_padded + j)], &value, sizeof value);
        }
}

// INT8 in groups of `Group` consecutive k per column (Element each), ceil(k / Group) x n_padded x Group; a ragged last
// group is padded with zero weights.
template <class Element, uint32_t Group>
void pack_grouped(MatmulWeights& w) {
    const uint32_t n_padded = w.n_padded();
    const uint32_t groups = (w.k() + Group - 1) / Group;
    std::vector<uint8_t>& out = w.packed();
    out.assign(sizeof(Element) * size_t(groups) * n_padded * Group, 0);
    const auto* values = reinterpret_cast<const int8_t*>(w.values());
    for (uint32_t kk = 0; kk < w.k(); ++kk)
        for (uint32_t j = 0; j < w.n(); ++j) {
            const Element value = values[size_t(kk) * w.n() + j];
            std::memcpy(&out[sizeof(Element) * ((size_t(kk / Group) * n_padded + j) * Group + kk % Group)], &value,
                        sizeof value);
        }
}

void pack(MatmulWeights& w, MatmulKernel kernel) {
    if (w.packed_for(kernel)) return;
    if (w.bf16()) {
        pack_widened<float>(w, [&](size_t e) {
            uint16_t bits;
            std::memcpy(&bits, w.values() + 2 * e, 2);
            return bf16_to_float(bits);
        });
    } else if (kernel == MatmulKernel::Avx512Vnni) {
        // vpdpbusd multiplies unsigned by signed bytes: the kernel adds 128 to each activation, so each column's sum
        // starts from -128 x (the column's weight sum) to take it off again (exact in wrapping INT32).
#if defined(NPUEMU_MATMUL_X86)
        if (x86_kernels::pack_int8_quads_avx512(w)) return w.mark_packed(kernel);  // whole quads and column blocks
#endif
        pack_grouped<int8_t, 4>(w);
        std::vector<int32_t>& terms = w.column_terms();
        terms.assign(w.n_padded(), 0);
        const auto* values = reinterpret_cast<const int8_t*>(w.values());
        for (uint32_t kk = 0; kk < w.k(); ++kk)
            for (uint32_t j = 0; j < w.n(); ++j) terms[j] -= 128 * int32_t(values[size_t(kk) * w.n() + j]);
    } else if (kernel == MatmulKernel::Avx2 || kernel == MatmulKernel::Avx512) {
        pack_grouped<int16_t, 2>(w);
    } else {
        const auto* values = reinterpret_cast<const int8_t*>(w.values());
        pack_widened<uint32_t>(w, [&](size_t e) { return static_cast<uint32_t>(int32_t(values[e])); });
    }
    w.mark_packed(kernel);
}

}  // namespace

const char* matmul_kernel_name(MatmulKernel kernel) {
    switch (kernel) {
        case MatmulKernel::Portable: return "portable";
        case MatmulKernel::Avx2: return "avx2";
        case MatmulKernel::Avx512: return "avx512";
        case MatmulKernel::Avx512Vnni: return "avx512-vnni";
    }
    return "?";
}

std::vector<MatmulKernel> host_matmul_kernels() {
    std::vector<MatmulKernel> kernels{MatmulKernel::Portable};
#if defined(NPUEMU_MATMUL_X86)
    if (x86_kernels::has_avx2()) kernels.push_back(MatmulKernel::Avx2);
    if (x86_kernels::has_avx512()) kernels.push_back(MatmulKernel::Avx512);
    if (x86_kernels::has_avx512_vnni()) kernels.push_back(MatmulKernel::Avx512Vnni);
#endif
    return kernels;
}

MatmulKernel best_matmul_kernel() {
    static const MatmulKernel best = host_matmul_kernels().back();
    return best;
}

void MatmulWeights::load(const void* weights, uint32_t k, uint32_t n, bool bf16) {
    k_ = k;
    n_ = n;
    bf16_ = bf16;
    values_.resize(size_t(k) * n * (bf16 ? 2 : 1));
    if (!values_.empty()) std::memcpy(values_.data(), weights, values_.size());
    packed_valid_ = false;
}

void MatmulWeights::load_int8(const int8_t* weights, uint32_t k, uint32_t n) { load(weights, k, n, false); }
void MatmulWeights::load_bf16(const uint16_t* weights, uint32_t k, uint32_t n) { load(weights, k, n, true); }

void matmul_int8(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& s, MatmulKernel kernel) {
    pack(weights, kernel);
    switch (kernel) {
#if defined(NPUEMU_MATMUL_X86)
        case MatmulKernel::Avx2: return x86_kernels::int8_avx2(act, weights, acc, s);
        case MatmulKernel::Avx512: return x86_kernels::int8_avx512(act, weights, acc, s);
        case MatmulKernel::Avx512Vnni: return x86_kernels::int8_avx512_vnni(act, weights, acc, s);
#endif
        default: return int8_rows(act, weights.packed().data(), acc, s, weights.n_padded());
    }
}

void matmul_bf16(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& s, MatmulKernel kernel) {
    pack(weights, MatmulKernel::Portable);  // one FP32 packing serves every BF16 kernel
#if defined(NPUEMU_MATMUL_X86)
    if (kernel == MatmulKernel::Avx512 || kernel == MatmulKernel::Avx512Vnni)
        return x86_kernels::bf16_avx512(act, weights, acc, s);
#endif
    std::vector<uint8_t>& scratch = weights.scratch();
    scratch.resize(sizeof(float) * kBlockRows * s.k);
    bf16_rows(act, weights.packed().data(), acc, s, weights.n_padded(), reinterpret_cast<float*>(scratch.data()));
}

void matmul_int8(const uint8_t* act, const int8_t* weights, uint8_t* acc, const MatmulShape& s) {
    MatmulWeights block;
    block.load_int8(weights, s.k, s.n);
    matmul_int8(act, block, acc, s);
}

void matmul_bf16(const uint8_t* act, const uint16_t* weights, uint8_t* acc, const MatmulShape& s) {
    MatmulWeights block;
    block.load_bf16(weights, s.k, s.n);
    matmul_bf16(act, block, acc, s);
}

}  // namespace npuemu::npu
#undef NPUEMU_MATMUL_CLONES
