/* The job block a host puts in global memory (npuemu run --load job.bin@0x81000000) to give firmware/layer_ops one
 * of a model layer's ops besides its GEMMs, as npuemu profile times them (docs/profile.md): a row pass (npu_rows), a
 * backward row pass (npu_rows_backward), a column sum (npu_column_sums) or the attention backward
 * (npu_attention_backward). Each kind's fields are its SDK arguments (sdk/include/npuemu/kernels.h); 0 leaves a step
 * out. Shared by the firmware and cli/profile. */
#ifndef LAYER_OPS_JOB_H
#define LAYER_OPS_JOB_H

#include <stdint.h>

#define LAYER_OPS_JOB_ADDRESS 0x81000000u
#define LAYER_OPS_JOB_MAGIC 0x504F594Cu /* "LYOP" */
#define LAYER_OPS_JOB_VERSION 2u

enum { LAYER_OPS_ROWS = 1, LAYER_OPS_ROWS_BACKWARD = 2, LAYER_OPS_COLUMN_SUMS = 3, LAYER_OPS_ATTENTION_BACKWARD = 4 };

struct layer_ops_job {
    uint32_t magic, version, bytes; /* bytes: sizeof the block, checked */
    uint32_t op;                    /* LAYER_OPS_* */
    uint32_t rows, cols;
    uint32_t memory_end; /* one past the global memory the job may use: the attention backward's scratch must fit */
    /* LAYER_OPS_ROWS (npu_rows) */
    uint32_t src, src_ld, bias, residual, residual_ld, residual_dtype, scale_bits, scale_cols, activation, row_op;
    uint32_t gamma, beta, eps_bits, dst_fp32, dst_fp32_ld, dst_bf16, dst_bf16_ld, mul_src, mul_ld;
    /* LAYER_OPS_ROWS_BACKWARD (npu_rows_backward; dense rows of cols) and LAYER_OPS_COLUMN_SUMS (x summed into dx) */
    uint32_t backward_op, x, dy, backward_gamma, backward_residual, dx, dx_bf16;
    uint32_t sum_dy, sum_dy_xhat, sum_dx, partials;
    /* LAYER_OPS_ATTENTION_BACKWARD (rows: the sequence; out and row_stats: the forward's output and its rows' -m, 1/l),
     * the scratch last: npu_attention_backward_scratch_bytes() */
    uint32_t qkv, qkv_ld, heads, kv_heads, d_head, d_out, d_out_ld, out, out_ld, row_stats, d_qkv, d_qkv_ld, scratch;
};

#endif
