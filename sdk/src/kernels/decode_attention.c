/* Decode attention over a KV cache in global memory (see npuemu/kernels.h).
 *
 * Work is cut into units of one (batch row, KV head): its group of query heads (G = heads / kv_heads rows of d_head)
 * against that head's K and V caches (ctx x d_head each, contiguous). Units are split evenly over the harts; a hart
 * streams K and then V of each of its units through a ring of scratchpad stages (a few array widths of positions
 * each, one copy per stage, up to 8 issued ahead of the array's work as in npu_gemv) while
 *   MATRIX: S = Q K^T into the accumulator (G x ctx FP32; the positions of a stage in array-width groups, d_head in
 *           chunks of the array's rows), then, once the vector unit has made P, O = P V (positions in chunks of the
 *           array's rows, accumulated in position order);
 *   VECTOR: npu_rows' softmax on S (row max, subtract, exp, row sum, reciprocal, multiply), P in BF16 into the
 *           scratchpad; then O rounded to BF16;
 *   DMA:    the stages, Q per unit (two buffers), O out per unit.
 * Per element this is npu_gemm(Q, K^T), npu_rows' softmax, P rounded to BF16 and npu_gemm(P, V) rounded to BF16,
 * exactly (the host reference in tests/harness/decode_attention_check.cpp follows it).
 * Semaphores (counting): LOADED, FREE (the ring, as npu_gemv), Q_FREE (MATRIX -> DMA: a unit's scores are done, its
 * Q buffer may be refilled), S (MATRIX -> VECTOR), P (VECTOR -> MATRIX), O (MATRIX -> VECTOR), OUT (VECTOR -> DMA),
 * STORED (DMA -> VECTOR: O's BF16 buffer went out). Leftover credits are taken back: all zero on return. */
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

#define DA_STAGE_BYTES (32u * 1024u)
#define DA_MAX_STAGES 16u
#define DA_LOOKAHEAD 8u

enum { DA_LOADED = 8, DA_FREE, DA_Q_FREE, DA_S, DA_P, DA_O, DA_OUT, DA_STORED, DA_PARTIAL };

struct da_plan {
    uint32_t group, unit_rows_bytes;  /* query rows per unit, and their bytes (G x d_head x 2) */
    uint32_t positions;               /* positions per stage */
    uint32_t stages, stage_bytes, stage_base;
    uint32_t q[2], p, o16, v1, v2;    /* scratchpad */
    uint32_t s, o;                    /* accumulator */
    /* Split units (fewer units than harts): each unit's positions are split over `splits` harts, which send their
     * partial output, row maxima and row sums to the first of them (slots of part_bytes from part_base). */
    uint32_t splits, part_base, part_bytes, m_all, w_all, tmp, l_all; /* scratchpad: M, the weights, a temporary, l */
};

/* Splits per unit: with fewer units than harts, as many harts per unit as there are (at most an array height of
 * positions each). */
static uint32_t da_splits(const struct npu_decode_attention_args *a, uint32_t rows, uint32_t harts) {
    const uint32_t units = a->batch * a->kv_heads, heights = (a->ctx + rows - 1) / rows;
    if (units == 0 || units >= harts) return 1;
    return min_u32(harts / units, heights);
}

static int da_layout(const struct npu_decode_attention_args *a, const struct npu_geometry *geo, uint32_t harts,
                     struct da_plan *p) {
    if (a->kv_heads == 0 || a->heads % a->kv_heads != 0 || a->d_head == 0 || a->ctx == 0 || harts == 0) return 0;
    const uint32_t G = a->heads / a->kv_heads, dh = a->d_head, L = a->ctx;
    if (G > geo->rows) return 0;
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    p->group = G;
    p->unit_rows_bytes = G * dh * 2;
    p->splits = da_splits(a, geo->rows, harts);
    p->part_bytes = (G * dh * 4 + 2 * G * 4 + 255u) & ~255u;
    p->part_base = local_take(&sp, p->splits > 1 ? (p->splits - 1) * p->part_bytes : 0, 0);
    p->m_all = local_take(&sp, G * 4, 0);
    p->w_all = local_take(&sp, p->splits * G * 4, 0);
    p->tmp = local_take(&sp, G * dh * 4, 0);
    p->l_all = local_take(&sp, G * 4, 0);
    p->s = local_take(&acc, G * L * 4, 1);
    p->o = local_take(&acc, G * dh * 4, 1);
    p->q[0] = local_take(&sp, G * dh * 2, 0);
    p->q[1] = local_take(&sp, G * dh * 2, 0);
    p->p = local_take(&sp, G * L * 2, 0);
    p->o16 = local_take(&sp, G * dh * 2, 0);
    p->v1 = local_take(&sp, G * 4, 0);
    p->v2 = local_take(&sp, G * 4, 0);
    if (sp.failed || acc.failed) return 0;
    /* Stages: a multiple of the array's rows and columns of positions (both square arrays here: the larger). */
    const uint32_t step = geo->rows > geo->cols ? geo->rows : geo->cols;
    uint32_t positions = (DA_STAGE_BYTES / (dh * 2) / step) * step;
    if (positions < step) positions = step;
    const uint32_t base = local_take(&sp, 0, 0), room = sp.base + sp.size_bytes - base;
    for (; positions >= step; positions -= step) {
        const uint32_t bytes = (positions * dh * 2 + 255u) & ~255u;
        uint32_t stages = room / bytes;
        if (stages > DA_MAX_STAGES) stages = DA_MAX_STAGES;
        if (stages >= 2) {
            p->positions = positions;
            p->stages = stages;
            p->stage_bytes = bytes;
            p->stage_base = base;
            return 1;
        }
    }
    return 0;
}

int npu_decode_attention_supported(const struct npu_decode_attention_args *a, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    struct da_plan p;
    return da_layout(a, &geo, harts, &p);
}

uint32_t npu_decode_attention_splits(const struct npu_decode_attention_args *a, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    return da_splits(a, geo.rows, harts);
}

static void da_vx(uint32_t cols, uint32_t rows, uint32_t out, uint32_t dst_ld, uint32_t a_ld, uint32_t b_ld) {
    npu_vx_shape(cols, rows, NPU_DTYPE_FP32, out, 0, 0);
    npu_vx_strides(dst_ld, a_ld, b_ld);
}

/* The ring: the next chunk (K or V of a unit, `positions` rows of d_head from `src`) into its stage. */
struct da_ring {
    uint32_t loaded, slot;
};

static uint32_t da_load(const struct da_plan *p, struct da_ring *r, uint32_t src, uint32_t positions, uint32_t dh) {
    const uint32_t stage = p->stage_base + r->slot * p->stage_bytes;
    if (r->loaded >= p->stages) npu_wait(NPU_QUEUE_DMA, DA_FREE);
    dma_block(src, dh * 2, stage, dh * 2, positions, dh * 2);
    npu_signal(NPU_QUEUE_DMA, DA_LOADED);
    ++r->loaded;
    if (++r->slot == p->stages) r->slot = 0;
    return stage;
}

/* A hart's stream of chunks: unit by unit, K's chunks then V's. The DMA side runs ahead of the MATRIX side. */
struct da_stream {
    uint32_t unit, first, is_v, p0;  /* the next chunk: its unit, K or V, position (from pos0); the hart's first unit */
    uint32_t pos0, len;              /* the hart's positions of each unit: [pos0, pos0 + len) */
};

static void da_issue_load(const struct npu_decode_attention_args *a, const struct da_plan *p, struct da_ring *r,
                          struct da_stream *s) {
    const uint32_t dh = a->d_head, L = a->ctx, n = min_u32(p->positions, s->len - s->p0);
    const uint32_t cache = s->unit * L * dh * 2 + (s->pos0 + s->p0) * dh * 2;
    if (!s->is_v && s->p0 == 0) {
        /* The unit's query rows, into the Q buffer the unit before the last one has finished with (from the hart's
         * third unit on: Q_FREE comes once per unit, in order). */
        if (s->unit - s->first >= 2) npu_wait(NPU_QUEUE_DMA, DA_Q_FREE);
        dma_block(a->q + s->unit * p->unit_rows_bytes, 0, p->q[s->unit & 1], 0, 1, p->unit_rows_bytes);
    }
    da_load(p, r, (s->is_v ? a->v : a->k) + cache, n, dh);
    s->p0 += n;
    if (s->p0 == s->len) {
        s->p0 = 0;
        if (s->is_v) ++s->unit;
        s->is_v ^= 1;
    }
}

/* MATRIX: one stage of the unit through the array. Scores (pv 0): the stage's positions in array-width groups
 * (weights: K read transposed), d_head in chunks of the array's rows into S. Output (pv 1): the positions in chunks of
 * the array's rows, d_head in array-width groups (weights: V) into O, accumulated in position order. */
static void da_stage_matmuls(const struct da_plan *p, const struct npu_geometry *geo, uint32_t dh, uint32_t stage,
                             uint32_t p0, uint32_t n, uint32_t q, int pv) {
    npu_wait(NPU_QUEUE_MATRIX, DA_LOADED);
    const uint32_t outer = pv ? n : dh, inner = pv ? dh : n, outer_step = pv ? geo->rows : geo->cols;
    for (uint32_t i = 0; i < inner; i += pv ? geo->cols : geo->rows) {
        for (uint32_t o = 0; o < outer; o += outer_step) {
            if (pv) { /* i: d_head group, o: position chunk */
                npu_mx_load_weights(stage + (o * dh + i) * 2, min_u32(geo->rows, n - o), min_u32(geo->cols, dh - i), 0,
                                    dh * 2);
                npu_mx_matmul(p->p + (p0 + o) * 2, p->o + i * 4, p->group, p0 + o > 0);
            } else {  /* i: position group, o: d_head chunk */
                npu_mx_load_weights(stage + (i * dh + o) * 2, min_u32(geo->rows, dh - o), min_u32(geo->cols, n - i), 1,
                                    dh * 2);
                npu_mx_matmul(q + o * 2, p->s + (p0 + i) * 4, p->group, o > 0);
            }
        }
    }
    npu_signal(NPU_QUEUE_MATRIX, DA_FREE);
}

/* Loads ahead of the array's work, at most `lookahead` chunks, and not into a unit whose Q load would wait for a
 * Q_FREE that the core has not issued yet (it would hold the DMA queue, and the core with it): units below `limit`. */
static void da_fill(const struct npu_decode_attention_args *a, const struct da_plan *p, struct da_ring *r,
                    struct da_stream *s, uint32_t end, uint32_t consumed, uint32_t lookahead, uint32_t limit) {
    while (s->unit < end && r->loaded - consumed < lookahead) {
        if (!s->is_v && s->p0 == 0 && s->unit >= limit) break;
        da_issue_load(a, p, r, s);
    }
}

/* A hart's progress: the ring and the loads ahead, the stage the MATRIX side reads next and the chunks it has taken. */
struct da_run {
    struct da_ring ring;
    struct da_stream ahead;
    uint32_t end, slot, consumed, lookahead;
};

/* MATRIX: one pass of unit u over its K (pv 0: S = Q K^T) or V (pv 1: O = P V), a stage at a time, with the loads
 * that follow each stage. The scores' pass holds loads back from unit u + 2 (its Q buffer is this unit's). */
static void da_pass(const struct npu_decode_attention_args *a, const struct da_plan *p, const struct npu_geometry *geo,
                    struct da_run *r, uint32_t u, int pv) {
    const uint32_t dh = a->d_head, L = r->ahead.len;
    if (pv) npu_mx_config(NPU_DTYPE_BF16, L * 2, dh * 4);
    else npu_mx_config(NPU_DTYPE_BF16, dh * 2, L * 4);
    for (uint32_t p0 = 0; p0 < L; p0 += p->positions) {
        da_stage_matmuls(p, geo, dh, p->stage_base + r->slot * p->stage_bytes, p0, min_u32(p->positions, L - p0),
                         p->q[u & 1], pv);
        if (++r->slot == p->stages) r->slot = 0;
        da_fill(a, p, &r->ring, &r->ahead, r->end, ++r->consumed, r->lookahead, u + 2 + (uint32_t)pv);
    }
}

/* Split units: the address of this tile's scratchpad buffer `local` in tile `tile`'s window. */
static uint32_t da_remote(uint32_t tile, uint32_t local) {
    return NPUEMU_TILE_SRAM_GLOBAL_BASE + tile * NPUEMU_TILE_LOCAL_WINDOW_BYTES + (local - NPUEMU_TILE_LOCAL_BASE);
}

/* VECTOR, split units, on the unit's first hart: the splits' partial outputs O_s (P_s V_s with P_s = exp(S_s - m_s)
 * unnormalised), row maxima m_s and row sums l_s combined as M = max_s m_s (in split order), w_s = exp(m_s - M),
 * l = l_0 w_0 + l_1 w_1 + ..., O = O_0 w_0 + O_1 w_1 + ... (each sum left to right), O = O x (1 / l). */
static void da_combine(const struct da_plan *p, uint32_t dh) {
    const uint32_t G = p->group, S = p->splits, part_m = G * dh * 4, part_l = part_m + G * 4;
    for (uint32_t s = 1; s < S; ++s) npu_wait(NPU_QUEUE_VECTOR, DA_PARTIAL);
    da_vx(G, 1, NPU_DTYPE_FP32, 0, 0, 0);
    npu_vx_max(p->m_all, p->v1, p->part_base + part_m);
    for (uint32_t s = 2; s < S; ++s) npu_vx_max(p->m_all, p->m_all, p->part_base + (s - 1) * p->part_bytes + part_m);
    for (uint32_t s = 0; s < S; ++s) {
        const uint32_t m = s == 0 ? p->v1 : p->part_base + (s - 1) * p->part_bytes + part_m, w = p->w_all + s * G * 4;
        npu_vx_sub(w, m, p->m_all);
        npu_vx_exp(w, w);
    }
    npu_vx_mul(p->l_all, p->v2, p->w_all);
    for (uint32_t s = 1; s < S; ++s) {
        npu_vx_mul(p->tmp, p->part_base + (s - 1) * p->part_bytes + part_l, p->w_all + s * G * 4);
        npu_vx_add(p->l_all, p->l_all, p->tmp);
    }
    npu_vx_recip(p->l_all, p->l_all);
    da_vx(dh, G, NPU_DTYPE_FP32, dh * 4, dh * 4, 4);
    npu_vx_mul_rowb(p->o, p->o, p->w_all);
    for (uint32_t s = 1; s < S; ++s) {
        npu_vx_mul_rowb(p->tmp, p->part_base + (s - 1) * p->part_bytes, p->w_all + s * G * 4);
        npu_vx_strides(dh * 4, dh * 4, dh * 4); /* the sum is element-wise: b in rows too */
        npu_vx_add(p->o, p->o, p->tmp);
        npu_vx_strides(dh * 4, dh * 4, 4);
    }
    npu_vx_mul_rowb(p->o, p->o, p->l_all);
}

void npu_decode_attention(const struct npu_decode_attention_args *a, uint32_t hart, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    struct da_plan p;
    if (!da_layout(a, &geo, harts, &p)) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* not supported: see the header */
    const uint32_t units = a->batch * a->kv_heads, dh = a->d_head, G = p.group, S = p.splits;
    uint32_t u0 = units * hart / harts, u1 = units * (hart + 1) / harts, pos0 = 0, len = a->ctx, split = 0;
    if (S > 1) {
        /* One unit per hart, a range of its positions (whole array heights, so P V's chunks are the unsplit ones). */
        if (hart >= units * S) return;
        const uint32_t heights = (a->ctx + geo.rows - 1) / geo.rows;
        u0 = hart / S;
        u1 = u0 + 1;
        split = hart - u0 * S;
        pos0 = heights * split / S * geo.rows;
        len = min_u32(a->ctx, heights * (split + 1) / S * geo.rows) - pos0;
    }
    if (u1 <= u0) return;
    struct da_run r = {{0, 0}, {u0, u0, 0, 0, pos0, len}, u1, 0, 0, min_u32(DA_LOOKAHEAD, p.stages)};
    npu_signal(NPU_QUEUE_DMA, DA_STORED); /* the O buffer starts free */
    da_fill(a, &p, &r.ring, &r.ahead, u1, r.consumed, r.lookahead, u0 + 2);
    for (uint32_t u = u0; u < u1; ++u) {
        /* MATRIX: S = Q K^T. */
        da_pass(a, &p, &geo, &r, u, 0);
        npu_signal(NPU_QUEUE_MATRIX, DA_Q_FREE);
        da_fill(a, &p, &r.ring, &r.ahead, u1, r.consumed, r.lookahead, u + 3);
        npu_signal(NPU_QUEUE_MATRIX, DA_S);
        /* VECTOR: npu_rows' softmax on S (split units: exp(S - row max) and the row sum only), P in BF16. */
        const uint32_t row32 = len * 4;
        npu_wait(NPU_QUEUE_VECTOR, DA_S);
        da_vx(len, G, NPU_DTYPE_FP32, 4, row32, 0);
        npu_vx_rowmax(p.v1, p.s);
        da_vx(len, G, NPU_DTYPE_FP32, row32, row32, 4);
        npu_vx_sub_rowb(p.s, p.s, p.v1);
        npu_vx_exp(p.s, p.s);
        da_vx(len, G, NPU_DTYPE_FP32, 4, row32, 0);
        npu_vx_rowsum(p.v2, p.s);
        if (S == 1) {
            da_vx(1, G, NPU_DTYPE_FP32, 4, 4, 0);
            npu_vx_recip(p.v2, p.v2);
            da_vx(len, G, NPU_DTYPE_FP32, row32, row32, 4);
            npu_vx_mul_rowb(p.s, p.s, p.v2);
        }
        da_vx(len, G, NPU_DTYPE_BF16, len * 2, row32, 0);
        npu_vx_convert(p.p, p.s);
        npu_signal(NPU_QUEUE_VECTOR, DA_P);
        /* MATRIX: O = P V. */
        npu_wait(NPU_QUEUE_MATRIX, DA_P);
        da_pass(a, &p, &geo, &r, u, 1);
        if (split > 0) {
            /* DMA: O, the row maxima and sums to the unit's first hart, and a doorbell. */
            const uint32_t leader = hart - split, slot = p.part_base + (split - 1) * p.part_bytes;
            npu_signal(NPU_QUEUE_MATRIX, DA_OUT);
            npu_wait(NPU_QUEUE_DMA, DA_OUT);
            dma_block(p.o, dh * 4, da_remote(leader, slot), dh * 4, G, dh * 4);
            dma_block(p.v1, 0, da_remote(leader, slot + G * dh * 4), 0, 1, G * 4);
            dma_block(p.v2, 0, da_remote(leader, slot + G * dh * 4 + G * 4), 0, 1, G * 4);
            npu_dma_doorbell(0xFFFFu, leader, DA_PARTIAL);
            break;
        }
        npu_signal(NPU_QUEUE_MATRIX, DA_O);
        /* VECTOR: (split units: the splits combined,) O in BF16 once the previous unit's went out; DMA: out. */
        npu_wait(NPU_QUEUE_VECTOR, DA_O);
        if (S > 1) da_combine(&p, dh);
        npu_wait(NPU_QUEUE_VECTOR, DA_STORED);
        da_vx(dh, G, NPU_DTYPE_BF16, dh * 2, dh * 4, 0);
        npu_vx_convert(p.o16, p.o);
        npu_signal(NPU_QUEUE_VECTOR, DA_OUT);
        npu_wait(NPU_QUEUE_DMA, DA_OUT);
        dma_block(p.o16, 0, a->out + u * p.unit_rows_bytes, 0, 1, p.unit_rows_bytes);
        npu_signal(NPU_QUEUE_DMA, DA_STORED);
    }
    /* Take back the credits nobody waited for. */
    for (uint32_t c = r.ring.loaded > p.stages ? r.ring.loaded - p.stages : 0; c < r.ring.loaded; ++c) {
        npu_wait(NPU_QUEUE_DMA, DA_FREE);
    }
    for (uint32_t c = u1 - u0 > 2 ? u1 - u0 - 2 : 0; c < u1 - u0; ++c) npu_wait(NPU_QUEUE_DMA, DA_Q_FREE);
    npu_wait(NPU_QUEUE_VECTOR, DA_STORED);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
}
