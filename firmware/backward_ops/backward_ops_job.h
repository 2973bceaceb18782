/* The job block a host puts in global memory (npuemu run --load job.bin@0x81000000) to give firmware/backward_ops
 * one backward row pass (npu_rows_backward) or column sum (npu_column_sums). Shared by the firmware and
 * tests/harness/backward_check.cpp. */
#ifndef BACKWARD_OPS_JOB_H
#define BACKWARD_OPS_JOB_H

#include <stdint.h>

#define BACKWARD_OPS_JOB_ADDRESS 0x81000000u
#define BACKWARD_OPS_JOB_MAGIC 0x4B574242u /* "BBWK" */
#define BACKWARD_OPS_JOB_VERSION 2u
#define BACKWARD_OPS_COLUMN_SUMS 100u /* op: npu_column_sums (else an NPU_BACKWARD_* op of npu_rows_backward) */
#define BACKWARD_OPS_ATTENTION 101u   /* op: npu_attention_backward (rows: the sequence) */

struct backward_ops_job {
    uint32_t magic, version, bytes; /* bytes: sizeof the block, checked */
    uint32_t op, rows, cols;
    uint32_t x, dy, gamma, eps_bits, residual;   /* npu_rows_backward's inputs */
    uint32_t dx, dx_bf16, dy_xhat;               /* its outputs */
    uint32_t partials;                           /* npu_column_sums: x summed into dx, partials its scratch */
    uint32_t heads, d_head, qkv, d_out, scratch; /* npu_attention_backward: d_qkv to dx (FP32) */
    uint32_t out, row_stats, kv_heads;           /* its forward's output and row statistics; kv_heads 0: heads */
};

#endif
