/* GEMV for decode: y[m x n] = x[m x k] W[k x n] with m <= the array's rows, W streamed from global memory through
 * every tile's DMA (see npuemu/kernels.h).
 *
 * Split: the n columns are cut into array-width column groups and each hart takes a contiguous run of them (its
 * strip of W: k rows of its columns, or with W transposed, its rows of W^T), so all harts stream at once and every
 * byte of W is read once. A strip whose results do not fit the accumulator is done in sub-blocks, one after another.
 * x (m x k) is copied once into the scratchpad and stays there; W goes through a ring of up to NPU_GEMV_MAX_STAGES
 * stages of ~GEMV_STAGE_BYTES, one 2-D copy per stage. The core issues the copies of a whole ring ahead of the
 * matrix work, so the DMA queue always holds copies and keeps its bursts in flight, and small stages let the array
 * start early and finish soon after the last copy lands (in INT8 the array takes a 64 x 64 block in 64 cycles, 64 B
 * per cycle, hardly more than a tile's share of the HBM: it must never wait for a big stage to land). Per stage the
 * core issues ~7 DMA and semaphore instructions, and 2 per array-sized weight block.
 *
 * Arithmetic: per output element, chunks of the array's rows in k order, accumulated in the accumulator, exactly as
 * npu_gemm (each chunk summed from +0.0 in k order, the chunk sums added in k order): the same host reference checks
 * both.
 *
 * Semaphores, counting (both queues go through the ring in the same order, so one semaphore each way serves every
 * stage): LOADED (DMA -> MATRIX: the next stage holds its chunk), FREE (MATRIX -> DMA: the oldest stage may be refilled),
 * X_LOADED (DMA -> MATRIX, once), DONE (MATRIX -> DMA: a sub-block's results are final), DRAINED (DMA -> MATRIX: the
 * accumulator was stored). Leftover credits are taken back, so every semaphore is zero when the kernel returns. */
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

#ifndef GEMV_STAGE_BYTES
#define GEMV_STAGE_BYTES (32u * 1024u)
#endif
/* How far the loads run ahead of the array, in bytes: a few times what the DMA keeps in flight (its outstanding
 * bursts), so a late landing never starves the array. The core issues the loads in program order with the array's
 * work; issuing a whole ring first would fill the DMA queue and block the core before its first matmul. */
#ifndef GEMV_LOOKAHEAD_BYTES
#define GEMV_LOOKAHEAD_BYTES (128u * 1024u)
#endif

/* Shared x: harts read their slice of x and copy the rest from the others when x is at least this large. */
#ifndef GEMV_GATHER_MIN_BYTES
#define GEMV_GATHER_MIN_BYTES (32u * 1024u)
#endif

enum {
    GEMV_FLAG_LOADED = 0, GEMV_FLAG_FREE, GEMV_FLAG_X_LOADED, GEMV_FLAG_DONE, GEMV_FLAG_DRAINED,
    GEMV_FLAG_X_SLICE, /* doorbells from the other tiles: their slice of x is in their scratchpad */
    GEMV_FLAG_X_COPIED /* doorbells from the other tiles: they have copied this tile's slice */
};

/* Lays out x, the accumulator and the stage ring for sub-blocks of p->sub_bn columns; 0 if fewer than two stages
 * fit. */
static int gemv_layout(struct npu_gemv_plan *p, const struct npu_gemm_args *g, const struct npu_geometry *geo) {
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    p->acc = local_take(&acc, g->m * p->sub_bn * 4, 1);
    p->x = local_take(&sp, g->m * g->k * p->elem, 1);
    if (sp.failed || acc.failed) return 0;
    const uint32_t row_bytes = p->sub_bn * p->elem, k_chunks = (g->k + geo->rows - 1) / geo->rows;
    uint32_t depth = GEMV_STAGE_BYTES / (row_bytes * geo->rows); /* array heights per stage */
    if (depth == 0) depth = 1;
    if (depth > k_chunks) depth = k_chunks;
    for (; depth > 0; --depth) {
        const uint32_t stage_bytes = (depth * geo->rows * row_bytes + 255u) & ~255u;
        const uint32_t base = local_take(&sp, 0, 0), room = sp.base + sp.size_bytes - base;
        uint32_t stages = room / stage_bytes;
        if (stages > NPU_GEMV_MAX_STAGES) stages = NPU_GEMV_MAX_STAGES;
        if (stages >= 2 && (stages >= 4 || depth == 1)) {
            p->bk = depth * geo->rows;
            p->stages = stages;
            p->stage_bytes = stage_bytes;
            p->stage_base = base;
            return 1;
        }
    }
    return 0;
}

int npu_gemv_plan(const struct npu_gemm_args *g, uint32_t hart, uint32_t harts, struct npu_gemv_plan *p) {
    const struct npu_geometry geo = npu_read_geometry();
    p->elem = g->dtype == NPU_DTYPE_BF16 ? 2 : 1;
    p->bn = 0;
    p->subs = 0;
    p->hart = hart;
    p->harts = harts;
    p->x_piece = 0;
    p->sub_bn = geo.cols;
    /* The same answer on every hart (it depends on m, k and the geometry only). */
    /* An epilogue (bias, scaling, activation, BF16 output) and a transposed A are npu_gemm's: npu_gemv runs npu_gemm
     * for them. */
    const int epilogue = g->bias || g->scale_cols || g->activation || g->c_bf16;
    if (epilogue || g->a_transposed || g->m == 0 || g->m > geo.rows || harts == 0 || !gemv_layout(p, g, &geo)) return 0;
    /* BF16 only: in INT8 the array is the narrow part (64 B/cycle against the HBM's 51 per tile) and the copies
     * between tiles cost more than the HBM bytes they save (16 x 4096 x 4096: 65.7% of the peak for W instead of
     * 71.4%; BF16: 89.9% instead of 78.6%). */
    if (harts > 1 && g->dtype == NPU_DTYPE_BF16 && g->m * g->k * p->elem >= GEMV_GATHER_MIN_BYTES) {
        p->x_piece = (g->k + harts - 1) / harts;
    }
    /* Column groups g0 .. g1 - 1 (in 32 bits: groups x harts is small). */
    const uint32_t groups = (g->n + geo.cols - 1) / geo.cols;
    const uint32_t g0 = groups * hart / harts, g1 = groups * (hart + 1) / harts;
    if (g1 <= g0) return 1; /* more harts than column groups: nothing for this one */
    p->n0 = g0 * geo.cols;
    p->bn = min_u32(g1 * geo.cols, g->n) - p->n0;
    /* The widest sub-block whose buffers fit (the whole strip unless the accumulator is short). */
    for (uint32_t width = g1 - g0; width > 0; --width) {
        p->sub_bn = min_u32(width * geo.cols, p->bn);
        if (gemv_layout(p, g, &geo)) {
            p->subs = (p->bn + p->sub_bn - 1) / p->sub_bn;
            return 1;
        }
    }
    npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* one column group fitted above */
}

/* A chunk of W: where it comes from and goes, and its shape. The core is slow (a few cycles an instruction, ~34 a
 * division): a cursor moves from chunk to chunk by additions, and recomputes with multiplications and a division
 * only when it enters a new sub-block.
 * Chunks are p->bk rows of k deep, except at the ends of the stream: the first sub-block's chunks ramp up (1, 2, 4 ...
 * array heights), so the array starts as soon as a small first chunk has landed, and the last sub-block's ramp down
 * (half of what is left), so little is left for the array once the last chunk has landed. */
struct gemv_cursor {
    uint32_t sk, b;           /* chunk within the sub-block, sub-block */
    uint32_t k0, kb;          /* the chunk's rows of k */
    uint32_t n0, bn;          /* the sub-block's columns */
    uint32_t groups, last_n;  /* its full array-width column groups, and the width of a ragged last one (or 0) */
    uint32_t src, stage, act; /* the chunk in W, its stage, its columns of x */
};

/* The depth of the chunk that starts at at->k0 (at->sk and at->b set). */
static uint32_t gemv_chunk_rows(const struct npu_gemv_plan *p, const struct npu_gemm_args *g, uint32_t rows,
                                const struct gemv_cursor *at) {
    uint32_t depth = p->bk;
    if (at->b == 0 && at->sk < 8 && !p->x_piece) depth = min_u32(depth, rows << at->sk); /* shared x: chunks stay on its slices */
    if (at->b + 1 == p->subs && !p->x_piece) {
        const uint32_t heights_left = (g->k - at->k0 + rows - 1) / rows;
        depth = min_u32(depth, ((heights_left + 1) / 2) * rows);
    }
    return min_u32(depth, g->k - at->k0);
}

static void gemv_enter_sub_block(const struct npu_gemv_plan *p, const struct npu_gemm_args *g, uint32_t rows,
                                 uint32_t cols, struct gemv_cursor *at) {
    at->sk = 0;
    at->k0 = 0;
    at->kb = gemv_chunk_rows(p, g, rows, at);
    at->n0 = p->n0 + at->b * p->sub_bn;
    at->bn = min_u32(p->sub_bn, p->n0 + p->bn - at->n0);
    at->groups = at->bn / cols;
    at->last_n = at->bn - at->groups * cols;
    at->src = g->b + (g->b_transposed ? at->n0 * g->ldb : at->n0 * p->elem);
    at->act = p->x;
}

static void gemv_advance(const struct npu_gemv_plan *p, const struct npu_gemm_args *g, uint32_t rows, uint32_t cols,
                         struct gemv_cursor *at) {
    at->stage += p->stage_bytes;
    if (at->stage == p->stage_base + p->stages * p->stage_bytes) at->stage = p->stage_base;
    if (at->k0 + at->kb == g->k) {
        ++at->b;
        if (at->b < p->subs) gemv_enter_sub_block(p, g, rows, cols, at);
        return;
    }
    ++at->sk;
    at->k0 += at->kb;
    at->src += g->b_transposed ? at->kb * p->elem : at->kb * g->ldb;
    at->act += at->kb * p->elem;
    at->kb = gemv_chunk_rows(p, g, rows, at);
}

/* The DMA's shape and strides as last set: a load whose shape is the same (every full chunk) issues the copy alone,
 * so a load is 3 DMA-queue instructions (wait, copy, signal) and the queue holds many of them. */
struct gemv_dma_state {
    uint32_t row_bytes, rows, src_stride, dst_stride;
};

static void gemv_dma(struct gemv_dma_state *d, uint32_t src, uint32_t src_stride, uint32_t dst, uint32_t dst_stride,
                     uint32_t rows, uint32_t row_bytes) {
    if (d->row_bytes != row_bytes || d->rows != rows) npu_dma_shape(row_bytes, 0, rows, 1);
    if (d->src_stride != src_stride) npu_dma_src_stride(src_stride, 0);
    if (d->dst_stride != dst_stride) npu_dma_dst_stride(dst_stride, 0);
    npu_dma_copy(src, dst);
    *d = (struct gemv_dma_state){row_bytes, rows, src_stride, dst_stride};
}

/* Shared x: a doorbell to every other tile on `flag`, or a wait for one from each. */
static void gemv_doorbells(const struct npu_gemv_plan *p, uint32_t flag) {
    for (uint32_t u = 0; u < p->harts; ++u) {
        if (u != p->hart) npu_dma_doorbell(0xFFFFu, u, flag);
    }
}

static void gemv_wait_all(const struct npu_gemv_plan *p, uint32_t flag) {
    for (uint32_t u = 1; u < p->harts; ++u) npu_wait(NPU_QUEUE_DMA, flag);
}

/* Shared x: columns [k0, k1) of x from the tiles that read them (this tile's own slice is already here). The first
 * call waits until every tile has its slice; the call that reaches the end of k tells the others it is done. */
static void gemv_gather_x(const struct npu_gemv_plan *p, const struct npu_gemm_args *g, uint32_t k0, uint32_t k1,
                          struct gemv_dma_state *d) {
    const uint32_t e = p->elem, x_row = g->k * e, offset = p->x - NPUEMU_TILE_LOCAL_BASE;
    if (k0 == 0) gemv_wait_all(p, GEMV_FLAG_X_SLICE);
    for (uint32_t u = k0 / p->x_piece, lo = k0; lo < k1; ++u) {
        const uint32_t hi = min_u32(k1, (u + 1) * p->x_piece);
        if (u != p->hart) {
            const uint32_t peer_x = NPUEMU_TILE_SRAM_GLOBAL_BASE + u * NPUEMU_TILE_LOCAL_WINDOW_BYTES + offset;
            gemv_dma(d, peer_x + lo * e, x_row, p->x + lo * e, x_row, g->m, (hi - lo) * e);
        }
        lo = hi;
    }
    if (k1 == g->k) gemv_doorbells(p, GEMV_FLAG_X_COPIED);
}

/* DMA: the chunk at `at` into its stage (after the matrix has freed it, from the second time round the ring on). */
static void gemv_issue_load(const struct npu_gemv_plan *p, const struct npu_gemm_args *g, const struct gemv_cursor *at,
                            int refill, struct gemv_dma_state *d) {
    const uint32_t e = p->elem;
    if (refill) npu_wait(NPU_QUEUE_DMA, GEMV_FLAG_FREE);
    if (g->b_transposed) { /* bn rows of W^T, kb elements of each; rows bk apart in the stage */
        gemv_dma(d, at->src, g->ldb, at->stage, p->bk * e, at->bn, at->kb * e);
    } else {               /* kb rows of W, bn elements of each; rows bn apart in the stage */
        gemv_dma(d, at->src, g->ldb, at->stage, at->bn * e, at->kb, at->bn * e);
    }
    if (p->x_piece && at->b == 0) gemv_gather_x(p, g, at->k0, at->k0 + at->kb, d);
    npu_signal(NPU_QUEUE_DMA, GEMV_FLAG_LOADED);
}

/* MATRIX: the chunk at `at` through the array, an array height at a time, a column group at a time. */
static void gemv_issue_matmuls(const struct npu_gemv_plan *p, const struct npu_gemm_args *g, uint32_t rows,
                               uint32_t cols, const struct gemv_cursor *at) {
    const uint32_t e = p->elem, m = g->m, t = g->b_transposed, w_stride = t ? p->bk * e : at->bn * e;
    /* Steps of the weight block's address: to the next column group, to the next array height. */
    const uint32_t j_step = t ? cols * p->bk * e : cols * e, kk_step = t ? rows * e : rows * at->bn * e;
    uint32_t w_row = at->stage, act = at->act;
    npu_wait(NPU_QUEUE_MATRIX, GEMV_FLAG_LOADED);
    for (uint32_t kk = 0; kk < at->kb; kk += rows, w_row += kk_step, act += rows * e) {
        const uint32_t kr = min_u32(rows, at->kb - kk), accumulate = at->k0 + kk > 0;
        uint32_t w = w_row, acc = p->acc;
        for (uint32_t j = 0; j < at->groups; ++j, w += j_step, acc += cols * 4) {
            npu_mx_load_weights(w, kr, cols, t, w_stride);
            npu_mx_matmul(act, acc, m, accumulate);
        }
        if (at->last_n) {
            npu_mx_load_weights(w, kr, at->last_n, t, w_stride);
            npu_mx_matmul(act, acc, m, accumulate);
        }
    }
    npu_signal(NPU_QUEUE_MATRIX, GEMV_FLAG_FREE);
}

void npu_gemv(const struct npu_gemm_args *g, uint32_t hart, uint32_t harts) {
    struct npu_gemv_plan plan;
    if (npu_gemv_plan(g, hart, harts, &plan)) npu_gemv_planned(g, &plan);
    else npu_gemm(g, hart, harts);
}

void npu_gemv_planned(const struct npu_gemm_args *g, const struct npu_gemv_plan *p) {
    const uint32_t e = p->elem;
    struct gemv_dma_state d = {~0u, ~0u, ~0u, ~0u}; /* unknown: the first copy sets everything */
    if (p->x_piece) {
        /* Shared x: this tile's slice from memory, then a doorbell to every other tile. */
        const uint32_t lo = min_u32(p->hart * p->x_piece, g->k), hi = min_u32(lo + p->x_piece, g->k);
        if (hi > lo) gemv_dma(&d, g->a + lo * e, g->lda, p->x + lo * e, g->k * e, g->m, (hi - lo) * e);
        gemv_doorbells(p, GEMV_FLAG_X_SLICE);
    }
    if (p->bn == 0) {
        /* No columns here: take the others' doorbells, wait until they have copied this tile's slice. */
        if (p->x_piece) {
            gemv_doorbells(p, GEMV_FLAG_X_COPIED);
            gemv_wait_all(p, GEMV_FLAG_X_SLICE);
            gemv_wait_all(p, GEMV_FLAG_X_COPIED);
            npu_fence(1u << NPU_QUEUE_DMA);
        }
        return;
    }
    const struct npu_geometry geo = npu_read_geometry();
    npu_mx_config(g->dtype, g->k * e, p->sub_bn * 4);
    if (!p->x_piece) {
        /* x first (the array needs it for the first chunk), then a ring of W ahead. */
        gemv_dma(&d, g->a, g->lda, p->x, g->k * e, g->m, g->k * e);
        npu_signal(NPU_QUEUE_DMA, GEMV_FLAG_X_LOADED);
        npu_wait(NPU_QUEUE_MATRIX, GEMV_FLAG_X_LOADED);
    }
    /* While a tile's own copy of x lands the array waits: let the loads run that much further ahead. */
    const uint32_t ahead_bytes = GEMV_LOOKAHEAD_BYTES + (p->x_piece ? 0 : g->m * g->k * e);
    uint32_t lookahead = (ahead_bytes + p->stage_bytes - 1) / p->stage_bytes;
    if (lookahead < 2) lookahead = 2;
    if (lookahead > p->stages) lookahead = p->stages;
    struct gemv_cursor ahead, at;
    ahead.b = 0;
    ahead.stage = p->stage_base;
    gemv_enter_sub_block(p, g, geo.rows, geo.cols, &ahead);
    at = ahead;
    uint32_t loaded = 0; /* chunks loaded (all chunks, once the loop is done) */
    for (; ahead.b < p->subs && loaded < lookahead; ++loaded, gemv_advance(p, g, geo.rows, geo.cols, &ahead)) {
        gemv_issue_load(p, g, &ahead, 0, &d);
    }
    while (at.b < p->subs) {
        if (at.sk == 0 && at.b > 0) npu_wait(NPU_QUEUE_MATRIX, GEMV_FLAG_DRAINED);
        gemv_issue_matmuls(p, g, geo.rows, geo.cols, &at);
        if (ahead.b < p->subs) {
            gemv_issue_load(p, g, &ahead, loaded >= p->stages, &d);
            gemv_advance(p, g, geo.rows, geo.cols, &ahead);
            ++loaded;
        }
        if (at.k0 + at.kb == g->k) {
            /* The sub-block is final: store it. */
            npu_signal(NPU_QUEUE_MATRIX, GEMV_FLAG_DONE);
            npu_wait(NPU_QUEUE_DMA, GEMV_FLAG_DONE);
            gemv_dma(&d, p->acc, p->sub_bn * 4, g->c + at.n0 * 4, g->ldc, g->m, at.bn * 4);
            npu_signal(NPU_QUEUE_DMA, GEMV_FLAG_DRAINED);
        }
        gemv_advance(p, g, geo.rows, geo.cols, &at);
    }
    /* Take back the credits nobody waited for: the last ring's FREE, the last store's DRAINED. */
    for (uint32_t c = loaded > p->stages ? loaded - p->stages : 0; c < loaded; ++c) npu_wait(NPU_QUEUE_DMA, GEMV_FLAG_FREE);
    npu_wait(NPU_QUEUE_MATRIX, GEMV_FLAG_DRAINED);
    if (p->x_piece) gemv_wait_all(p, GEMV_FLAG_X_COPIED); /* the others no longer read this tile's x */
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
}
