/* Causal multi-head attention backward (see npuemu/kernels.h), correctness first: per head, the existing kernels in
 * turn on all harts, a barrier between dependent steps, the seq x seq matrices through global memory. Attention is a
 * small share of a layer's FLOPs at the lengths of training (~3% at seq 2048), so this is not yet fused. The five
 * GEMMs have the same shapes for every head: they are planned once per call (planning costs a few thousand cycles). */
#include "kernel_common.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

uint32_t npu_attention_backward_scratch_bytes(const struct npu_attention_backward_args* a) {
    const uint32_t square = a->seq * a->seq;
    return square * 4 * 3 + square * 2 * 2; /* mask, S then P, dP; P and dS in BF16 */
}

void npu_attention_backward_prepare(const struct npu_attention_backward_args* a, uint32_t hart, uint32_t harts) {
    /* The causal mask: row r holds 0 up to column r and -inf after it. */
    float* mask = (float*)(uintptr_t)a->scratch;
    const uint32_t share = (a->seq + harts - 1) / harts;
    const uint32_t r0 = min_u32(hart * share, a->seq), r1 = min_u32(r0 + share, a->seq);
    const float minus_infinity = -__builtin_inff();
    for (uint32_t r = r0; r < r1; ++r) {
        for (uint32_t c = 0; c < a->seq; ++c) mask[r * a->seq + c] = c <= r ? 0.0f : minus_infinity;
    }
}

/* The five GEMMs of a head (the same shapes for every head: planned once per call). */
struct attention_backward_gemms {
    struct npu_gemm_args s, dp, dq, dk, dv;
};

static struct attention_backward_gemms attention_backward_gemms_of(const struct npu_attention_backward_args* a,
                                                                   uint32_t h) {
    const uint32_t L = a->seq, dh = a->d_head, head_bytes = dh * 2, square = L * L;
    const uint32_t mask = a->scratch, s32 = mask + square * 4, dp32 = s32 + square * 4;
    const uint32_t p16 = dp32 + square * 4, ds16 = p16 + square * 2;
    const uint32_t q = a->qkv + h * head_bytes, k = a->qkv + (a->heads + h) * head_bytes;
    const uint32_t v = a->qkv + (2 * a->heads + h) * head_bytes, d_out = a->d_out + h * head_bytes;
    const uint32_t dq = a->d_qkv + h * dh * 4, dk = a->d_qkv + (a->heads + h) * dh * 4;
    const uint32_t dv = a->d_qkv + (2 * a->heads + h) * dh * 4;
    struct attention_backward_gemms g;
    g.s = gemm_args(q, a->ld, k, a->ld, s32, L * 4, L, L, dh); /* S = q k^T */
    g.s.b_transposed = 1;
    g.dp = gemm_args(d_out, a->d_out_ld, v, a->ld, dp32, L * 4, L, L, dh); /* dP = dO v^T */
    g.dp.b_transposed = 1;
    g.dq = gemm_args(ds16, L * 2, k, a->ld, dq, a->d_qkv_ld, L, dh, L); /* dq = dS k */
    g.dk = gemm_args(ds16, L * 2, q, a->ld, dk, a->d_qkv_ld, L, dh, L); /* dk = dS^T q */
    g.dk.a_transposed = 1;
    g.dv = gemm_args(p16, L * 2, d_out, a->d_out_ld, dv, a->d_qkv_ld, L, dh, L); /* dv = P^T dO */
    g.dv.a_transposed = 1;
    return g;
}

void npu_attention_backward(const struct npu_attention_backward_args* a, uint32_t hart, uint32_t harts) {
    const uint32_t L = a->seq, square = L * L;
    const uint32_t mask = a->scratch, s32 = mask + square * 4, dp32 = s32 + square * 4;
    const uint32_t p16 = dp32 + square * 4, ds16 = p16 + square * 2;
    struct attention_backward_gemms g = attention_backward_gemms_of(a, 0);
    struct npu_gemm_plan plan_s, plan_dp, plan_dq, plan_dk, plan_dv;
    npu_gemm_plan(&g.s, harts, &plan_s);
    npu_gemm_plan(&g.dp, harts, &plan_dp);
    npu_gemm_plan(&g.dq, harts, &plan_dq);
    npu_gemm_plan(&g.dk, harts, &plan_dk);
    npu_gemm_plan(&g.dv, harts, &plan_dv);
    for (uint32_t h = 0; h < a->heads; ++h) {
        g = attention_backward_gemms_of(a, h);
        /* S = q k^T; P = softmax(S + mask), FP32 and BF16. */
        npu_gemm_planned(&g.s, &plan_s, hart, harts);
        npu_barrier();
        struct npu_rows_args r = rows_of(s32, L, L);
        r.src_more = mask;
        r.src_more_count = 1;
        r.op = NPU_ROWS_SOFTMAX;
        r.dst_fp32 = s32;
        r.dst_fp32_ld = L * 4;
        r.dst_bf16 = p16;
        r.dst_bf16_ld = L * 2;
        rows_all(&r, hart, harts);
        /* dP = dO v^T; dS = softmax backward (P, dP) in BF16. */
        npu_gemm_planned(&g.dp, &plan_dp, hart, harts);
        npu_barrier();
        const struct npu_rows_backward_args sb = {
            NPU_BACKWARD_SOFTMAX, s32, dp32, L, L, 0, 0, 0, 0, ds16, 0, 0, 0, 0, 0};
        npu_rows_backward(&sb, hart, harts);
        npu_barrier();
        /* dq = dS k; dk = dS^T q; dv = P^T dO (the transposed operands through the DMA's transposer). */
        npu_gemm_planned(&g.dq, &plan_dq, hart, harts);
        npu_gemm_planned(&g.dk, &plan_dk, hart, harts);
        npu_gemm_planned(&g.dv, &plan_dv, hart, harts);
        npu_barrier();
    }
}
