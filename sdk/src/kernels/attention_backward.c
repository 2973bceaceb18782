/* The causal attention backward's fused main pass (see npuemu/kernels.h; the passes around it and the scratch are in
 * attention_backward_passes.c). A unit is one KV head's block of BK keys: K and V stay in the scratchpad, dK and dV
 * accumulate in the accumulator, and the group's query rows stream past in steps of BQ rows, from the block's
 * diagonal on (a diagonal step computes only the keys its queries see). Everything is computed transposed, keys
 * down: the array's activations are then K, V, P^T and dS^T as they lie, and the row statistics are per column.
 * A step, per unit:
 *   MATRIX  M1: S^T = K Q^T;  M2: dP^T = V dO^T;  M3: dV += P16^T dO;  M4: dK += dS16^T Q;  M5: dQ = dS16 K (into
 *           S^T's buffer, free by then)
 *   VECTOR  V1: P^T = exp(S^T + -m) * (1/l) (a diagonal step adds the mask first), P16^T;
 *           V2: dS^T = (dP^T + -D) * P^T, dS16^T. Each operation writes another accumulator bank than it reads
 *           (S^T -> T -> S^T -> T, P^T staying in T; dP^T -> S^T's buffer -> dP^T): one that reads and writes a
 *           bank holds it twice as long.
 *   DMA     Q, dO and the step's -m, 1/l, -D in (two buffers); D1: dS16 = the transpose of dS16^T (the transposer,
 *           scratchpad to scratchpad); dQ out (B_0 to d_qkv, B_j to the scratch); at a unit's end dV and dK out; the
 *           next unit's K and V in (two buffers).
 * Steps follow each other across units; the matrix runs M2_i, M1_{i+1}, M3_i, M4_i, M5_i, so the vector's V1_{i+1}
 * has its scores while M3_i .. M5_i run. Counting semaphores (a producer and its consumer walk the same ring) order
 * the queues; every wait is issued after the signal it needs, so no queue can wait on work the core has not issued. */
#include "attention_backward_internal.h"
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum {
    BW_IN_LOADED_MX, /* DMA -> MATRIX: a step's Q and dO */
    BW_IN_LOADED_VX, /* DMA -> VECTOR: its statistics (and, on the first step, the mask) */
    BW_IN_FREE_MX,   /* MATRIX -> DMA: Q and dO read (M4) */
    BW_IN_FREE_VX,   /* VECTOR -> DMA: statistics read (V2) */
    BW_KV_LOADED,
    BW_KV_FREE,
    BW_S_READY,
    BW_S_FREE,
    BW_DP_READY,
    BW_DP_FREE,
    BW_P_READY,
    BW_P_FREE,
    BW_DST_READY_MX,
    BW_DST_READY_DMA,
    BW_DST_FREE_MX,
    BW_DST_FREE_DMA,
    BW_DS_READY,
    BW_DS_FREE,
    BW_DQ_READY, /* MATRIX -> DMA; the DMA gives S_FREE once dQ is out */
    BW_DV_DONE,
    BW_DV_FREE,
    BW_DK_DONE,
    BW_DK_FREE,
};

struct bwd_plan {
    uint32_t bk, bq, dh;
    uint32_t k_s[2], v_s[2], q_s[2], do_s[2], stats_s[2], pt_s[2], dst_s[2], ds_s[2], mask_s; /* scratchpad */
    uint32_t s_acc[2], dp_acc, t_acc, dk_acc, dv_acc;                                         /* accumulator */
};

/* Buffers that work at the same time in banks of their own where they fit (own_banks), else packed. */
static int bwd_layout(const struct npu_geometry* geo, int own, struct bwd_plan* p) {
    const uint32_t bk = p->bk, bq = p->bq, dh = p->dh;
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    for (uint32_t b = 0; b < 2; ++b) {
        p->k_s[b] = local_take(&sp, bk * dh * 2, own);
        p->v_s[b] = local_take(&sp, bk * dh * 2, 0);
    }
    /* P^T of step i shares a bank with dO of step i + 1, dS^T with Q of step i + 1: each is loaded into the array's
     * shadow weights while the other one's bank is idle. */
    for (uint32_t b = 0; b < 2; ++b) {
        p->pt_s[b] = local_take(&sp, bk * bq * 2, own);
        p->do_s[b ^ 1] = local_take(&sp, bq * dh * 2, 0);
    }
    for (uint32_t b = 0; b < 2; ++b) {
        p->dst_s[b] = local_take(&sp, bk * bq * 2, own);
        p->q_s[b ^ 1] = local_take(&sp, bq * dh * 2, 0);
    }
    p->ds_s[0] = local_take(&sp, bq * bk * 2, own);
    p->stats_s[0] = local_take(&sp, 3 * bq * 4, 0);
    p->stats_s[1] = local_take(&sp, 3 * bq * 4, 0);
    p->mask_s = local_take(&sp, bq * bq * 4, 0);
    p->ds_s[1] = local_take(&sp, bq * bk * 2, own);
    p->dk_acc = local_take(&acc, bk * dh * 4, own);
    p->dv_acc = local_take(&acc, bk * dh * 4, own);
    const uint32_t scores = bq * (bk > dh ? bk : dh) * 4; /* S^T, later dQ */
    p->s_acc[0] = local_take(&acc, scores, own);
    p->s_acc[1] = local_take(&acc, scores, own);
    p->dp_acc = local_take(&acc, bk * bq * 4, own);
    p->t_acc = local_take(&acc, bk * bq * 4, own);
    return !sp.failed && !acc.failed;
}

/* One step: query head h's rows [q0, q0 + n) against unit (g, block at k0 of kb keys). Key rows [0, rows) are
 * computed; [tri, rows) get the mask (a diagonal step), [fresh, rows) their first contribution to dK and dV. */
struct bwd_step {
    uint32_t h, g, j, k0, kb, q0, n, rows, tri, fresh;
    uint32_t unit;   /* the hart's unit count so far: K and V buffer unit & 1 */
    uint32_t round;  /* the deal's round that gave the hart this unit */
    int first, last; /* the unit's first and last step */
    uint32_t step;   /* the hart's step count: every other ring's buffer */
};

/* Walks the hart's steps: units (j, g) in order of j (the largest blocks first: a block sees the queries after
 * it), dealt to the harts in a snake; per unit, the group's heads in order and each head's query blocks. */
struct bwd_cursor {
    uint32_t round, units, group, unit_count, step_count;
    uint32_t g, j, k0, kb, hh, q0;
    int valid;
};

static void cursor_unit(struct bwd_cursor* c, const struct npu_attention_backward_args* a,
                        const struct attn_bwd_scratch* s, uint32_t hart, uint32_t harts) {
    const uint32_t u = c->round * harts + ((c->round & 1) ? harts - 1 - hart : hart);
    c->valid = u < c->units;
    if (!c->valid) return;
    c->j = u / s->kv_heads;
    c->g = u - c->j * s->kv_heads;
    c->k0 = c->j * s->bk;
    c->kb = min_u32(s->bk, a->seq - c->k0);
    c->hh = 0;
    c->q0 = c->k0;
}

static struct bwd_step cursor_step(const struct bwd_cursor* c, const struct npu_attention_backward_args* a,
                                   uint32_t bq) {
    struct bwd_step st;
    st.g = c->g;
    st.h = c->g * c->group + c->hh;
    st.j = c->j;
    st.k0 = c->k0;
    st.kb = c->kb;
    st.q0 = c->q0;
    st.n = min_u32(bq, a->seq - c->q0);
    const int diagonal = c->q0 < c->k0 + c->kb;
    st.tri = diagonal ? c->q0 - c->k0 : c->kb;
    st.rows = diagonal ? min_u32(c->kb, st.tri + st.n) : c->kb;
    st.fresh = (c->hh == 0 && diagonal) ? st.tri : st.rows;
    st.first = c->hh == 0 && c->q0 == c->k0;
    st.last = c->hh + 1 == c->group && c->q0 + bq >= a->seq;
    st.unit = c->unit_count;
    st.round = c->round;
    st.step = c->step_count;
    return st;
}

static void cursor_advance(struct bwd_cursor* c, const struct npu_attention_backward_args* a,
                           const struct attn_bwd_scratch* s, uint32_t bq, uint32_t hart, uint32_t harts) {
    ++c->step_count;
    c->q0 += bq;
    if (c->q0 < a->seq) return;
    c->q0 = c->k0;
    if (++c->hh < c->group) return;
    ++c->round;
    ++c->unit_count;
    cursor_unit(c, a, s, hart, harts);
}

/* The first step of the unit after st's (0: st's is the hart's last). */
static int next_unit_step(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s,
                          const struct bwd_cursor* c, const struct bwd_step* st, uint32_t hart, uint32_t harts,
                          uint32_t bq, struct bwd_step* out) {
    struct bwd_cursor peek = *c;
    peek.round = st->round + 1;
    peek.unit_count = st->unit + 1;
    cursor_unit(&peek, a, s, hart, harts);
    if (peek.valid) *out = cursor_step(&peek, a, bq);
    return peek.valid;
}

/* ---- DMA ---------------------------------------------------------------------------------------------------------- */

static void load_kv(const struct npu_attention_backward_args* a, const struct bwd_plan* p, const struct bwd_step* st) {
    const uint32_t b = st->unit & 1, dh = p->dh, kv_heads = a->kv_heads ? a->kv_heads : a->heads;
    const uint32_t k = a->qkv + st->k0 * a->ld + (a->heads + st->g) * dh * 2, v = k + kv_heads * dh * 2;
    npu_wait(NPU_QUEUE_DMA, BW_KV_FREE);
    dma_block(k, a->ld, p->k_s[b], dh * 2, st->kb, dh * 2);
    dma_block(v, a->ld, p->v_s[b], dh * 2, st->kb, dh * 2);
    npu_signal(NPU_QUEUE_DMA, BW_KV_LOADED);
}

static void load_inputs(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s,
                        const struct bwd_plan* p, const struct bwd_step* st) {
    const uint32_t b = st->step & 1, dh = p->dh, L = a->seq, row = st->h * L + st->q0;
    npu_wait(NPU_QUEUE_DMA, BW_IN_FREE_MX);
    npu_wait(NPU_QUEUE_DMA, BW_IN_FREE_VX);
    dma_block(a->qkv + st->q0 * a->ld + st->h * dh * 2, a->ld, p->q_s[b], dh * 2, st->n, dh * 2);
    dma_block(a->d_out + st->q0 * a->d_out_ld + st->h * dh * 2, a->d_out_ld, p->do_s[b], dh * 2, st->n, dh * 2);
    dma_block(a->row_stats + row * 4, a->heads * L * 4, p->stats_s[b], p->bq * 4, 2, st->n * 4); /* -m, 1/l */
    dma_block(s->neg_d + row * 4, st->n * 4, p->stats_s[b] + 2 * p->bq * 4, st->n * 4, 1, st->n * 4);
    npu_signal(NPU_QUEUE_DMA, BW_IN_LOADED_MX);
    npu_signal(NPU_QUEUE_DMA, BW_IN_LOADED_VX);
}

/* D1: dS16 (n x rows) = the transpose of dS16^T (rows x n). */
static void transpose_ds(const struct bwd_plan* p, const struct bwd_step* st) {
    const uint32_t b = st->step & 1;
    npu_wait(NPU_QUEUE_DMA, BW_DST_READY_DMA);
    npu_wait(NPU_QUEUE_DMA, BW_DS_FREE);
    dma_block_transposed(p->dst_s[b], p->bq * 2, p->ds_s[b], p->bk * 2, st->rows, st->n * 2, 2);
    npu_signal(NPU_QUEUE_DMA, BW_DS_READY);
    npu_signal(NPU_QUEUE_DMA, BW_DST_FREE_DMA);
}

static void store_dq(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s,
                     const struct bwd_plan* p, const struct bwd_step* st) {
    const uint32_t dh = p->dh;
    uint32_t dst = a->d_qkv + st->q0 * a->d_qkv_ld + st->h * dh * 4, ld = a->d_qkv_ld;
    if (st->j > 0) {
        dst = attn_bwd_term(a, s, st->h, st->j) + (st->q0 - st->k0) * dh * 4;
        ld = dh * 4;
    }
    npu_wait(NPU_QUEUE_DMA, BW_DQ_READY);
    dma_block(p->s_acc[st->step & 1], dh * 4, dst, ld, st->n, dh * 4);
    npu_signal(NPU_QUEUE_DMA, BW_S_FREE);
}

static void store_dkv(const struct npu_attention_backward_args* a, const struct bwd_plan* p,
                      const struct bwd_step* st) {
    const uint32_t dh = p->dh, kv_heads = a->kv_heads ? a->kv_heads : a->heads;
    const uint32_t dk = a->d_qkv + st->k0 * a->d_qkv_ld + (a->heads + st->g) * dh * 4, dv = dk + kv_heads * dh * 4;
    npu_wait(NPU_QUEUE_DMA, BW_DV_DONE);
    dma_block(p->dv_acc, dh * 4, dv, a->d_qkv_ld, st->kb, dh * 4);
    npu_signal(NPU_QUEUE_DMA, BW_DV_FREE);
    npu_wait(NPU_QUEUE_DMA, BW_DK_DONE);
    dma_block(p->dk_acc, dh * 4, dk, a->d_qkv_ld, st->kb, dh * 4);
    npu_signal(NPU_QUEUE_DMA, BW_DK_FREE);
}

/* ---- MATRIX ------------------------------------------------------------------------------------------------------- */

/* M1 / M2: out (rows x n, FP32) = X[0:rows] Y^T, X the unit's K or V (d_head wide), Y the step's Q or dO. */
static void keys_by_queries(const struct bwd_plan* p, const struct npu_geometry* geo, uint32_t x, uint32_t y,
                            uint32_t out, const struct bwd_step* st) {
    const uint32_t dh = p->dh;
    npu_mx_config(NPU_DTYPE_BF16, dh * 2, p->bq * 4);
    for (uint32_t g = 0; g < st->n; g += geo->cols) {
        for (uint32_t c = 0; c < dh; c += geo->rows) {
            npu_mx_load_weights(y + (g * dh + c) * 2, min_u32(geo->rows, dh - c), min_u32(geo->cols, st->n - g), 1,
                                dh * 2);
            npu_mx_matmul(x + c * 2, out + g * 4, st->rows, c > 0);
        }
    }
}

/* M3 / M4: acc[0:rows] (+)= A^T Y: A^T (rows x n BF16, P16^T or dS16^T), Y the step's dO or Q (n x d_head); rows
 * [fresh, rows) take their first contribution (the first chunk overwrites them). */
static void accumulate_keys(const struct bwd_plan* p, const struct npu_geometry* geo, uint32_t at, uint32_t y,
                            uint32_t acc, const struct bwd_step* st) {
    const uint32_t dh = p->dh;
    npu_mx_config(NPU_DTYPE_BF16, p->bq * 2, dh * 4);
    for (uint32_t g = 0; g < dh; g += geo->cols) {
        for (uint32_t c = 0; c < st->n; c += geo->rows) {
            npu_mx_load_weights(y + (c * dh + g) * 2, min_u32(geo->rows, st->n - c), min_u32(geo->cols, dh - g), 0,
                                dh * 2);
            if (c > 0 || st->fresh == 0) {
                npu_mx_matmul(at + c * 2, acc + g * 4, st->rows, c > 0);
                continue;
            }
            npu_mx_matmul(at, acc + g * 4, st->fresh, 1);
            if (st->fresh < st->rows)
                npu_mx_matmul(at + st->fresh * p->bq * 2, acc + st->fresh * dh * 4 + g * 4, st->rows - st->fresh, 0);
        }
    }
}

/* M5: dQ (n x d_head) = dS16 (n x rows) K[0:rows]. */
static void queries_by_keys(const struct bwd_plan* p, const struct npu_geometry* geo, uint32_t k, uint32_t ds,
                            uint32_t out, const struct bwd_step* st) {
    const uint32_t dh = p->dh;
    npu_mx_config(NPU_DTYPE_BF16, p->bk * 2, dh * 4);
    for (uint32_t g = 0; g < dh; g += geo->cols) {
        for (uint32_t c = 0; c < st->rows; c += geo->rows) {
            npu_mx_load_weights(k + (c * dh + g) * 2, min_u32(geo->rows, st->rows - c), min_u32(geo->cols, dh - g), 0,
                                dh * 2);
            npu_mx_matmul(ds + c * 2, out + g * 4, st->n, c > 0);
        }
    }
}

static void m1_scores(const struct bwd_plan* p, const struct npu_geometry* geo, const struct bwd_step* st) {
    npu_wait(NPU_QUEUE_MATRIX, BW_IN_LOADED_MX);
    npu_wait(NPU_QUEUE_MATRIX, BW_S_FREE);
    if (st->first) npu_wait(NPU_QUEUE_MATRIX, BW_KV_LOADED);
    keys_by_queries(p, geo, p->k_s[st->unit & 1], p->q_s[st->step & 1], p->s_acc[st->step & 1], st);
    npu_signal(NPU_QUEUE_MATRIX, BW_S_READY);
}

static void m2_score_gradients(const struct bwd_plan* p, const struct npu_geometry* geo, const struct bwd_step* st) {
    npu_wait(NPU_QUEUE_MATRIX, BW_DP_FREE);
    keys_by_queries(p, geo, p->v_s[st->unit & 1], p->do_s[st->step & 1], p->dp_acc, st);
    npu_signal(NPU_QUEUE_MATRIX, BW_DP_READY);
}

/* ---- VECTOR ------------------------------------------------------------------------------------------------------- */

static void v1_probabilities(const struct bwd_plan* p, const struct bwd_step* st) {
    const uint32_t b = st->step & 1, s = p->s_acc[b], ld = p->bq * 4;
    npu_wait(NPU_QUEUE_VECTOR, BW_S_READY);
    npu_wait(NPU_QUEUE_VECTOR, BW_IN_LOADED_VX);
    if (st->tri < st->rows) {
        vx(st->n, st->rows - st->tri, NPU_DTYPE_FP32, NPU_DTYPE_FP32, ld, ld, ld);
        npu_vx_add(s + st->tri * ld, s + st->tri * ld, p->mask_s);
    }
    vx(st->n, st->rows, NPU_DTYPE_FP32, NPU_DTYPE_FP32, ld, ld, 0);
    npu_vx_add_colb(p->t_acc, s, p->stats_s[b]);
    npu_vx_exp(s, p->t_acc);
    npu_vx_mul_colb(p->t_acc, s, p->stats_s[b] + ld);
    npu_wait(NPU_QUEUE_VECTOR, BW_P_FREE);
    vx(st->n, st->rows, NPU_DTYPE_FP32, NPU_DTYPE_BF16, p->bq * 2, ld, 0);
    npu_vx_convert(p->pt_s[b], p->t_acc);
    npu_signal(NPU_QUEUE_VECTOR, BW_P_READY);
}

static void v2_score_gradients(const struct bwd_plan* p, const struct bwd_step* st) {
    const uint32_t b = st->step & 1, ld = p->bq * 4;
    npu_wait(NPU_QUEUE_VECTOR, BW_DP_READY);
    vx(st->n, st->rows, NPU_DTYPE_FP32, NPU_DTYPE_FP32, ld, ld, ld);
    npu_vx_add_colb(p->s_acc[b], p->dp_acc, p->stats_s[b] + 2 * ld);
    npu_vx_mul(p->dp_acc, p->s_acc[b], p->t_acc);
    npu_signal(NPU_QUEUE_VECTOR, BW_IN_FREE_VX);
    npu_wait(NPU_QUEUE_VECTOR, BW_DST_FREE_MX);
    npu_wait(NPU_QUEUE_VECTOR, BW_DST_FREE_DMA);
    vx(st->n, st->rows, NPU_DTYPE_FP32, NPU_DTYPE_BF16, p->bq * 2, ld, 0);
    npu_vx_convert(p->dst_s[b], p->dp_acc);
    npu_signal(NPU_QUEUE_VECTOR, BW_DP_FREE);
    npu_signal(NPU_QUEUE_VECTOR, BW_DST_READY_MX);
    npu_signal(NPU_QUEUE_VECTOR, BW_DST_READY_DMA);
}

/* ---- the pass ----------------------------------------------------------------------------------------------------- */

static void plan_of(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s,
                    const struct npu_geometry* geo, struct bwd_plan* p) {
    p->bk = s->bk;
    p->dh = a->d_head;
    /* Query steps of up to two array heights that divide the key block; fewer while they do not fit. */
    uint32_t bq = min_u32(2 * geo->rows, p->bk);
    while (p->bk % bq) bq /= 2;
    for (;; bq /= 2) {
        p->bq = bq;
        if (bwd_layout(geo, 1, p) || bwd_layout(geo, 0, p)) return;
        if (bq == 1) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* d_head too big for the tile's memories */
    }
}

/* The rings' free slots: credits given at the start (into the queue that waits for them) and taken back at the end,
 * so every flag ends at zero. */
static const uint8_t kDmaCredits[] = {BW_IN_FREE_MX, BW_IN_FREE_MX, BW_IN_FREE_VX, BW_IN_FREE_VX,
                                      BW_KV_FREE,    BW_KV_FREE,    BW_DS_FREE,    BW_DS_FREE};
static const uint8_t kMatrixCredits[] = {BW_S_FREE, BW_S_FREE, BW_DP_FREE, BW_DV_FREE, BW_DK_FREE};
static const uint8_t kVectorCredits[] = {BW_P_FREE,      BW_P_FREE,       BW_DST_FREE_MX,
                                         BW_DST_FREE_MX, BW_DST_FREE_DMA, BW_DST_FREE_DMA};

static void credits(int give) {
    static const struct {
        uint32_t queue, count;
        const uint8_t* flags;
    } queues[] = {{NPU_QUEUE_DMA, sizeof kDmaCredits, kDmaCredits},
                  {NPU_QUEUE_MATRIX, sizeof kMatrixCredits, kMatrixCredits},
                  {NPU_QUEUE_VECTOR, sizeof kVectorCredits, kVectorCredits}};
    for (uint32_t q = 0; q < 3; ++q) {
        for (uint32_t i = 0; i < queues[q].count; ++i) {
            if (give)
                npu_signal(queues[q].queue, queues[q].flags[i]);
            else
                npu_wait(queues[q].queue, queues[q].flags[i]);
        }
    }
}

void attn_bwd_main_pass(const struct npu_attention_backward_args* a, const struct attn_bwd_scratch* s, uint32_t hart,
                        uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    struct bwd_plan p;
    plan_of(a, s, &geo, &p);
    struct bwd_cursor c = {0, s->kv_heads * s->blocks, a->heads / s->kv_heads, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    cursor_unit(&c, a, s, hart, harts);
    if (!c.valid) return;
    /* The steps i, i + 1 and i + 2 in a ring. */
    struct bwd_step ring[3];
    int have[3];
    for (uint32_t k = 0; k < 3; ++k) {
        have[k] = c.valid;
        if (c.valid) {
            ring[k] = cursor_step(&c, a, p.bq);
            cursor_advance(&c, a, s, p.bq, hart, harts);
        }
    }
    credits(1);
    dma_block(s->mask, p.bk * 4, p.mask_s, p.bq * 4, p.bq, p.bq * 4); /* lands before step 0's statistics */
    load_kv(a, &p, &ring[0]);
    load_inputs(a, s, &p, &ring[0]);
    if (have[1]) load_inputs(a, s, &p, &ring[1]);
    m1_scores(&p, &geo, &ring[0]);
    for (uint32_t i = 0;; ++i) {
        const struct bwd_step* st = &ring[i % 3];
        const struct bwd_step* next = have[(i + 1) % 3] ? &ring[(i + 1) % 3] : 0;
        const struct bwd_step* after = have[(i + 2) % 3] ? &ring[(i + 2) % 3] : 0;
        const int single = st->first && st->last;
        /* The next unit's K and V: after D1 of this unit's first step, or now if that is its last as well (the
         * matrix's M1 of the next step needs them). */
        if (single && next && next->unit != st->unit) load_kv(a, &p, next);
        v1_probabilities(&p, st);
        m2_score_gradients(&p, &geo, st);
        if (next) m1_scores(&p, &geo, next);
        v2_score_gradients(&p, st);
        npu_wait(NPU_QUEUE_MATRIX, BW_P_READY);
        if (st->first) npu_wait(NPU_QUEUE_MATRIX, BW_DV_FREE);
        accumulate_keys(&p, &geo, p.pt_s[st->step & 1], p.do_s[st->step & 1], p.dv_acc, st); /* M3 */
        npu_signal(NPU_QUEUE_MATRIX, BW_P_FREE);
        if (st->last) npu_signal(NPU_QUEUE_MATRIX, BW_DV_DONE);
        transpose_ds(&p, st);
        if (st->first && !st->last) {
            struct bwd_step upcoming;
            if (next_unit_step(a, s, &c, st, hart, harts, p.bq, &upcoming)) load_kv(a, &p, &upcoming);
        }
        npu_wait(NPU_QUEUE_MATRIX, BW_DST_READY_MX);
        if (st->first) npu_wait(NPU_QUEUE_MATRIX, BW_DK_FREE);
        accumulate_keys(&p, &geo, p.dst_s[st->step & 1], p.q_s[st->step & 1], p.dk_acc, st); /* M4 */
        npu_signal(NPU_QUEUE_MATRIX, BW_DST_FREE_MX);
        npu_signal(NPU_QUEUE_MATRIX, BW_IN_FREE_MX);
        if (st->last) npu_signal(NPU_QUEUE_MATRIX, BW_DK_DONE);
        npu_wait(NPU_QUEUE_MATRIX, BW_DS_READY); /* after V2: S^T's buffer is free */
        queries_by_keys(&p, &geo, p.k_s[st->unit & 1], p.ds_s[st->step & 1], p.s_acc[st->step & 1], st); /* M5 */
        npu_signal(NPU_QUEUE_MATRIX, BW_DS_FREE);
        npu_signal(NPU_QUEUE_MATRIX, BW_DQ_READY);
        if (st->last) npu_signal(NPU_QUEUE_MATRIX, BW_KV_FREE);
        if (after) load_inputs(a, s, &p, after);
        store_dq(a, s, &p, st);
        if (st->last) store_dkv(a, &p, st);
        /* Step i + 3 into step i's slot. */
        have[i % 3] = c.valid;
        if (c.valid) {
            ring[i % 3] = cursor_step(&c, a, p.bq);
            cursor_advance(&c, a, s, p.bq, hart, harts);
        }
        if (!next) break;
    }
    credits(0);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
}
