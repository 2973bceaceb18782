/* The job block a host puts at DECODER_JOB_ADDRESS (npuemu run --load job.bin@0x81000000) to give
 * firmware/decoder_layer its layer: npu_decoder_args. Shared by the firmware and the host harness. */
#ifndef DECODER_JOB_H
#define DECODER_JOB_H

#include <stdint.h>

#define DECODER_JOB_ADDRESS 0x81000000u
#define DECODER_JOB_MAGIC 0x4C434544u /* "DECL" */
#define DECODER_JOB_VERSION 4u        /* 2: norm and swiglu; 3: rotary tables; 4: tp_coll */

/* Field for field the same as struct npu_decoder_args (sdk/include/npuemu/kernels.h); also the layer of
 * firmware/decoder_train's job (decoder_train_job.h). */
struct decoder_job_layer {
    uint32_t seq, d_model, heads, kv_heads, d_head, d_ff;
    uint32_t x, out;
    uint32_t ln1_gamma, ln1_beta, wqkv, bqkv, wo, bo;
    uint32_t ln2_gamma, ln2_beta, w1, b1, w2, b2;
    uint32_t eps_bits;
    uint32_t scratch;
    uint32_t phase_cycles;
    uint32_t norm, swiglu;
    uint32_t rotary_cos, rotary_sin;
    uint32_t tp_coll;
};

struct decoder_job {
    uint32_t magic, version;
    struct decoder_job_layer layer;
};

#endif
