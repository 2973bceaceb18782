/* Attention over long sequences with an online softmax (see npuemu/kernels.h for the arithmetic).
 *
 * Work: units of (head, block of `rows` query rows) dealt round-robin to the harts, the costliest first (with a
 * causal mask, late query blocks see more keys). A unit walks the key/value blocks of BK = 4 array widths:
 *   DMA     Q once (two buffers, alternating between units); per block K_j and V_j (and, on the diagonal of a causal
 *           unit, the mask's rows) into buffer b; a unit's output is stored behind the next unit's first loads;
 *   MATRIX  S_j = Q K_j^T into score buffer j % 2 — issued one block ahead, so it overlaps the vector's softmax of
 *           block j - 1 — then, when P_j is ready, O += P_j V_j;
 *   VECTOR  the online softmax of S_j (running max m and sum l per row, O rescaled by exp(m_old - m_new)), P_j in
 *           BF16; at the unit's end O / l in BF16, which the DMA stores.
 * Semaphores (20..31): LOADED[b] / FREE[b] (DMA <-> MATRIX: K/V buffer b), S_READY[s] / S_FREE[s] (MATRIX <->
 * VECTOR: score buffer s), P_READY (VECTOR -> MATRIX), PV_DONE (MATRIX -> VECTOR: O holds P_j V_j), OUT / OUT_FREE
 * (VECTOR <-> DMA: the unit's BF16 output). FREE, S_FREE and OUT_FREE start with one credit each, taken back at
 * the end. */
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum {
    FLAG_LOADED = 20,  /* + buffer */
    FLAG_FREE = 22,    /* + buffer */
    FLAG_S_READY = 24, /* + score buffer */
    FLAG_S_FREE = 26,  /* + score buffer */
    FLAG_P_READY = 28,
    FLAG_PV_DONE = 29,
    FLAG_OUT = 30,
    FLAG_OUT_FREE = 31,
};

#ifndef QUERY_BLOCKS
#define QUERY_BLOCKS 2u
#endif

struct flash_plan {
    uint32_t rows, bk;                                      /* query rows per unit, keys per block */
    uint32_t q_s[2], k_s[2], v_s[2], mask_s[2], p_s, o16_s; /* scratchpad; Q alternates between units */
    uint32_t stats_s;                                       /* -m and 1/l of a unit's rows (row_stats), rows apart */
    uint32_t m[2], mj, l, lj, alpha;                        /* scratchpad: one FP32 per row each */
    uint32_t s_acc[2], o_acc;                               /* accumulator */
};

uint32_t npu_flash_attention_block_keys(void) { return 4 * npu_read_geometry().cols; }

uint32_t npu_flash_attention_mask_bytes(void) {
    const uint32_t bk = npu_flash_attention_block_keys();
    return bk * bk * 4;
}

void npu_flash_attention_prepare(const struct npu_flash_attention_args* a, uint32_t hart, uint32_t harts) {
    if (!a->causal) return;
    /* mask[r][c] = -inf where key c lies after query r, else 0: rows of it are added to the diagonal blocks' scores. */
    const uint32_t bk = npu_flash_attention_block_keys();
    volatile uint32_t* mask = (volatile uint32_t*)(uintptr_t)a->mask;
    for (uint32_t r = hart; r < bk; r += harts) {
        for (uint32_t c = 0; c < bk; ++c) mask[r * bk + c] = c > r ? 0xFF800000u : 0u;
    }
}

static int layout(const struct npu_flash_attention_args* a, const struct npu_geometry* geo, int own_banks,
                  struct flash_plan* p) {
    const uint32_t dh = a->d_head, rows = p->rows, bk = p->bk;
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    for (uint32_t b = 0; b < 2; ++b) {
        p->k_s[b] = local_take(&sp, bk * dh * 2, own_banks);
        p->v_s[b] = local_take(&sp, bk * dh * 2, own_banks);
    }
    p->q_s[0] = local_take(&sp, rows * dh * 2, own_banks);
    p->q_s[1] = local_take(&sp, rows * dh * 2, own_banks);
    p->p_s = local_take(&sp, rows * bk * 2, own_banks);
    for (uint32_t b = 0; b < 2; ++b) p->mask_s[b] = a->causal ? local_take(&sp, rows * bk * 4, 0) : 0;
    p->o16_s = local_take(&sp, rows * dh * 2, 0);
    p->stats_s = a->row_stats ? local_take(&sp, 2 * rows * 4, 0) : 0;
    p->m[0] = local_take(&sp, rows * 4, 0);
    p->m[1] = local_take(&sp, rows * 4, 0);
    p->mj = local_take(&sp, rows * 4, 0);
    p->l = local_take(&sp, rows * 4, 0);
    p->lj = local_take(&sp, rows * 4, 0);
    p->alpha = local_take(&sp, rows * 4, 0);
    p->s_acc[0] = local_take(&acc, rows * bk * 4, own_banks);
    p->s_acc[1] = local_take(&acc, rows * bk * 4, own_banks);
    p->o_acc = local_take(&acc, rows * dh * 4, own_banks);
    return !sp.failed && !acc.failed;
}

/* MATRIX: S_j = Q K_j^T into score buffer s (keys in groups of the array's width, d_head in chunks of its rows). */
static void scores(const struct flash_plan* p, const struct npu_geometry* geo, uint32_t q_s, uint32_t dh, uint32_t n,
                   uint32_t b, uint32_t s, uint32_t kb) {
    npu_wait(NPU_QUEUE_MATRIX, FLAG_LOADED + b);
    npu_wait(NPU_QUEUE_MATRIX, FLAG_S_FREE + s);
    npu_mx_config(NPU_DTYPE_BF16, dh * 2, p->bk * 4);
    for (uint32_t g = 0; g < kb; g += geo->cols) {
        for (uint32_t c = 0; c < dh; c += geo->rows) {
            npu_mx_load_weights(p->k_s[b] + (g * dh + c) * 2, min_u32(geo->rows, dh - c), min_u32(geo->cols, kb - g), 1,
                                dh * 2);
            npu_mx_matmul(q_s + c * 2, p->s_acc[s] + g * 4, n, c > 0);
        }
    }
    npu_signal(NPU_QUEUE_MATRIX, FLAG_S_READY + s);
}

/* MATRIX: O (+)= P_j V_j, d_head in groups of the array's width, the block's keys in chunks of its rows. */
static void values(const struct flash_plan* p, const struct npu_geometry* geo, uint32_t dh, uint32_t n, uint32_t b,
                   uint32_t kb, int first) {
    npu_wait(NPU_QUEUE_MATRIX, FLAG_P_READY);
    npu_mx_config(NPU_DTYPE_BF16, p->bk * 2, dh * 4);
    for (uint32_t g = 0; g < dh; g += geo->cols) {
        for (uint32_t c = 0; c < kb; c += geo->rows) {
            npu_mx_load_weights(p->v_s[b] + (c * dh + g) * 2, min_u32(geo->rows, kb - c), min_u32(geo->cols, dh - g), 0,
                                dh * 2);
            npu_mx_matmul(p->p_s + c * 2, p->o_acc + g * 4, n, !first || c > 0);
        }
    }
    npu_signal(NPU_QUEUE_MATRIX, FLAG_PV_DONE);
    npu_signal(NPU_QUEUE_MATRIX, FLAG_FREE + b);
}

/* VECTOR: the online softmax of block j in score buffer s; m_old / m_new: indices into p->m. */
static void softmax_step(const struct flash_plan* p, uint32_t dh, uint32_t n, uint32_t s, uint32_t b, uint32_t kb,
                         uint32_t j, int masked) {
    const uint32_t x = p->s_acc[s], ld = p->bk * 4, m_old = p->m[(j + 1) & 1], m_new = p->m[j & 1];
    npu_wait(NPU_QUEUE_VECTOR, FLAG_S_READY + s);
    if (masked) {
        vx(kb, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, ld, ld, ld);
        npu_vx_add(x, x, p->mask_s[b]);
    }
    vx(kb, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, ld, 0);
    npu_vx_rowmax(j == 0 ? m_new : p->mj, x);
    vx(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 4);
    if (j > 0) npu_vx_max(m_new, m_old, p->mj);
    vx(kb, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, ld, ld, 4);
    npu_vx_sub_rowb(x, x, m_new);
    npu_vx_exp(x, x);
    vx(kb, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, ld, 0);
    npu_vx_rowsum(j == 0 ? p->l : p->lj, x);
    if (j > 0) {
        vx(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 4);
        npu_vx_sub(p->alpha, m_old, m_new);
        npu_vx_exp(p->alpha, p->alpha);
        npu_vx_mul(p->l, p->l, p->alpha);
        npu_vx_add(p->l, p->l, p->lj);
        /* O holds P_{j-1} V_{j-1} once the matrix is done with it: rescale it to the new maximum. */
        npu_wait(NPU_QUEUE_VECTOR, FLAG_PV_DONE);
        vx(dh, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, dh * 4, dh * 4, 4);
        npu_vx_mul_rowb(p->o_acc, p->o_acc, p->alpha);
    }
    vx(kb, n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, p->bk * 2, ld, 0);
    npu_vx_convert(p->p_s, x);
    npu_signal(NPU_QUEUE_VECTOR, FLAG_S_FREE + s);
    npu_signal(NPU_QUEUE_VECTOR, FLAG_P_READY);
}

/* A unit's BF16 output, ready (or about to be) in o16_s, that the DMA has yet to store (and its row statistics to
 * stats_dst, planes stats_plane bytes apart, unless 0). */
struct pending_output {
    int pending;
    uint32_t dst, dst_ld, rows, stats_dst, stats_plane;
};

static void store_output(const struct flash_plan* p, struct pending_output* st, uint32_t dh) {
    npu_wait(NPU_QUEUE_DMA, FLAG_OUT);
    dma_block(p->o16_s, dh * 2, st->dst, st->dst_ld, st->rows, dh * 2);
    if (st->stats_dst) dma_block(p->stats_s, p->rows * 4, st->stats_dst, st->stats_plane, 2, st->rows * 4);
    npu_signal(NPU_QUEUE_DMA, FLAG_OUT_FREE);
    st->pending = 0;
}

void npu_flash_attention(const struct npu_flash_attention_args* a, uint32_t hart, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    struct flash_plan p;
    /* Query blocks of up to QUERY_BLOCKS array heights (each key block loaded serves them all), dividing the key
     * block (a query block then ends inside one key block: the causal mask's rows); fewer while they do not fit. */
    p.bk = 4 * geo.cols;
    uint32_t rows = min_u32(QUERY_BLOCKS * geo.rows, p.bk);
    while (p.bk % rows) rows /= 2;
    for (;; rows /= 2) {
        p.rows = rows;
        if (layout(a, &geo, 1, &p) || layout(a, &geo, 0, &p)) break;
        if (rows == 1) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* d_head too big for the scratchpad */
    }
    const uint32_t kv_heads = a->kv_heads ? a->kv_heads : a->heads;
    if (kv_heads > a->heads || a->heads % kv_heads) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* heads per KV head */
    const uint32_t L = a->seq, dh = a->d_head, group = a->heads / kv_heads;
    const uint32_t q_blocks = (L + p.rows - 1) / p.rows, units = a->heads * q_blocks;

    for (uint32_t b = 0; b < 2; ++b) npu_signal(NPU_QUEUE_MATRIX, FLAG_FREE + b);
    for (uint32_t s = 0; s < 2; ++s) npu_signal(NPU_QUEUE_VECTOR, FLAG_S_FREE + s);
    npu_signal(NPU_QUEUE_DMA, FLAG_OUT_FREE);
    uint32_t buffer = 0, score = 0; /* next K/V buffer and score buffer */
    struct pending_output store = {0, 0, 0, 0, 0, 0};
    for (uint32_t u = hart; u < units; u += harts) {
        /* The latest query blocks first: with a causal mask they see the most keys. */
        const uint32_t qb = q_blocks - 1 - u / a->heads, h = u % a->heads, kvh = h / group;
        const uint32_t r0 = qb * p.rows, n = min_u32(p.rows, L - r0);
        const uint32_t key_end = a->causal ? min_u32(L, r0 + n) : L, blocks = (key_end + p.bk - 1) / p.bk;
        const uint32_t q_col = h * dh * 2, kv_col = kvh * dh * 2;
        const uint32_t q_s = p.q_s[(u / harts) & 1];
        dma_block(a->q + r0 * a->ld + q_col, a->ld, q_s, dh * 2, n, dh * 2);
        /* DMA of block j into buffer bufs[j % 2]; the matrix's scores run one block ahead of its values. */
        uint32_t bufs[2], scores_of[2];
        for (uint32_t j = 0; j < blocks + 1; ++j) {
            /* Issue order per step: the loads of block j, the softmax of block j - 1 (before the matrix's work, so
             * the vector unit has it queued while the core waits on a full matrix queue), S_j, then P_{j-1} V. */
            if (j < blocks) {
                const uint32_t b = buffer, k0 = j * p.bk, kb = min_u32(p.bk, L - k0);
                buffer ^= 1;
                bufs[j & 1] = b;
                npu_wait(NPU_QUEUE_DMA, FLAG_FREE + b);
                dma_block(a->k + k0 * a->ld + kv_col, a->ld, p.k_s[b], dh * 2, kb, dh * 2);
                dma_block(a->v + k0 * a->ld + kv_col, a->ld, p.v_s[b], dh * 2, kb, dh * 2);
                if (a->causal && j == blocks - 1) {
                    dma_block(a->mask + (r0 - k0) * p.bk * 4, p.bk * 4, p.mask_s[b], p.bk * 4, n, p.bk * 4);
                }
                npu_signal(NPU_QUEUE_DMA, FLAG_LOADED + b);
                /* The previous unit's output goes out behind this unit's first loads, which need not wait for it. */
                if (j == 0 && store.pending) store_output(&p, &store, dh);
            }
            if (j > 0) {
                const uint32_t i = j - 1, kb = min_u32(p.bk, L - i * p.bk);
                softmax_step(&p, dh, n, scores_of[i & 1], bufs[i & 1], kb, i, a->causal && i == blocks - 1);
            }
            if (j < blocks) {
                scores_of[j & 1] = score;
                scores(&p, &geo, q_s, dh, n, bufs[j & 1], score, min_u32(p.bk, L - j * p.bk));
                score ^= 1;
            }
            if (j > 0) {
                const uint32_t i = j - 1;
                values(&p, &geo, dh, n, bufs[i & 1], min_u32(p.bk, L - i * p.bk), i == 0);
            }
        }
        /* VECTOR: O / l in BF16; DMA: out. */
        npu_wait(NPU_QUEUE_VECTOR, FLAG_PV_DONE);
        vx(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
        npu_vx_recip(p.lj, p.l);
        vx(dh, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, dh * 4, dh * 4, 4);
        npu_vx_mul_rowb(p.o_acc, p.o_acc, p.lj);
        npu_wait(NPU_QUEUE_VECTOR, FLAG_OUT_FREE);
        vx(dh, n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, dh * 2, dh * 4, 0);
        npu_vx_convert(p.o16_s, p.o_acc);
        if (a->row_stats) { /* -m and 1/l for the backward (x -1 and x 1: exact) */
            vx(n, 1, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 0, 0, 0);
            npu_vx_mul_scalar(p.stats_s, p.m[(blocks - 1) & 1], float_bits(-1.0f));
            npu_vx_mul_scalar(p.stats_s + p.rows * 4, p.lj, float_bits(1.0f));
        }
        npu_signal(NPU_QUEUE_VECTOR, FLAG_OUT);
        const uint32_t stats = a->row_stats ? a->row_stats + (h * L + r0) * 4 : 0;
        store = (struct pending_output){1, a->out + r0 * a->out_ld + h * dh * 2, a->out_ld, n, stats, a->heads * L * 4};
    }
    if (store.pending) store_output(&p, &store, dh);
    for (uint32_t b = 0; b < 2; ++b) npu_wait(NPU_QUEUE_DMA, FLAG_FREE + b);
    for (uint32_t s = 0; s < 2; ++s) npu_wait(NPU_QUEUE_MATRIX, FLAG_S_FREE + s);
    npu_wait(NPU_QUEUE_VECTOR, FLAG_OUT_FREE);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
}
