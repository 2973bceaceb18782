// The host reference of npu_decoder_layer run tensor-parallel over chips (tp_coll): each rank's shard of the layer
// (Megatron's split) and the SDK's BF16 ring all-reduce of the row-parallel outputs (npuemu/collectives.h's summation
// order), built on the one-chip reference (reference_decoder.h). Used by decoder_check --tp.
#ifndef NPUEMU_TESTS_HARNESS_REFERENCE_DECODER_TP_H
#define NPUEMU_TESTS_HARNESS_REFERENCE_DECODER_TP_H

#include <cstdint>
#include <vector>

#include "tests/harness/reference_decoder.h"

namespace reference {

// Columns [first, first + count) of a rows x cols row-major matrix, into columns [out_first, ...) of out (rows x
// out_cols, sized on first use).
template <typename T>
void copy_columns(const std::vector<T>& m, uint32_t rows, uint32_t cols, uint32_t first, uint32_t count,
                  std::vector<T>& out, uint32_t out_cols, uint32_t out_first) {
    if (out.empty()) out.resize(size_t(rows) * out_cols);
    for (uint32_t r = 0; r < rows; ++r) {
        for (uint32_t c = 0; c < count; ++c)
            out[size_t(r) * out_cols + out_first + c] = m[size_t(r) * cols + first + c];
    }
}

// Rank `rank` of `ranks` (Megatron's split): its heads and KV heads (Wqkv's q, k and v columns, bqkv), Wo's rows of
// its heads, its d_ff share of W1's columns (gate and up halves alike) and b1, W2's rows; the rest whole.
inline DecoderParams decoder_shard(const DecoderShape& s, const DecoderParams& p, uint32_t rank, uint32_t ranks,
                                   DecoderShape& rank_shape) {
    rank_shape = s;
    rank_shape.heads = s.heads / ranks;
    rank_shape.kv_heads = s.kv_heads / ranks;
    rank_shape.d_ff = s.d_ff / ranks;
    const uint32_t D = s.d_model, dh = s.d_head, W = s.width(), Wr = rank_shape.width();
    const uint32_t q = rank_shape.heads * dh, kv = rank_shape.kv_heads * dh, F = s.d_ff, Fr = rank_shape.d_ff;
    DecoderParams r = p;
    r.wqkv.clear();
    r.bqkv.clear();
    const uint32_t firsts[3] = {rank * q, s.heads * dh + rank * kv, (s.heads + s.kv_heads) * dh + rank * kv};
    const uint32_t counts[3] = {q, kv, kv}, at[3] = {0, q, q + kv};
    for (int part = 0; part < 3; ++part) {
        copy_columns(p.wqkv, D, W, firsts[part], counts[part], r.wqkv, Wr, at[part]);
        copy_columns(p.bqkv, 1, W, firsts[part], counts[part], r.bqkv, Wr, at[part]);
    }
    r.wo.assign(p.wo.begin() + size_t(rank) * q * D, p.wo.begin() + size_t(rank + 1) * q * D);
    r.w1.clear();
    r.b1.clear();
    const uint32_t halves = s.swiglu ? 2 : 1;
    for (uint32_t half = 0; half < halves; ++half) {
        copy_columns(p.w1, D, s.ff1(), half * F + rank * Fr, Fr, r.w1, rank_shape.ff1(), half * Fr);
        copy_columns(p.b1, 1, s.ff1(), half * F + rank * Fr, Fr, r.b1, rank_shape.ff1(), half * Fr);
    }
    r.w2.assign(p.w2.begin() + size_t(rank) * Fr * D, p.w2.begin() + size_t(rank + 1) * Fr * D);
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

// The all-reduced BF16 sum of the ranks' FP32 partials (each rounded to BF16 by its GEMM), widened to FP32.
inline std::vector<float> all_reduced(const std::vector<std::vector<float>>& partials, uint32_t tiles) {
    std::vector<std::vector<Bf16>> rounded;
    for (const auto& partial : partials) rounded.push_back(to_bf16_all(partial));
    const std::vector<Bf16> sum = ring_all_reduce_bf16(rounded, tiles);
    std::vector<float> out(sum.size());
    for (size_t i = 0; i < sum.size(); ++i) out[i] = to_float(sum[i]);
    return out;
}

// The layer's output (seq x d_model FP32) over `ranks` tensor-parallel chips of `tiles` tiles each (every chip's
// output is the same): the residual passes add (x + bias) + sum.
inline std::vector<float> decoder_forward_tp(const DecoderShape& s, const DecoderParams& p, const std::vector<float>& x,
                                             uint32_t ranks, uint32_t tiles) {
    std::vector<DecoderShape> shapes(ranks);
    std::vector<DecoderParams> shards;
    for (uint32_t r = 0; r < ranks; ++r) shards.push_back(decoder_shard(s, p, r, ranks, shapes[r]));
    std::vector<DecoderActivations> acts(ranks);
    std::vector<std::vector<float>> partials;
    for (uint32_t r = 0; r < ranks; ++r)
        partials.push_back(decoder_attention_partial(shapes[r], shards[r], x, acts[r]));
    const std::vector<float> h = add_bias_residual(x, p.bo, all_reduced(partials, tiles));
    partials.clear();
    for (uint32_t r = 0; r < ranks; ++r) partials.push_back(decoder_mlp_partial(shapes[r], shards[r], h, acts[r]));
    return add_bias_residual(h, p.b2, all_reduced(partials, tiles));
}

}  // namespace reference

#endif
