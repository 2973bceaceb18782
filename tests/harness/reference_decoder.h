// The decoder layer's host references, step for step as npu_decoder_layer and npu_decoder_train do them
// (sdk/include/npuemu/kernels.h) with the kernels' arithmetic (reference_math.h, reference_backward.h): the forward
// (GPT- or Llama-style), keeping the activations the backward reads, and the layer's backward (GPT- or Llama-style:
// layernorm or RMS norm, GELU or SwiGLU, rotary embeddings; heads == kv_heads). Used by
// tests/harness/decoder_check.cpp and decoder_train_check.cpp (bit for bit against the firmware) and by
// tests/unit/test_reference_decoder_backward.cpp (the backward against the forward by finite differences).
#ifndef NPUEMU_TESTS_HARNESS_REFERENCE_DECODER_H
#define NPUEMU_TESTS_HARNESS_REFERENCE_DECODER_H

#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/harness/reference_backward.h"
#include "tests/harness/reference_math.h"

namespace reference {

struct DecoderShape {
    uint32_t seq = 40, d_model = 48, heads = 3, kv_heads = 1, d_head = 16, d_ff = 72;
    bool rmsnorm = false, swiglu = false, rotary = false;
    uint32_t array_rows = 16, array_cols = 16;  // the chip's: the GEMMs' k chunks, attention's key blocks
    uint32_t width() const { return (heads + 2 * kv_heads) * d_head; }
    uint32_t q_width() const { return heads * d_head; }
    uint32_t ff1() const { return swiglu ? 2 * d_ff : d_ff; }  // SwiGLU: W1 = [W_gate | W_up]
};

struct DecoderParams {
    std::vector<float> ln1_gamma, ln1_beta;
    std::vector<Bf16> wqkv;
    std::vector<float> bqkv;
    std::vector<Bf16> wo;
    std::vector<float> bo, ln2_gamma, ln2_beta;
    std::vector<Bf16> w1;
    std::vector<float> b1;
    std::vector<Bf16> w2;
    std::vector<float> b2;
    std::vector<float> rotary_cos, rotary_sin;  // seq x d_head / 2, with rotary
    float eps = 1e-5f;
};

// The forward's activations: the norms' outputs a and b, q k v (q scaled), the attention's output o and its row
// statistics (-m then 1/l, heads x seq each), the residual stream h, the MLP's pre-activation (FP32: z with GELU,
// [gate | up] rows of 2 d_ff with SwiGLU) and u, and the layer's output.
struct DecoderActivations {
    std::vector<Bf16> a16, qkv16, o16, b16, u16;
    std::vector<float> attention_stats, h32, z32, out;
};

inline std::vector<Bf16> to_bf16_all(const std::vector<float>& v) {
    std::vector<Bf16> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = to_bf16(v[i]);
    return out;
}

// Rows of `cols` normalised as npu_rows does (layernorm, or RMS norm), in BF16.
inline std::vector<Bf16> normalize_bf16(std::vector<float> x, uint32_t cols, bool rms, const std::vector<float>& gamma,
                                        const std::vector<float>& beta, float eps) {
    for (size_t r = 0; r < x.size() / cols; ++r) {
        if (rms)
            rmsnorm_row(&x[r * cols], cols, gamma.data(), eps);
        else
            layernorm_row(&x[r * cols], cols, gamma.data(), beta.data(), eps);
    }
    return to_bf16_all(x);
}

// The attention block up to Wo's output before its bias (FP32): norm 1, QKV (+ bias, rotary, q scaled, BF16), causal
// flash attention, o Wo. Fills act's a16, qkv16 and o16.
inline std::vector<float> decoder_attention_partial(const DecoderShape& s, const DecoderParams& p,
                                                    const std::vector<float>& x, DecoderActivations& act) {
    const uint32_t L = s.seq, D = s.d_model, W = s.width(), Q = s.q_width();
    const uint32_t rows = s.array_rows, half = s.d_head / 2;
    act.a16 = normalize_bf16(x, D, s.rmsnorm, p.ln1_gamma, p.ln1_beta, p.eps);
    std::vector<float> qkv = gemm(act.a16.data(), D, p.wqkv.data(), W, false, L, W, D, rows);
    const float scale = 1.0f / std::sqrt(float(s.d_head));
    act.qkv16.resize(qkv.size());
    for (uint32_t r = 0; r < L; ++r) {
        float* row = &qkv[size_t(r) * W];
        for (uint32_t c = 0; c < W; ++c) row[c] = row[c] + p.bqkv[c];
        if (s.rotary) {  // q and k heads: x1' = x1 cos - x2 sin, x2' = x2 cos + x1 sin, each product rounded
            for (uint32_t h = 0; h < s.heads + s.kv_heads; ++h) {
                float* x1 = row + h * s.d_head;
                float* x2 = x1 + half;
                for (uint32_t i = 0; i < half; ++i) {
                    const float c = p.rotary_cos[size_t(r) * half + i], sn = p.rotary_sin[size_t(r) * half + i];
                    const float a = x1[i] * c, b = x2[i] * sn, e = x2[i] * c, f = x1[i] * sn;
                    x1[i] = a - b;
                    x2[i] = e + f;
                }
            }
        }
        for (uint32_t c = 0; c < W; ++c) act.qkv16[size_t(r) * W + c] = to_bf16(c < Q ? row[c] * scale : row[c]);
    }
    const AttentionProblem att{L, s.heads, s.kv_heads, s.d_head, 1, rows, s.array_cols};
    act.o16.resize(size_t(L) * Q);
    act.attention_stats.resize(size_t(2) * s.heads * L);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t h = 0; h < s.heads; ++h)
            flash_attention_row(att, act.qkv16, r, h, &act.o16[(size_t(r) * s.heads + h) * s.d_head],
                                &act.attention_stats[size_t(h) * L + r],
                                &act.attention_stats[size_t(s.heads + h) * L + r]);
    }
    return gemm(act.o16.data(), Q, p.wo.data(), D, false, L, D, Q, rows);
}

// The MLP from the residual stream h up to W2's output before its bias (FP32): norm 2, up (+ bias, GELU or SwiGLU,
// BF16), down. Fills act's b16, u16 and (GELU) z32.
inline std::vector<float> decoder_mlp_partial(const DecoderShape& s, const DecoderParams& p,
                                              const std::vector<float>& h32, DecoderActivations& act) {
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff, F1 = s.ff1(), rows = s.array_rows;
    act.b16 = normalize_bf16(h32, D, s.rmsnorm, p.ln2_gamma, p.ln2_beta, p.eps);
    const std::vector<float> u = gemm(act.b16.data(), D, p.w1.data(), F1, false, L, F1, D, rows);
    act.u16.resize(size_t(L) * F);
    act.z32.resize(size_t(L) * F1);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t c = 0; c < F; ++c) {
            if (s.swiglu) {
                const float gate = u[size_t(r) * F1 + c] + p.b1[c], up = u[size_t(r) * F1 + F + c] + p.b1[F + c];
                act.z32[size_t(r) * F1 + c] = gate;
                act.z32[size_t(r) * F1 + F + c] = up;
                act.u16[size_t(r) * F + c] = to_bf16(silu(gate) * up);
            } else {
                const float z = u[size_t(r) * F + c] + p.b1[c];
                act.z32[size_t(r) * F + c] = z;
                act.u16[size_t(r) * F + c] = to_bf16(gelu(z));
            }
        }
    }
    return gemm(act.u16.data(), F, p.w2.data(), D, false, L, D, F, rows);
}

// dst = (a + bias) + b, row by row (bias a row of d_model), as the layer's residual row passes add.
inline std::vector<float> add_bias_residual(const std::vector<float>& a, const std::vector<float>& bias,
                                            const std::vector<float>& b) {
    std::vector<float> out(a.size());
    for (size_t i = 0; i < a.size(); ++i) out[i] = (a[i] + bias[i % bias.size()]) + b[i];
    return out;
}

inline DecoderActivations decoder_forward(const DecoderShape& s, const DecoderParams& p, const std::vector<float>& x) {
    DecoderActivations act;
    act.h32 = add_bias_residual(decoder_attention_partial(s, p, x, act), p.bo, x);
    act.out = add_bias_residual(decoder_mlp_partial(s, p, act.h32, act), p.b2, act.h32);
    return act;
}

// The layer's gradients: weights in BF16 (as the kernel rounds them), the rest FP32 (no betas' with RMS norm).
struct DecoderGradients {
    std::vector<float> dx;
    std::vector<Bf16> dwqkv, dwo, dw1, dw2;
    std::vector<float> dbqkv, dbo, db1, db2, dln1_gamma, dln1_beta, dln2_gamma, dln2_beta;
};

// A norm's backward (layernorm, or RMS norm) over rows of d_model with a residual gradient added:
// dx = backward(x, dy) + residual, and dy * xhat (for dgamma).
inline void norm_backward_rows(bool rms, const std::vector<float>& x, const std::vector<float>& dy,
                               const std::vector<float>& gamma, const std::vector<float>& residual, float eps,
                               uint32_t cols, std::vector<float>& dx, std::vector<float>& dy_xhat) {
    dx.assign(x.size(), 0.0f);
    dy_xhat.assign(x.size(), 0.0f);
    for (size_t at = 0; at < x.size(); at += cols) {
        if (rms)
            rmsnorm_backward_row(&x[at], &dy[at], gamma.data(), eps, cols, &dx[at], &dy_xhat[at]);
        else
            layernorm_backward_row(&x[at], &dy[at], gamma.data(), eps, cols, &dx[at], &dy_xhat[at]);
        for (uint32_t c = 0; c < cols; ++c) dy_xhat[at + c] = dy[at + c] * dy_xhat[at + c];
        for (uint32_t c = 0; c < cols; ++c) dx[at + c] = dx[at + c] + residual[at + c];
    }
}

// dW = bf16(X^T dY): X seq x k_rows, dY seq x n (A transposed: the arithmetic of A = X^T stored as it is).
inline std::vector<Bf16> weight_gradient(const std::vector<Bf16>& x16, uint32_t k_rows, const std::vector<Bf16>& dy16,
                                         uint32_t n, uint32_t seq, uint32_t chunk) {
    const std::vector<Bf16> xt = transposed_bf16(x16, seq, k_rows);
    return to_bf16_all(gemm(xt.data(), seq, dy16.data(), n, false, k_rows, n, seq, chunk));
}

// npu_decoder_train's backward (kernels.h) given the forward's activations and d_out; `tiles`: the chip's, whose
// grouping the column sums follow.
inline DecoderGradients decoder_backward(const DecoderShape& s, const DecoderParams& p, const std::vector<float>& x,
                                         const DecoderActivations& act, const std::vector<float>& d_out,
                                         uint32_t tiles) {
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff, F1 = s.ff1(), W = s.width(), Q = s.q_width();
    const uint32_t rows = s.array_rows;
    DecoderGradients g;
    const std::vector<Bf16> dout16 = to_bf16_all(d_out);
    g.db2 = column_sums(d_out.data(), L, D, tiles);
    g.dw2 = weight_gradient(act.u16, F, dout16, D, L, rows);
    const std::vector<float> du = gemm(dout16.data(), D, p.w2.data(), D, true, L, F, D, rows);
    std::vector<float> dz(size_t(L) * F1);  // GELU: dz; SwiGLU: [dgate | dup] rows
    for (uint32_t r = 0; r < L; ++r) {
        const float* z = &act.z32[size_t(r) * F1];
        float* dz_row = &dz[size_t(r) * F1];
        for (uint32_t c = 0; c < F; ++c) {
            if (s.swiglu)
                swiglu_backward(z[c], z[F + c], du[size_t(r) * F + c], &dz_row[c], &dz_row[F + c]);
            else
                dz_row[c] = gelu_backward(z[c], du[size_t(r) * F + c]);
        }
    }
    const std::vector<Bf16> dz16 = to_bf16_all(dz);
    g.db1 = column_sums(dz.data(), L, F1, tiles);
    g.dw1 = weight_gradient(act.b16, D, dz16, F1, L, rows);
    const std::vector<float> db = gemm(dz16.data(), F1, p.w1.data(), F1, true, L, D, F1, rows);
    std::vector<float> dh, dy_xhat;
    norm_backward_rows(s.rmsnorm, act.h32, db, p.ln2_gamma, d_out, p.eps, D, dh, dy_xhat);
    g.dln2_gamma = column_sums(dy_xhat.data(), L, D, tiles);
    if (!s.rmsnorm) g.dln2_beta = column_sums(db.data(), L, D, tiles);
    g.dbo = column_sums(dh.data(), L, D, tiles);
    const std::vector<Bf16> dh16 = to_bf16_all(dh);
    g.dwo = weight_gradient(act.o16, Q, dh16, D, L, rows);
    const std::vector<Bf16> do16 = to_bf16_all(gemm(dh16.data(), D, p.wo.data(), D, true, L, Q, D, rows));
    const AttentionProblem att{L, s.heads, s.kv_heads, s.d_head, 1, rows, s.array_cols};
    std::vector<float> dpre = attention_backward_reference(att, act.qkv16, do16, act.o16, act.attention_stats);
    const float scale = 1.0f / std::sqrt(float(s.d_head));
    const uint32_t half = s.d_head / 2;
    for (uint32_t r = 0; r < L; ++r) {
        float* row = &dpre[size_t(r) * W];
        for (uint32_t h = 0; s.rotary && h < s.heads + s.kv_heads; ++h) {  // the forward's rotation transposed
            float* x1 = row + h * s.d_head;
            float* x2 = x1 + half;
            for (uint32_t i = 0; i < half; ++i) {
                const float c = p.rotary_cos[size_t(r) * half + i], sn = p.rotary_sin[size_t(r) * half + i];
                const float y1 = x1[i] * c + x2[i] * sn, y2 = x2[i] * c - x1[i] * sn;
                x1[i] = y1;
                x2[i] = y2;
            }
        }
        for (uint32_t c = 0; c < Q; ++c) row[c] = row[c] * scale;
    }
    const std::vector<Bf16> dpre16 = to_bf16_all(dpre);
    g.dbqkv = column_sums(dpre.data(), L, W, tiles);
    g.dwqkv = weight_gradient(act.a16, D, dpre16, W, L, rows);
    const std::vector<float> da = gemm(dpre16.data(), W, p.wqkv.data(), W, true, L, D, W, rows);
    norm_backward_rows(s.rmsnorm, x, da, p.ln1_gamma, dh, p.eps, D, g.dx, dy_xhat);
    g.dln1_gamma = column_sums(dy_xhat.data(), L, D, tiles);
    if (!s.rmsnorm) g.dln1_beta = column_sums(da.data(), L, D, tiles);
    return g;
}

}  // namespace reference

#endif
