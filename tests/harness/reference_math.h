// The host references' arithmetic, step for step as the NPU does it (docs/npu.md, sdk/include/npuemu/kernels.h):
// chunked BF16 GEMMs, the row passes' GELU and layernorm, and npu_flash_attention's online softmax. Shared by the
// harnesses that check kernels bit for bit.
#ifndef NPUEMU_TESTS_HARNESS_REFERENCE_MATH_H
#define NPUEMU_TESTS_HARNESS_REFERENCE_MATH_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/harness/harness_util.h"

namespace reference {

using Bf16 = uint16_t;
constexpr auto to_float = harness::bf16_to_float;
constexpr auto to_bf16 = harness::float_to_bf16;

// C (m x n, FP32) = A (m x k, BF16) x B (k x n, or its transpose n x k), chunked as the array does.
inline std::vector<float> gemm(const Bf16* a, size_t lda, const Bf16* b, size_t ldb, bool b_transposed, uint32_t m,
                               uint32_t n, uint32_t k, uint32_t chunk) {
    std::vector<float> c(size_t(m) * n);
    for (uint32_t i = 0; i < m; ++i) {
        for (uint32_t j = 0; j < n; ++j) {
            float result = 0.0f;
            for (uint32_t k0 = 0; k0 < k; k0 += chunk) {
                float column = 0.0f;
                for (uint32_t kk = k0; kk < std::min(k, k0 + chunk); ++kk) {
                    const Bf16 w = b_transposed ? b[j * ldb + kk] : b[kk * ldb + j];
                    column += to_float(a[i * lda + kk]) * to_float(w);
                }
                result = k0 == 0 ? column : result + column;
            }
            c[size_t(i) * n + j] = result;
        }
    }
    return c;
}

inline float gelu(float x) {
    const float inner = 0.7978845608f * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + std::tanh(inner));
}

inline void softmax_row(float* x, uint32_t cols) {
    float m = -INFINITY;
    for (uint32_t c = 0; c < cols; ++c) m = std::max(m, x[c]);
    for (uint32_t c = 0; c < cols; ++c) x[c] = x[c] - m;
    for (uint32_t c = 0; c < cols; ++c) x[c] = std::exp(x[c]);
    float sum = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) sum = sum + x[c];
    const float r = 1.0f / sum;
    for (uint32_t c = 0; c < cols; ++c) x[c] = x[c] * r;
}

// Layernorm's normalisation of one row in place, x = (x - mean) * rstd; returns rstd.
inline float layernorm_normalize_row(float* x, uint32_t cols, float eps) {
    const float inv_cols = 1.0f / static_cast<float>(cols);
    float sum = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) sum = sum + x[c];
    const float mean = sum * inv_cols;
    for (uint32_t c = 0; c < cols; ++c) x[c] = x[c] - mean;
    float squares = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) squares = squares + x[c] * x[c];
    float var = squares * inv_cols;
    var = var + eps;
    const float rstd = 1.0f / std::sqrt(var);
    for (uint32_t c = 0; c < cols; ++c) x[c] = x[c] * rstd;
    return rstd;
}

inline void layernorm_row(float* x, uint32_t cols, const float* gamma, const float* beta, float eps) {
    layernorm_normalize_row(x, cols, eps);
    for (uint32_t c = 0; c < cols; ++c) x[c] = x[c] * gamma[c];
    for (uint32_t c = 0; c < cols; ++c) x[c] = x[c] + beta[c];
}

// An attention problem as npu_flash_attention sees it; rows, cols: the array's.
struct AttentionProblem {
    uint32_t seq, heads, kv_heads, d_head, causal, rows, cols;
    uint32_t width() const { return (heads + 2 * kv_heads) * d_head; }  // a fused [q | k | v] row, in elements
};

// Sum of a[i] * b[i] over [0, n) as the array sums a column: chunks of `rows` from +0.0, chunk sums added in order.
inline float chunked_dot(const Bf16* a, const Bf16* b, uint32_t n, uint32_t rows) {
    float result = 0.0f;
    for (uint32_t k0 = 0; k0 < n; k0 += rows) {
        float chunk = 0.0f;
        for (uint32_t k = k0; k < std::min(n, k0 + rows); ++k) chunk += to_float(a[k]) * to_float(b[k]);
        result = k0 == 0 ? chunk : result + chunk;
    }
    return result;
}

// One query row of one head, exactly as the kernel computes it; with neg_max and inv_sum, the row's statistics as
// npu_flash_attention's row_stats keeps them (-m, 1/l).
inline void flash_attention_row(const AttentionProblem& p, const std::vector<Bf16>& qkv, uint32_t r, uint32_t h,
                                Bf16* out, float* neg_max = nullptr, float* inv_sum = nullptr) {
    const uint32_t W = p.width(), dh = p.d_head, kvh = h / (p.heads / p.kv_heads), block = 4 * p.cols;
    const Bf16* q = &qkv[size_t(r) * W + h * dh];
    const auto key = [&](uint32_t c) { return &qkv[size_t(c) * W + (p.heads + kvh) * dh]; };
    const auto value = [&](uint32_t c, uint32_t d) {
        return qkv[size_t(c) * W + (p.heads + p.kv_heads + kvh) * dh + d];
    };
    const uint32_t key_end = p.causal ? r + 1 : p.seq;
    float m = 0, l = 0;
    std::vector<float> o(dh, 0.0f);
    for (uint32_t j = 0, k0 = 0; k0 < key_end; ++j, k0 += block) {
        // The kernel runs whole blocks (its query rows end on the same block): keys up to the block's end or seq.
        const uint32_t kb = std::min(block, p.seq - k0);
        std::vector<float> s(kb);
        for (uint32_t c = 0; c < kb; ++c) {
            s[c] = chunked_dot(q, key(k0 + c), dh, p.rows);
            if (p.causal && k0 + kb > r) s[c] = s[c] + (k0 + c > r ? -INFINITY : 0.0f);  // the diagonal block
        }
        float mj = -INFINITY;
        for (float v : s) mj = std::max(mj, v);
        const float m_new = j == 0 ? mj : std::max(m, mj);
        float lj = 0.0f;
        std::vector<Bf16> pbf(kb);
        for (uint32_t c = 0; c < kb; ++c) {
            const float e = std::exp(s[c] - m_new);
            lj = lj + e;
            pbf[c] = to_bf16(e);
        }
        if (j == 0) {
            l = lj;
        } else {
            const float alpha = std::exp(m - m_new);
            l = l * alpha;
            l = l + lj;
            for (auto& x : o) x = x * alpha;
        }
        for (uint32_t d = 0; d < dh; ++d) {
            for (uint32_t c0 = 0; c0 < kb; c0 += p.rows) {
                float chunk = 0.0f;
                for (uint32_t c = c0; c < std::min(kb, c0 + p.rows); ++c)
                    chunk += to_float(pbf[c]) * to_float(value(k0 + c, d));
                o[d] = (j == 0 && c0 == 0) ? chunk : o[d] + chunk;
            }
        }
        m = m_new;
    }
    const float inv = 1.0f / l;
    for (uint32_t d = 0; d < dh; ++d) out[d] = to_bf16(o[d] * inv);
    if (neg_max) *neg_max = m * -1.0f;
    if (inv_sum) *inv_sum = inv;
}

// npu_rows' RMS norm of one row: x * rsqrt(sum(x * x) * (1/cols) + eps) * gamma, each step one FP32 operation.
// RMS norm's 1 / sqrt(mean(x^2) + eps) of a row, as npu_rows makes it.
inline float rmsnorm_rstd(const float* x, uint32_t cols, float eps) {
    const float inv_cols = 1.0f / static_cast<float>(cols);
    float squares = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) squares = squares + x[c] * x[c];
    float ms = squares * inv_cols;
    ms = ms + eps;
    return 1.0f / std::sqrt(ms);
}

inline void rmsnorm_row(float* x, uint32_t cols, const float* gamma, float eps) {
    const float rstd = rmsnorm_rstd(x, cols, eps);
    for (uint32_t c = 0; c < cols; ++c) x[c] = x[c] * rstd;
    for (uint32_t c = 0; c < cols; ++c) x[c] = x[c] * gamma[c];
}

// npu_rows' SiLU: t = x * -1, t = exp(t), t = t + 1, t = 1 / t, x * t.
inline float silu(float x) {
    float t = x * -1.0f;
    t = std::exp(t);
    t = t + 1.0f;
    t = 1.0f / t;
    return x * t;
}

}  // namespace reference

#endif
