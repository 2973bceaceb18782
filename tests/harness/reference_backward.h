// The host references of the backward pass's row and element operations, step for step as the NPU kernels do them
// (each step one FP32 operation of the vector unit, in the order written): GELU backward (the forward's tanh form,
// tanh through exp), softmax backward, layernorm and RMS norm backward (dX per row; dgamma and dbeta as column sums),
// SwiGLU backward, column sums (bias gradients), and npu_attention_backward's arithmetic. Checked against the forward
// references (reference_math.h) by finite differences in
// tests/unit/test_reference_backward.cpp, and used by the harnesses that check the kernels bit for bit.
#ifndef NPUEMU_TESTS_HARNESS_REFERENCE_BACKWARD_H
#define NPUEMU_TESTS_HARNESS_REFERENCE_BACKWARD_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/harness/reference_math.h"

namespace reference {

// d gelu(x) / dx times dy for gelu(x) = 0.5 x (1 + tanh(u)), u = 0.7978845608 (x + 0.044715 x^3):
//   0.5 (1 + t) + 0.5 x (1 - t^2) 0.7978845608 (1 + 3 * 0.044715 x^2), t = tanh(u) = 2 / (1 + exp(-2u)) - 1.
inline float gelu_backward(float x, float dy) {
    const float x2 = x * x;
    float u = x2 * x;
    u = u * 0.044715f;
    u = u + x;
    u = u * 0.7978845608f;
    float t = u * -2.0f;
    t = std::exp(t);
    t = t + 1.0f;
    t = 1.0f / t;
    t = t * 2.0f;
    t = t + -1.0f;
    float s = t * t;  // 1 - t^2
    s = s * -1.0f;
    s = s + 1.0f;
    float d = x2 * 0.134145f;  // du/dx / 0.7978845608 = 1 + 3 * 0.044715 x^2
    d = d + 1.0f;
    d = d * 0.7978845608f;
    float a = t + 1.0f;  // 0.5 (1 + t)
    a = a * 0.5f;
    float b = x * s;  // 0.5 x (1 - t^2) du/dx
    b = b * d;
    b = b * 0.5f;
    a = a + b;
    return a * dy;
}

// Softmax backward of one row: dS = P * (dP - sum(dP * P)), the sum left to right.
inline void softmax_backward_row(const float* p, const float* dp, float* ds, uint32_t cols) {
    float sum = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) sum = sum + dp[c] * p[c];
    for (uint32_t c = 0; c < cols; ++c) {
        const float u = dp[c] - sum;
        ds[c] = u * p[c];
    }
}

// Layernorm backward of one row x (the forward's input) given dy: recomputes xhat = (x - mean) * rstd as the forward
// does (reference::layernorm_normalize_row), then with g = dy * gamma, a = sum(g) / cols, b = sum(g * xhat) / cols:
//   dx = (g - a - xhat * b) * rstd; xhat goes to `xhat` (for dgamma = column sums of dy * xhat).
inline void layernorm_backward_row(const float* x, const float* dy, const float* gamma, float eps, uint32_t cols,
                                   float* dx, float* xhat) {
    const float inv_cols = 1.0f / static_cast<float>(cols);
    std::copy(x, x + cols, xhat);
    const float rstd = layernorm_normalize_row(xhat, cols, eps);
    std::vector<float> g(cols);
    for (uint32_t c = 0; c < cols; ++c) g[c] = dy[c] * gamma[c];
    float g_sum = 0.0f, gx_sum = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) g_sum = g_sum + g[c];
    for (uint32_t c = 0; c < cols; ++c) gx_sum = gx_sum + g[c] * xhat[c];
    const float a = g_sum * inv_cols, b = gx_sum * inv_cols;
    for (uint32_t c = 0; c < cols; ++c) {
        float t = g[c] - a;
        t = t - xhat[c] * b;
        dx[c] = t * rstd;
    }
}

// RMS norm backward of one row x (the forward's input) given dy: rstd and xhat = x * rstd recomputed as the forward
// does (reference::rmsnorm_rstd), then with g = dy * gamma and b = sum(g * xhat) / cols: dx = (g - xhat * b) * rstd;
// xhat goes to `xhat` (for dgamma = column sums of dy * xhat).
inline void rmsnorm_backward_row(const float* x, const float* dy, const float* gamma, float eps, uint32_t cols,
                                 float* dx, float* xhat) {
    const float inv_cols = 1.0f / static_cast<float>(cols);
    const float rstd = rmsnorm_rstd(x, cols, eps);
    for (uint32_t c = 0; c < cols; ++c) xhat[c] = x[c] * rstd;
    float gx_sum = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) gx_sum = gx_sum + (dy[c] * gamma[c]) * xhat[c];
    const float b = gx_sum * inv_cols;
    for (uint32_t c = 0; c < cols; ++c) dx[c] = (dy[c] * gamma[c] - xhat[c] * b) * rstd;
}

// SwiGLU's backward at one element, u = silu(gate) * up, given du: with s = sigmoid(gate) made as the forward's SiLU
// makes it (reference::silu), dup = du * silu(gate) and dgate = (du * up) * silu'(gate), silu' = s (1 + gate (1 - s)).
inline void swiglu_backward(float gate, float up, float du, float* dgate, float* dup) {
    float s = gate * -1.0f;
    s = std::exp(s);
    s = s + 1.0f;
    s = 1.0f / s;
    *dup = du * (gate * s);
    float d = s * -1.0f;  // 1 - s
    d = d + 1.0f;
    d = gate * d;
    d = d + 1.0f;
    d = s * d;
    *dgate = (du * up) * d;
}

// Column sums of a rows x cols FP32 matrix (a bias's or a layernorm beta's gradient) as the kernel adds them: rows
// split over `parts` even shares (ceil(rows / parts) each, the last ones shorter or empty), each share summed top to
// bottom from its first row, the shares' sums then added in share order.
inline std::vector<float> column_sums(const float* m, uint32_t rows, uint32_t cols, uint32_t parts) {
    std::vector<float> total(cols, 0.0f);
    const uint32_t share = (rows + parts - 1) / parts;
    bool first_part = true;
    for (uint32_t part = 0; part < parts; ++part) {
        const uint32_t r0 = part * share, r1 = std::min(rows, r0 + share);
        if (r0 >= r1) continue;
        std::vector<float> partial(m + size_t(r0) * cols, m + size_t(r0 + 1) * cols);
        for (uint32_t r = r0 + 1; r < r1; ++r) {
            for (uint32_t c = 0; c < cols; ++c) partial[c] = partial[c] + m[size_t(r) * cols + c];
        }
        for (uint32_t c = 0; c < cols; ++c) total[c] = first_part ? partial[c] : total[c] + partial[c];
        first_part = false;
    }
    return total;
}

// The transpose of a rows x cols BF16 matrix.
inline std::vector<Bf16> transposed_bf16(const std::vector<Bf16>& m, uint32_t rows, uint32_t cols) {
    std::vector<Bf16> t(m.size());
    for (uint32_t r = 0; r < rows; ++r) {
        for (uint32_t c = 0; c < cols; ++c) t[size_t(c) * rows + r] = m[size_t(r) * cols + c];
    }
    return t;
}

// npu_attention_backward's documented arithmetic (kernels.h) on the host, written from the formulas, one head at a
// time over whole seq x seq matrices: d_qkv (seq x (heads + 2 kv_heads) d_head FP32) from qkv (BF16, q scaled),
// d_out and the forward's output o (seq x heads d_head BF16) and its row statistics (row_stats: -m then 1/l, heads x
// seq each, as npu_flash_attention keeps them). p.rows: the array's rows (every GEMM's chunk); p.cols: its columns
// (dq's key blocks of 4 of them). Causal.
inline std::vector<float> attention_backward_reference(const AttentionProblem& p, const std::vector<Bf16>& qkv,
                                                       const std::vector<Bf16>& d_out, const std::vector<Bf16>& o,
                                                       const std::vector<float>& row_stats) {
    const uint32_t L = p.seq, dh = p.d_head, W = p.width(), O = p.heads * dh, group = p.heads / p.kv_heads;
    const uint32_t chunk = p.rows, block = 4 * p.cols;
    std::vector<float> d_qkv(size_t(L) * W, 0.0f);
    // dK and dV of a KV head sum over its group's heads: the chunks' running sums, per key and column.
    std::vector<float> dk(size_t(L) * dh), dv(size_t(L) * dh);
    for (uint32_t h = 0; h < p.heads; ++h) {
        const uint32_t g = h / group;
        const Bf16 *q = &qkv[h * dh], *k = &qkv[(p.heads + g) * dh], *v = &qkv[(p.heads + p.kv_heads + g) * dh];
        const Bf16 *dout = &d_out[h * dh], *out = &o[h * dh];
        const float *neg_max = &row_stats[size_t(h) * L], *inv_sum = &row_stats[size_t(p.heads + h) * L];
        // D_r = rowsum(dO * O) from +0, left to right; the kernel adds -D.
        std::vector<float> neg_d(L);
        for (uint32_t r = 0; r < L; ++r) {
            float sum = 0.0f;
            for (uint32_t d = 0; d < dh; ++d)
                sum = sum + to_float(dout[size_t(r) * O + d]) * to_float(out[size_t(r) * O + d]);
            neg_d[r] = sum * -1.0f;
        }
        const std::vector<float> s = gemm(q, W, k, W, true, L, L, dh, chunk);
        const std::vector<float> dp = gemm(dout, O, v, W, true, L, L, dh, chunk);
        std::vector<Bf16> p16(size_t(L) * L), ds16(size_t(L) * L);
        for (uint32_t r = 0; r < L; ++r) {
            for (uint32_t c = 0; c < L; ++c) {
                const size_t at = size_t(r) * L + c;
                const float prob = c <= r ? std::exp(s[at] + neg_max[r]) * inv_sum[r] : 0.0f;
                p16[at] = to_bf16(prob);
                ds16[at] = to_bf16((dp[at] + neg_d[r]) * prob);
            }
        }
        // dv_c += P16 dO_r, dk_c += dS16 q_r: this head's rows in chunks, each chunk's sum added to the running sum.
        for (uint32_t c = 0; c < L; ++c) {
            for (uint32_t d = 0; d < dh; ++d) {
                for (uint32_t r0 = 0; r0 < L; r0 += chunk) {
                    float v_chunk = 0.0f, k_chunk = 0.0f;
                    for (uint32_t r = r0; r < std::min(L, r0 + chunk); ++r) {
                        v_chunk += to_float(p16[size_t(r) * L + c]) * to_float(dout[size_t(r) * O + d]);
                        k_chunk += to_float(ds16[size_t(r) * L + c]) * to_float(q[size_t(r) * W + d]);
                    }
                    const bool first = h % group == 0 && r0 == 0;
                    float& dv_cd = dv[size_t(c) * dh + d];
                    float& dk_cd = dk[size_t(c) * dh + d];
                    dv_cd = first ? v_chunk : dv_cd + v_chunk;
                    dk_cd = first ? k_chunk : dk_cd + k_chunk;
                }
            }
        }
        // dq_r = B_0 + B_1 + ... over the key blocks up to the row's own; B_j: block j's keys in chained chunks.
        for (uint32_t r = 0; r < L; ++r) {
            for (uint32_t d = 0; d < dh; ++d) {
                float dq = 0.0f;
                for (uint32_t k0 = 0; k0 <= r; k0 += block) {
                    float b = 0.0f;
                    for (uint32_t c0 = k0; c0 < std::min(L, k0 + block); c0 += chunk) {
                        float part = 0.0f;
                        for (uint32_t c = c0; c < std::min({L, k0 + block, c0 + chunk}); ++c)
                            part += to_float(ds16[size_t(r) * L + c]) * to_float(k[size_t(c) * W + d]);
                        b = c0 == k0 ? part : b + part;
                    }
                    dq = k0 == 0 ? b : dq + b;
                }
                d_qkv[size_t(r) * W + h * dh + d] = dq;
            }
        }
        if (h % group == group - 1) {
            for (uint32_t c = 0; c < L; ++c) {
                for (uint32_t d = 0; d < dh; ++d) {
                    d_qkv[size_t(c) * W + (p.heads + g) * dh + d] = dk[size_t(c) * dh + d];
                    d_qkv[size_t(c) * W + (p.heads + p.kv_heads + g) * dh + d] = dv[size_t(c) * dh + d];
                }
            }
        }
    }
    return d_qkv;
}

}  // namespace reference

#endif
