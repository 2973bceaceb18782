/* The job block a host puts at ATTENTION_JOB_ADDRESS (npuemu run --load job.bin@0x81000000) to give
 * firmware/attention its problem: npu_flash_attention's arguments. Shared by the firmware and the host harness. */
#ifndef ATTENTION_JOB_H
#define ATTENTION_JOB_H

#include <stdint.h>

#define ATTENTION_JOB_ADDRESS 0x81000000u
#define ATTENTION_JOB_MAGIC 0x4E545441u /* "ATTN" */

/* Field for field the same as struct npu_flash_attention_args (sdk/include/npuemu/kernels.h). */
struct attention_job {
    uint32_t magic;
    uint32_t q, k, v, ld;
    uint32_t seq, heads, kv_heads, d_head;
    uint32_t causal, mask;
    uint32_t out, out_ld;
    uint32_t row_stats;
};

#endif
