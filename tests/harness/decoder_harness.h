// What the decoder layer's harnesses (decoder_check.cpp: the forward; decoder_train_check.cpp: forward and backward)
// share: the layer's random inputs and parameters, and filling a job block's layer fields (the same in
// firmware/decoder_layer's and firmware/decoder_train's jobs) with their places in global memory.
#ifndef NPUEMU_TESTS_HARNESS_DECODER_HARNESS_H
#define NPUEMU_TESTS_HARNESS_DECODER_HARNESS_H

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "firmware/decoder_layer/decoder_job.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"
#include "tests/harness/reference_decoder.h"

namespace harness {

// The layer's shape options both harnesses take, bound to `shape`: --seq, --d-model, --heads, --kv-heads, --d-head,
// --d-ff, --array-rows, --array-cols, and the 0|1 switches --rmsnorm, --swiglu, --rotary (Options binds integers:
// apply() copies them into the shape once the command line is parsed).
class DecoderShapeOptions {
public:
    DecoderShapeOptions(Options& options, reference::DecoderShape& shape) : shape_(shape) {
        options.add("--seq", shape.seq)
            .add("--d-model", shape.d_model)
            .add("--heads", shape.heads)
            .add("--kv-heads", shape.kv_heads)
            .add("--d-head", shape.d_head)
            .add("--d-ff", shape.d_ff)
            .add("--array-rows", shape.array_rows)
            .add("--array-cols", shape.array_cols)
            .add("--rmsnorm", rmsnorm_)
            .add("--swiglu", swiglu_)
            .add("--rotary", rotary_);
    }
    void apply() const {
        shape_.rmsnorm = rmsnorm_ != 0;
        shape_.swiglu = swiglu_ != 0;
        shape_.rotary = rotary_ != 0;
    }

private:
    reference::DecoderShape& shape_;
    uint32_t rmsnorm_ = 0, swiglu_ = 0, rotary_ = 0;
};

// The layer's input x (seq x d_model FP32) and parameters, drawn in this order from `random`; rotary tables as Llama 3
// makes them (theta 500000: position r, pair i at angle r * theta^(-2i / d_head)), used only with shape.rotary.
inline reference::DecoderParams random_decoder_inputs(RandomInputs& random, const reference::DecoderShape& s,
                                                      std::vector<float>& x) {
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff, W = s.width(), Q = s.q_width(), F1 = s.ff1();
    x = random.fp32(size_t(L) * D, 0, 1);
    reference::DecoderParams p;
    p.ln1_gamma = random.fp32(D, 1, 0.1f);
    p.ln1_beta = random.fp32(D, 0, 0.1f);
    p.wqkv = random.bf16(size_t(D) * W, 1 / std::sqrt(float(D)));
    p.bqkv = random.fp32(W, 0, 0.1f);
    p.wo = random.bf16(size_t(Q) * D, 1 / std::sqrt(float(Q)));
    p.bo = random.fp32(D, 0, 0.1f);
    p.ln2_gamma = random.fp32(D, 1, 0.1f);
    p.ln2_beta = random.fp32(D, 0, 0.1f);
    p.w1 = random.bf16(size_t(D) * F1, 1 / std::sqrt(float(D)));
    p.b1 = random.fp32(F1, 0, 0.1f);
    p.w2 = random.bf16(size_t(F) * D, 1 / std::sqrt(float(F)));
    p.b2 = random.fp32(D, 0, 0.1f);
    const uint32_t half = s.d_head / 2;
    p.rotary_cos.resize(size_t(L) * half);
    p.rotary_sin.resize(size_t(L) * half);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t i = 0; i < half; ++i) {
            const double angle = r * std::pow(500000.0, -2.0 * i / s.d_head);
            p.rotary_cos[size_t(r) * half + i] = static_cast<float>(std::cos(angle));
            p.rotary_sin[size_t(r) * half + i] = static_cast<float>(std::sin(angle));
        }
    }
    return p;
}

// The layer's fields of a decoder job block (decoder_job's or decoder_train_job's): its shape and options, and x and
// the parameters placed in global memory by `placer`.
inline void place_decoder_layer(decoder_job_layer& job, const reference::DecoderShape& s,
                                const reference::DecoderParams& p, const std::vector<float>& x, InputPlacer& placer) {
    job.seq = s.seq;
    job.d_model = s.d_model;
    job.heads = s.heads;
    job.kv_heads = s.kv_heads;
    job.d_head = s.d_head;
    job.d_ff = s.d_ff;
    job.norm = s.rmsnorm ? 3 : 0;  // NPU_ROWS_RMSNORM
    job.swiglu = s.swiglu;
    std::memcpy(&job.eps_bits, &p.eps, 4);
    auto place = [&](uint32_t& field, const auto& data, const char* name) { field = placer.place(data, name); };
    place(job.x, x, "x");
    place(job.ln1_gamma, p.ln1_gamma, "ln1_gamma");
    place(job.ln1_beta, p.ln1_beta, "ln1_beta");
    place(job.wqkv, p.wqkv, "wqkv");
    place(job.bqkv, p.bqkv, "bqkv");
    place(job.wo, p.wo, "wo");
    place(job.bo, p.bo, "bo");
    place(job.ln2_gamma, p.ln2_gamma, "ln2_gamma");
    place(job.ln2_beta, p.ln2_beta, "ln2_beta");
    place(job.w1, p.w1, "w1");
    place(job.b1, p.b1, "b1");
    place(job.w2, p.w2, "w2");
    place(job.b2, p.b2, "b2");
    if (s.rotary) {
        place(job.rotary_cos, p.rotary_cos, "rotary_cos");
        place(job.rotary_sin, p.rotary_sin, "rotary_sin");
    }
}

}  // namespace harness

#endif
