/* One backward row pass, column sum or attention backward on every tile (the job block in backward_ops_job.h), for the host harness that
 * checks it bit for bit (tests/harness/backward_check.cpp). Hart 0 prints the cycles. */
#include <stdio.h>

#include "backward_ops_job.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct backward_ops_job* job = (const struct backward_ops_job*)(uintptr_t)BACKWARD_OPS_JOB_ADDRESS;
    if (job->magic != BACKWARD_OPS_JOB_MAGIC || job->version != BACKWARD_OPS_JOB_VERSION || job->bytes != sizeof *job) {
        if (hart == 0) {
            printf("backward_ops: no job of version %u (%u bytes) at 0x%x (magic 0x%x, version %u, %u bytes)\n",
                   (unsigned)BACKWARD_OPS_JOB_VERSION, (unsigned)sizeof *job, (unsigned)BACKWARD_OPS_JOB_ADDRESS,
                   (unsigned)job->magic, (unsigned)job->version, (unsigned)job->bytes);
        }
        return 2;
    }
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    if (job->op == BACKWARD_OPS_ATTENTION) {
        const uint32_t kv_heads = job->kv_heads ? job->kv_heads : job->heads, q_width = job->heads * job->d_head;
        const uint32_t width = q_width + 2 * kv_heads * job->d_head;
        const struct npu_attention_backward_args a = {.qkv = job->qkv,
                                                      .ld = width * 2,
                                                      .seq = job->rows,
                                                      .heads = job->heads,
                                                      .kv_heads = kv_heads,
                                                      .d_head = job->d_head,
                                                      .d_out = job->d_out,
                                                      .d_out_ld = q_width * 2,
                                                      .out = job->out,
                                                      .out_ld = q_width * 2,
                                                      .row_stats = job->row_stats,
                                                      .d_qkv = job->dx,
                                                      .d_qkv_ld = width * 4,
                                                      .scratch = job->scratch};
        npu_attention_backward_prepare(&a, hart, harts);
        npu_barrier();
        npu_attention_backward(&a, hart, harts);
    } else if (job->op == BACKWARD_OPS_COLUMN_SUMS) {
        const struct npu_column_sums_args c = {job->x, job->rows, job->cols, job->dx, job->partials};
        npu_column_sums(&c, hart, harts);
    } else {
        const struct npu_rows_backward_args r = {.op = job->op,
                                                 .x = job->x,
                                                 .dy = job->dy,
                                                 .rows = job->rows,
                                                 .cols = job->cols,
                                                 .gamma = job->gamma,
                                                 .eps_bits = job->eps_bits,
                                                 .residual = job->residual,
                                                 .dx = job->dx,
                                                 .dx_bf16 = job->dx_bf16,
                                                 .dy_xhat = job->dy_xhat};
        npu_rows_backward(&r, hart, harts);
    }
    npu_barrier();
    if (hart == 0) {
        printf("backward_ops op %u, %u x %u on %u tiles: %llu cycles\n", (unsigned)job->op, (unsigned)job->rows,
               (unsigned)job->cols, (unsigned)harts, (unsigned long long)(npu_read_mcycle() - start));
    }
    return 0;
}
