/* One op of a model layer besides its GEMMs, on every tile (the job block in layer_ops_job.h), for npuemu profile: a
 * row pass, a backward row pass, a column sum or the attention backward, through the SDK's public entry points. Hart
 * 0 prints the op's cycles: from a barrier before it to the barrier after it (the attention backward's prepare, which
 * writes its mask once per sequence length, runs before). */
#include <stdio.h>

#include "layer_ops_job.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

static const char* op_name(uint32_t op) {
    return op == LAYER_OPS_ROWS            ? "rows"
           : op == LAYER_OPS_ROWS_BACKWARD ? "rows_backward"
           : op == LAYER_OPS_COLUMN_SUMS   ? "column_sums"
                                           : "attention_backward";
}

static struct npu_rows_args rows_args(const struct layer_ops_job* j) {
    const struct npu_rows_args r = {.src = j->src,
                                    .src_ld = j->src_ld,
                                    .rows = j->rows,
                                    .cols = j->cols,
                                    .bias = j->bias,
                                    .residual = j->residual,
                                    .residual_ld = j->residual_ld,
                                    .residual_dtype = j->residual_dtype,
                                    .scale_bits = j->scale_bits,
                                    .scale_cols = j->scale_cols,
                                    .activation = j->activation,
                                    .op = j->row_op,
                                    .gamma = j->gamma,
                                    .beta = j->beta,
                                    .eps_bits = j->eps_bits,
                                    .dst_fp32 = j->dst_fp32,
                                    .dst_fp32_ld = j->dst_fp32_ld,
                                    .dst_bf16 = j->dst_bf16,
                                    .dst_bf16_ld = j->dst_bf16_ld,
                                    .mul_src = j->mul_src,
                                    .mul_ld = j->mul_ld};
    return r;
}

static struct npu_rows_backward_args rows_backward_args(const struct layer_ops_job* j) {
    const struct npu_rows_backward_args r = {.op = j->backward_op,
                                             .x = j->x,
                                             .dy = j->dy,
                                             .rows = j->rows,
                                             .cols = j->cols,
                                             .gamma = j->backward_gamma,
                                             .eps_bits = j->eps_bits,
                                             .residual = j->backward_residual,
                                             .dx = j->dx,
                                             .dx_bf16 = j->dx_bf16,
                                             .sum_dy = j->sum_dy,
                                             .sum_dy_xhat = j->sum_dy_xhat,
                                             .sum_dx = j->sum_dx,
                                             .sum_partials = j->partials};
    return r;
}

static struct npu_attention_backward_args attention_backward_args(const struct layer_ops_job* j) {
    const struct npu_attention_backward_args a = {.qkv = j->qkv,
                                                  .ld = j->qkv_ld,
                                                  .seq = j->rows,
                                                  .heads = j->heads,
                                                  .kv_heads = j->kv_heads,
                                                  .d_head = j->d_head,
                                                  .d_out = j->d_out,
                                                  .d_out_ld = j->d_out_ld,
                                                  .out = j->out,
                                                  .out_ld = j->out_ld,
                                                  .row_stats = j->row_stats,
                                                  .d_qkv = j->d_qkv,
                                                  .d_qkv_ld = j->d_qkv_ld,
                                                  .scratch = j->scratch};
    return a;
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct layer_ops_job* job = (const struct layer_ops_job*)(uintptr_t)LAYER_OPS_JOB_ADDRESS;
    if (job->magic != LAYER_OPS_JOB_MAGIC || job->version != LAYER_OPS_JOB_VERSION || job->bytes != sizeof *job ||
        job->op < LAYER_OPS_ROWS || job->op > LAYER_OPS_ATTENTION_BACKWARD) {
        if (hart == 0) {
            printf("layer_ops: no job of version %u (%u bytes) at 0x%x (magic 0x%x, version %u, %u bytes, op %u)\n",
                   (unsigned)LAYER_OPS_JOB_VERSION, (unsigned)sizeof *job, (unsigned)LAYER_OPS_JOB_ADDRESS,
                   (unsigned)job->magic, (unsigned)job->version, (unsigned)job->bytes, (unsigned)job->op);
        }
        return 2;
    }
    const struct npu_attention_backward_args attention = attention_backward_args(job);
    if (job->op == LAYER_OPS_ATTENTION_BACKWARD) {
        /* The scratch's size is the kernel's to say; the host put it last, below memory_end. */
        const uint64_t end = (uint64_t)job->scratch + npu_attention_backward_scratch_bytes(&attention);
        if (end > job->memory_end) {
            if (hart == 0) {
                printf("layer_ops: the attention backward's scratch (%u bytes from 0x%x) does not fit below 0x%x\n",
                       (unsigned)npu_attention_backward_scratch_bytes(&attention), (unsigned)job->scratch,
                       (unsigned)job->memory_end);
            }
            return 3;
        }
        npu_attention_backward_prepare(&attention, hart, harts);
    }
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    if (job->op == LAYER_OPS_ROWS) {
        const struct npu_rows_args r = rows_args(job);
        npu_rows(&r, hart, harts);
    } else if (job->op == LAYER_OPS_ROWS_BACKWARD) {
        const struct npu_rows_backward_args r = rows_backward_args(job);
        npu_rows_backward(&r, hart, harts);
    } else if (job->op == LAYER_OPS_COLUMN_SUMS) {
        const struct npu_column_sums_args c = {job->x, job->rows, job->cols, job->dx, job->partials};
        npu_column_sums(&c, hart, harts);
    } else {
        npu_attention_backward(&attention, hart, harts);
    }
    npu_barrier();
    if (hart == 0) {
        printf("layer_ops %s %u x %u on %u tiles: %llu cycles\n", op_name(job->op), (unsigned)job->rows,
               (unsigned)job->cols, (unsigned)harts, (unsigned long long)(npu_read_mcycle() - start));
    }
    return 0;
}
