/* Causal attention backward (see npuemu/kernels.h): the scratch, the mask, and the two short passes around the fused
 * main pass (attention_backward.c): -D = -rowsum(dO * O) per query row and head before it, dq = B_0 + B_1 + ... after
 * it. Each pass deals its units to the harts and double-buffers its loads; a barrier separates the passes. */
#include "attention_backward_internal.h"
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum { FLAG_ROW_LOADED = 0, FLAG_ROW_FREE, FLAG_ROW_OUT, FLAG_ROW_OUT_FREE }; /* the passes run alone: flags 0.. */

static uint32_t round_256(uint32_t bytes) { return (bytes + 255u) & ~255u; }

struct attn_bwd_scratch attn_bwd_scratch_of(const struct npu_attention_backward_args* a) {
    struct attn_bwd_scratch s;
    const uint32_t L = a->seq;
    s.bk = npu_flash_attention_block_keys();
    s.blocks = (L + s.bk - 1) / s.bk;
    s.kv_heads = a->kv_heads ? a->kv_heads : a->heads;
    /* Rows of B_1 .. B_{blocks-1}: sum over j of (L - j bk). */
    const uint32_t later = s.blocks - 1;
    s.term_rows_per_head = later * L - s.bk * (later * (later + 1) / 2);
    s.mask = a->scratch;
    s.neg_d = s.mask + npu_attention_backward_mask_bytes();
    s.terms = s.neg_d + round_256(a->heads * L * 4);
    return s;
}

uint32_t attn_bwd_term(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s, uint32_t h,
                       uint32_t j) {
    const uint32_t before = j - 1; /* blocks 1 .. j - 1 */
    const uint32_t rows = before * a->seq - s->bk * (before * (before + 1) / 2);
    return s->terms + (h * s->term_rows_per_head + rows) * a->d_head * 4;
}

uint32_t npu_attention_backward_mask_bytes(void) {
    const uint32_t bk = npu_flash_attention_block_keys();
    return bk * bk * 4;
}

uint32_t npu_attention_backward_scratch_bytes(const struct npu_attention_backward_args* a) {
    const struct attn_bwd_scratch s = attn_bwd_scratch_of(a);
    return s.terms - a->scratch + a->heads * s.term_rows_per_head * a->d_head * 4;
}

void npu_attention_backward_prepare(const struct npu_attention_backward_args* a, uint32_t hart, uint32_t harts) {
    /* mask[c][x] = -inf where key c lies after query x, else 0: rows of it are added to a diagonal step's scores,
     * which the main pass computes transposed (keys down, queries across). */
    const uint32_t bk = npu_flash_attention_block_keys();
    volatile uint32_t* mask = (volatile uint32_t*)(uintptr_t)a->scratch;
    for (uint32_t c = hart; c < bk; c += harts) {
        for (uint32_t x = 0; x < bk; ++x) mask[c * bk + x] = c > x ? 0xFF800000u : 0u;
    }
}

/* -D for every (head, row): units of `rows` rows of one head dealt round-robin; dO and O in BF16 through two
 * scratchpad buffers each, widened into the accumulator, multiplied, summed per row and negated. */
static void row_terms(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s, uint32_t hart,
                      uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t dh = a->d_head, L = a->seq;
    uint32_t rows = 4 * geo.rows, d_s[2], o_s[2], out_s, d32, o32, sum;
    for (;; rows /= 2) {
        struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo.scratchpad_bytes, geo.scratchpad_banks);
        struct local_alloc acc =
            local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo.accumulator_bytes, geo.accumulator_banks);
        for (uint32_t b = 0; b < 2; ++b) {
            d_s[b] = local_take(&sp, rows * dh * 2, 1);
            o_s[b] = local_take(&sp, rows * dh * 2, 1);
        }
        out_s = local_take(&sp, rows * 4, 0);
        d32 = local_take(&acc, rows * dh * 4, 1);
        o32 = local_take(&acc, rows * dh * 4, 1);
        sum = local_take(&acc, rows * 4, 0);
        if (!sp.failed && !acc.failed) break;
        if (rows == 1) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* d_head too big for the tile's memories */
    }
    const uint32_t blocks = (L + rows - 1) / rows, units = a->heads * blocks;
    npu_signal(NPU_QUEUE_DMA, FLAG_ROW_FREE);
    npu_signal(NPU_QUEUE_DMA, FLAG_ROW_FREE);
    npu_signal(NPU_QUEUE_VECTOR, FLAG_ROW_OUT_FREE);
    uint32_t pending_dst = 0, pending_n = 0, b = 0;
    for (uint32_t u = hart; u < units; u += harts, b ^= 1) {
        const uint32_t h = u / blocks, r0 = (u - h * blocks) * rows, n = min_u32(rows, L - r0);
        npu_wait(NPU_QUEUE_DMA, FLAG_ROW_FREE);
        dma_block(a->d_out + r0 * a->d_out_ld + h * dh * 2, a->d_out_ld, d_s[b], dh * 2, n, dh * 2);
        dma_block(a->out + r0 * a->out_ld + h * dh * 2, a->out_ld, o_s[b], dh * 2, n, dh * 2);
        npu_signal(NPU_QUEUE_DMA, FLAG_ROW_LOADED);
        if (pending_n) { /* the previous unit's -D, behind this unit's loads */
            npu_wait(NPU_QUEUE_DMA, FLAG_ROW_OUT);
            dma_block(out_s, pending_n * 4, pending_dst, pending_n * 4, 1, pending_n * 4);
            npu_signal(NPU_QUEUE_DMA, FLAG_ROW_OUT_FREE);
        }
        npu_wait(NPU_QUEUE_VECTOR, FLAG_ROW_LOADED);
        vx(dh, n, NPU_DTYPE_BF16, NPU_DTYPE_FP32, dh * 4, dh * 2, 0);
        npu_vx_convert(d32, d_s[b]);
        npu_vx_convert(o32, o_s[b]);
        npu_signal(NPU_QUEUE_VECTOR, FLAG_ROW_FREE);
        vx(dh, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, dh * 4, dh * 4, dh * 4);
        npu_vx_mul(d32, d32, o32);
        vx(dh, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, dh * 4, 0);
        npu_vx_rowsum(sum, d32);
        npu_wait(NPU_QUEUE_VECTOR, FLAG_ROW_OUT_FREE);
        vx(n, 1, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 0, 0, 0);
        npu_vx_mul_scalar(out_s, sum, float_bits(-1.0f));
        npu_signal(NPU_QUEUE_VECTOR, FLAG_ROW_OUT);
        pending_dst = s->neg_d + (h * L + r0) * 4;
        pending_n = n;
    }
    if (pending_n) {
        npu_wait(NPU_QUEUE_DMA, FLAG_ROW_OUT);
        dma_block(out_s, pending_n * 4, pending_dst, pending_n * 4, 1, pending_n * 4);
        npu_signal(NPU_QUEUE_DMA, FLAG_ROW_OUT_FREE);
    }
    npu_wait(NPU_QUEUE_DMA, FLAG_ROW_FREE);
    npu_wait(NPU_QUEUE_DMA, FLAG_ROW_FREE);
    npu_wait(NPU_QUEUE_VECTOR, FLAG_ROW_OUT_FREE);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}

/* dq = B_0 + B_1 + ... + B_J for the rows of key block J >= 1 of every query head (rows of block 0 have B_0 alone,
 * already in place): units (J, head), the largest J first, dealt to the harts in a snake; the sum in the
 * accumulator, the terms through two buffers beside it. */
static void dq_sums(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s, uint32_t hart,
                    uint32_t harts) {
    if (s->blocks < 2) return;
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t dh = a->d_head, bk = s->bk, bytes = bk * dh * 4;
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo.accumulator_bytes, geo.accumulator_banks);
    const uint32_t sum = local_take(&acc, bytes, 1), t0 = local_take(&acc, bytes, 1), t1 = local_take(&acc, bytes, 1);
    if (acc.failed) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* d_head too big for the accumulator */
    const uint32_t term_s[2] = {t0, t1}, units = a->heads * (s->blocks - 1);
    npu_signal(NPU_QUEUE_DMA, FLAG_ROW_FREE);
    npu_signal(NPU_QUEUE_DMA, FLAG_ROW_FREE);
    uint32_t t = 0; /* terms loaded so far: their buffer alternates */
    for (uint32_t round = 0;; ++round) {
        const uint32_t u = round * harts + ((round & 1) ? harts - 1 - hart : hart);
        if (u >= units) break;
        const uint32_t J = s->blocks - 1 - u / a->heads, h = u % a->heads;
        const uint32_t r0 = J * bk, n = min_u32(bk, a->seq - r0), dq = a->d_qkv + r0 * a->d_qkv_ld + h * dh * 4;
        dma_block(dq, a->d_qkv_ld, sum, dh * 4, n, dh * 4);
        npu_signal(NPU_QUEUE_DMA, FLAG_ROW_LOADED);
        npu_wait(NPU_QUEUE_VECTOR, FLAG_ROW_LOADED);
        vx(dh, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, dh * 4, dh * 4, dh * 4);
        for (uint32_t j = 1; j <= J; ++j) {
            const uint32_t b = t++ & 1;
            npu_wait(NPU_QUEUE_DMA, FLAG_ROW_FREE);
            dma_block(attn_bwd_term(a, s, h, j) + (r0 - j * bk) * dh * 4, dh * 4, term_s[b], dh * 4, n, dh * 4);
            npu_signal(NPU_QUEUE_DMA, FLAG_ROW_LOADED);
            npu_wait(NPU_QUEUE_VECTOR, FLAG_ROW_LOADED);
            npu_vx_add(sum, sum, term_s[b]);
            npu_signal(NPU_QUEUE_VECTOR, FLAG_ROW_FREE);
        }
        npu_signal(NPU_QUEUE_VECTOR, FLAG_ROW_OUT);
        npu_wait(NPU_QUEUE_DMA, FLAG_ROW_OUT);
        dma_block(sum, dh * 4, dq, a->d_qkv_ld, n, dh * 4);
    }
    npu_wait(NPU_QUEUE_DMA, FLAG_ROW_FREE);
    npu_wait(NPU_QUEUE_DMA, FLAG_ROW_FREE);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}

void npu_attention_backward(const struct npu_attention_backward_args* a, uint32_t hart, uint32_t harts) {
    const struct attn_bwd_scratch s = attn_bwd_scratch_of(a);
    if (s.kv_heads > a->heads || a->heads % s.kv_heads) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* heads per KV head */
    row_terms(a, &s, hart, harts);
    npu_barrier();
    attn_bwd_main_pass(a, &s, hart, harts);
    npu_barrier();
    dq_sums(a, &s, hart, harts);
    npu_barrier();
}
