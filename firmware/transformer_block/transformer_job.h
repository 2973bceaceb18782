/* The job block a host puts at TRANSFORMER_JOB_ADDRESS (npuemu run --load job.bin@0x81000000) to give
 * firmware/transformer_block its layer: shapes, the addresses of its inputs and where the output goes. */
#ifndef TRANSFORMER_JOB_H
#define TRANSFORMER_JOB_H

#include <stdint.h>

#define TRANSFORMER_JOB_ADDRESS 0x81000000u
#define TRANSFORMER_JOB_MAGIC 0x4B4C4254u /* "TBLK" */

/* Field for field the same as struct npu_transformer_args (sdk/include/npuemu/kernels.h). */
struct transformer_job {
    uint32_t magic;
    uint32_t seq, d_model, heads, d_ff;
    uint32_t x;
    uint32_t wqkv, bqkv, wo, bo, w1, b1, w2, b2;
    uint32_t gamma1, beta1, gamma2, beta2;
    uint32_t eps_bits;
    uint32_t out;
    uint32_t scratch;
    uint32_t phase_cycles; /* 0: the host asks for no per-phase cycles */
    uint32_t ffn2_k_splits;
};

#endif
