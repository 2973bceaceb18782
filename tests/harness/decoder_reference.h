// The host reference of npu_decoder_layer (sdk/include/npuemu/kernels.h): the layer's documented steps with the
// kernels' arithmetic (reference_math.h), on one chip or as tensor-parallel ranks whose row-parallel outputs are
// all-reduced in BF16 by the SDK's ring (npuemu/collectives.h's summation order). Used by decoder_check.
#ifndef NPUEMU_TESTS_HARNESS_DECODER_REFERENCE_H
#define NPUEMU_TESTS_HARNESS_DECODER_REFERENCE_H

#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/harness/reference_math.h"

namespace decoder_reference {

using reference::Bf16;
using reference::to_bf16;
using reference::to_float;

struct Shape {
    uint32_t seq = 40, d_model = 48, heads = 3, kv_heads = 1, d_head = 16, d_ff = 72;
    bool rmsnorm = false, swiglu = false, rotary = false;
    uint32_t width() const { return (heads + 2 * kv_heads) * d_head; }
    uint32_t up_width() const { return swiglu ? 2 * d_ff : d_ff; }  // W1 = [W_gate | W_up] with SwiGLU
};

struct Weights {
    std::vector<float> x, ln1_gamma, ln1_beta;
    std::vector<Bf16> wqkv;
    std::vector<float> bqkv;
    std::vector<Bf16> wo;
    std::vector<float> bo, ln2_gamma, ln2_beta;
    std::vector<Bf16> w1;
    std::vector<float> b1;
    std::vector<Bf16> w2;
    std::vector<float> b2, rotary_cos, rotary_sin;
};

// Columns [first, first + count) of a rows x cols row-major matrix, appended to out.
template <typename T>
void append_columns(const std::vector<T>& m, uint32_t rows, uint32_t cols, uint32_t first, uint32_t count,
                    std::vector<T>& out, uint32_t out_cols, uint32_t out_first) {
    if (out.empty()) out.resize(size_t(rows) * out_cols);
    for (uint32_t r = 0; r < rows; ++r) {
        for (uint32_t c = 0; c < count; ++c)
            out[size_t(r) * out_cols + out_first + c] = m[size_t(r) * cols + first + c];
    }
}

// Rank `rank` of `ranks` (Megatron's split): its heads and KV heads (Wqkv's q, k and v columns, bqkv), Wo's rows of
// its heads, its d_ff share of W1's columns (gate and up halves alike) and b1, W2's rows; the rest whole.
inline Weights shard(const Shape& s, const Weights& w, uint32_t rank, uint32_t ranks, Shape& rank_shape) {
    rank_shape = s;
    rank_shape.heads = s.heads / ranks;
    rank_shape.kv_heads = s.kv_heads / ranks;
    rank_shape.d_ff = s.d_ff / ranks;
    const uint32_t D = s.d_model, dh = s.d_head, W = s.width(), Wr = rank_shape.width();
    const uint32_t q = rank_shape.heads * dh, kv = rank_shape.kv_heads * dh, F = s.d_ff, Fr = rank_shape.d_ff;
    Weights r = w;
    r.wqkv.clear();
    r.bqkv.clear();
    const uint32_t firsts[3] = {rank * q, s.heads * dh + rank * kv, (s.heads + s.kv_heads) * dh + rank * kv};
    const uint32_t counts[3] = {q, kv, kv}, at[3] = {0, q, q + kv};
    for (int part = 0; part < 3; ++part) {
        append_columns(w.wqkv, D, W, firsts[part], counts[part], r.wqkv, Wr, at[part]);
        append_columns(w.bqkv, 1, W, firsts[part], counts[part], r.bqkv, Wr, at[part]);
    }
    r.wo.assign(w.wo.begin() + size_t(rank) * q * D, w.wo.begin() + size_t(rank + 1) * q * D);
    r.w1.clear();
    r.b1.clear();
    const uint32_t halves = s.swiglu ? 2 : 1;
    for (uint32_t half = 0; half < halves; ++half) {
        append_columns(w.w1, D, s.up_width(), half * F + rank * Fr, Fr, r.w1, rank_shape.up_width(), half * Fr);
        append_columns(w.b1, 1, s.up_width(), half * F + rank * Fr, Fr, r.b1, rank_shape.up_width(), half * Fr);
    }
    r.w2.assign(w.w2.begin() + size_t(rank) * Fr * D, w.w2.begin() + size_t(rank + 1) * Fr * D);
    return r;
}

// The SDK's BF16 ring all-reduce of one buffer per chip: each of `tiles` harts' slices cut in segments, segment s
// summed x[s+1] + x[s+2] + ... + x[s+chips] left to right, every addition in FP32 rounded to BF16.
inline std::vector<Bf16> ring_all_reduce_bf16(const std::vector<std::vector<Bf16>>& x, uint32_t tiles) {
    const uint64_t n = x[0].size(), chips = x.size();
    std::vector<Bf16> sum(n);
    for (uint64_t h = 0; h < tiles; ++h) {
        const uint64_t first = n * h / tiles, length = n * (h + 1) / tiles - first;
        for (uint64_t s = 0; s < chips; ++s) {
            for (uint64_t e = first + length * s / chips; e < first + length * (s + 1) / chips; ++e) {
                Bf16 acc = x[(s + 1) % chips][e];
                for (uint64_t i = 2; i <= chips; ++i) acc = to_bf16(to_float(acc) + to_float(x[(s + i) % chips][e]));
                sum[e] = acc;
            }
        }
    }
    return sum;
}

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
            reference::rmsnorm_row(&x[r * cols], cols, gamma.data(), eps);
        else
            reference::layernorm_row(&x[r * cols], cols, gamma.data(), beta.data(), eps);
    }
    return to_bf16_all(x);
}

// The attention block of one rank up to Wo's output (FP32, no bias): norm 1, QKV (+ bias, rotary, q scaled, BF16),
// causal flash attention, o Wo.
inline std::vector<float> attention_partial(const Shape& s, const Weights& w, float eps, uint32_t rows, uint32_t cols) {
    const uint32_t L = s.seq, D = s.d_model, W = s.width(), Q = s.heads * s.d_head, half = s.d_head / 2;
    const std::vector<Bf16> a16 = normalize_bf16(w.x, D, s.rmsnorm, w.ln1_gamma, w.ln1_beta, eps);
    std::vector<float> qkv = reference::gemm(a16.data(), D, w.wqkv.data(), W, false, L, W, D, rows);
    const float scale = 1.0f / std::sqrt(float(s.d_head));
    std::vector<Bf16> qkv16(qkv.size());
    for (uint32_t r = 0; r < L; ++r) {
        float* row = &qkv[size_t(r) * W];
        for (uint32_t c = 0; c < W; ++c) row[c] = row[c] + w.bqkv[c];
        if (s.rotary) {  // q and k heads: x1' = x1 cos - x2 sin, x2' = x2 cos + x1 sin, each product rounded
            for (uint32_t h = 0; h < s.heads + s.kv_heads; ++h) {
                float* x1 = row + h * s.d_head;
                float* x2 = x1 + half;
                for (uint32_t i = 0; i < half; ++i) {
                    const float c = w.rotary_cos[size_t(r) * half + i], sn = w.rotary_sin[size_t(r) * half + i];
                    const float a = x1[i] * c, b = x2[i] * sn, e = x2[i] * c, f = x1[i] * sn;
                    x1[i] = a - b;
                    x2[i] = e + f;
                }
            }
        }
        for (uint32_t c = 0; c < W; ++c) qkv16[size_t(r) * W + c] = to_bf16(c < Q ? row[c] * scale : row[c]);
    }
    const reference::AttentionProblem att{L, s.heads, s.kv_heads, s.d_head, 1, rows, cols};
    std::vector<Bf16> o16(size_t(L) * Q);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t h = 0; h < s.heads; ++h)
            reference::flash_attention_row(att, qkv16, r, h, &o16[(size_t(r) * s.heads + h) * s.d_head]);
    }
    return reference::gemm(o16.data(), Q, w.wo.data(), D, false, L, D, Q, rows);
}

// The MLP of one rank up to W2's output (FP32, no bias), from h: norm 2, up (+ bias, GELU or SwiGLU, BF16), down.
inline std::vector<float> mlp_partial(const Shape& s, const Weights& w, const std::vector<float>& h, float eps,
                                      uint32_t rows) {
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff, F1 = s.up_width();
    const std::vector<Bf16> b16 = normalize_bf16(h, D, s.rmsnorm, w.ln2_gamma, w.ln2_beta, eps);
    std::vector<float> u = reference::gemm(b16.data(), D, w.w1.data(), F1, false, L, F1, D, rows);
    std::vector<Bf16> u16(size_t(L) * F);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t c = 0; c < F; ++c) {
            if (s.swiglu) {
                const float gate = u[size_t(r) * F1 + c] + w.b1[c], up = u[size_t(r) * F1 + F + c] + w.b1[F + c];
                u16[size_t(r) * F + c] = to_bf16(reference::silu(gate) * up);
            } else {
                u16[size_t(r) * F + c] = to_bf16(reference::gelu(u[size_t(r) * F + c] + w.b1[c]));
            }
        }
    }
    return reference::gemm(u16.data(), F, w.w2.data(), D, false, L, D, F, rows);
}

// dst = (a + bias) + b, row by row (bias a row of d_model), as a residual row pass adds.
inline std::vector<float> add_bias_residual(const std::vector<float>& a, const std::vector<float>& bias,
                                            const std::vector<float>& b) {
    std::vector<float> out(a.size());
    for (size_t i = 0; i < a.size(); ++i) out[i] = (a[i] + bias[i % bias.size()]) + b[i];
    return out;
}

// The all-reduced BF16 sum of the ranks' FP32 partials (each rounded to BF16 by its GEMM), widened to FP32.
inline std::vector<float> reduced(const std::vector<std::vector<float>>& partials, uint32_t tiles) {
    std::vector<std::vector<Bf16>> rounded;
    for (const auto& p : partials) rounded.push_back(to_bf16_all(p));
    const std::vector<Bf16> sum = ring_all_reduce_bf16(rounded, tiles);
    std::vector<float> out(sum.size());
    for (size_t i = 0; i < sum.size(); ++i) out[i] = to_float(sum[i]);
    return out;
}

// The layer's output (seq x d_model FP32): on one chip (ranks 1), or over `ranks` tensor-parallel chips of `tiles`
// tiles each (every chip's output is the same).
inline std::vector<float> layer(const Shape& s, const Weights& w, uint32_t ranks, uint32_t tiles, float eps,
                                uint32_t rows, uint32_t cols) {
    if (ranks == 1) {
        const std::vector<float> h = add_bias_residual(attention_partial(s, w, eps, rows, cols), w.bo, w.x);
        return add_bias_residual(mlp_partial(s, w, h, eps, rows), w.b2, h);
    }
    std::vector<Shape> shapes(ranks);
    std::vector<Weights> shards;
    for (uint32_t r = 0; r < ranks; ++r) shards.push_back(shard(s, w, r, ranks, shapes[r]));
    std::vector<std::vector<float>> partials;
    for (uint32_t r = 0; r < ranks; ++r) partials.push_back(attention_partial(shapes[r], shards[r], eps, rows, cols));
    const std::vector<float> h = add_bias_residual(w.x, w.bo, reduced(partials, tiles));
    partials.clear();
    for (uint32_t r = 0; r < ranks; ++r) partials.push_back(mlp_partial(shapes[r], shards[r], h, eps, rows));
    return add_bias_residual(h, w.b2, reduced(partials, tiles));
}

}  // namespace decoder_reference

#endif
