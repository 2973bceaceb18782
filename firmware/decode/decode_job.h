/* The job block a host puts in global memory (npuemu run --load job.bin@0x81000000) to give firmware/decode its
 * problem: decode attention over a KV cache (npu_decode_attention). Shared by the firmware and the host harness
 * (tests/harness/decode_attention_check.cpp). */
#ifndef DECODE_JOB_H
#define DECODE_JOB_H

#include <stdint.h>

#define DECODE_JOB_ADDRESS 0x81000000u
#define DECODE_JOB_MAGIC 0x41434544u /* "DECA" */

struct decode_job {
    uint32_t magic;
    uint32_t batch, heads, kv_heads, d_head, ctx;
    uint32_t q, k, v, out; /* BF16: q, out batch x heads x d_head; k, v batch x kv_heads x ctx x d_head */
};

#endif
