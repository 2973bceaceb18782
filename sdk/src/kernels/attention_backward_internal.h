/* What the attention backward's passes (attention_backward.c: the fused main pass; attention_backward_passes.c: the
 * row terms before it, dq's sums after it, the scratch and the mask) share. Internal to the kernel library. */
#ifndef NPUEMU_KERNELS_ATTENTION_BACKWARD_INTERNAL_H
#define NPUEMU_KERNELS_ATTENTION_BACKWARD_INTERNAL_H

#include <stdint.h>

#include "npuemu/kernels.h"

/* The scratch: the mask (bk x bk FP32, -inf where the key's row lies after the query's column: the transpose of the
 * forward's), -D (heads x seq FP32), then per query head the dq terms B_j of key blocks j >= 1 (B_0 goes straight to
 * d_qkv): block j's rows [j bk, seq) x d_head FP32, block after block. */
struct attn_bwd_scratch {
    uint32_t bk, blocks, kv_heads;
    uint32_t mask, neg_d, terms, term_rows_per_head; /* rows of all of a head's B_j, j >= 1 */
};
struct attn_bwd_scratch attn_bwd_scratch_of(const struct npu_attention_backward_args* a);
/* Where B_j (j >= 1) of query head h starts (its row j bk). */
uint32_t attn_bwd_term(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s, uint32_t h,
                       uint32_t j);
/* The main pass: dk and dv into d_qkv, dq's B_0 into d_qkv and its B_j into the scratch. */
void attn_bwd_main_pass(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s, uint32_t hart,
                        uint32_t harts);

#endif
