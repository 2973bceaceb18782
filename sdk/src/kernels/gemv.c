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

enum { GEMV_FLAG_LOADED = 0, GEMV_FLAG_FREE, GEMV_FLAG_X_LOADED, GEMV_FLAG_DONE, GEMV_FLAG_DRAINED };

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
            p->stages_k = (k_chunks + depth - 1) / depth;
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
    p->sub_bn = geo.cols;
    /* The same answer on every hart (it depends on m, k and the geometry only). */
    if (g->m == 0 || g->m > geo.rows || harts == 0 || !gemv_layout(p, g, &geo)) return 0;
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
 * only when it enters a new sub-block. */
struct gemv_cursor {
    uint32_t sk, b;           /* stage of k within the sub-block, sub-block */
    uint32_t k0, kb;          /* the chunk's rows of k */
    uint32_t n0, bn;          /* the sub-block's columns */
    uint32_t groups, last_n;  /* its full array-width column groups, and the width of a ragged last one (or 0) */
    uint32_t src, stage, act; /* the chunk in W, its stage, its columns of x */
};

static void gemv_enter_sub_block(const struct npu_gemv_plan *p, const struct npu_gemm_args *g, uint32_t cols,
                                 struct gemv_cursor *at) {
    at->sk = 0;
    at->k0 = 0;
    at->kb = min_u32(p->bk, g->k);
    at->n0 = p->n0 + at->b * p->sub_bn;
    at->bn = min_u32(p->sub_bn, p->n0 + p->bn - at->n0);
    at->groups = at->bn / cols;
    at->last_n = at->bn - at->groups * cols;
    at->src = g->b + (g->b_transposed ? at->n0 * g->ldb : at->n0 * p->elem);
    at->act = p->x;
}

static void gemv_advance(const struct npu_gemv_plan *p, const struct npu_gemm_args *g, uint32_t cols,
                         struct gemv_cursor *at) {
    at->stage += p->stage_bytes;
    if (at->stage == p->stage_base + p->stages * p->stage_bytes) at->stage = p->stage_base;
    if (++at->sk == p->stages_k) {
        ++at->b;
        gemv_enter_sub_block(p, g, cols, at);
        return;
    }
    at->k0 += p->bk;
    at->kb = min_u32(p->bk, g->k - at->k0);
    at->src += g->b_transposed ? p->bk * p->elem : p->bk * g->ldb;
    at->act += p->bk * p->elem;
}

/* The DMA's shape and strides as last set: a load whose shape is the same (every full chunk) issues the copy alone,
 * so a load is 3 DMA-queue instructions (wait, copy, signal) and the queue holds many of them. */
struct gemv_dma_state {
    uint32_t row_bytes, rows, src_stride, dst_stride;
};

static void gemv_dma(struct gemv_dma_state *d, uint32_t src, uint32_t src_stride, uint32_t dst, uint32_t dst_stride,
                     uint32_t rows, uint32_t row_bytes) {
    if (d->row_bytes != row_bytes || d->rows != rows) npu_dma_shape(row_bytes, rows, 1);
    if (d->src_stride != src_stride) npu_dma_src_stride(src_stride, 0);
    if (d->dst_stride != dst_stride) npu_dma_dst_stride(dst_stride, 0);
    npu_dma_copy(src, dst);
    *d = (struct gemv_dma_state){row_bytes, rows, src_stride, dst_stride};
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
    if (p->bn == 0) return;
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t e = p->elem, chunks = p->subs * p->stages_k;

    /* x first (the array needs it for the first chunk), then a ring of W ahead. */
    struct gemv_dma_state d = {~0u, ~0u, ~0u, ~0u}; /* unknown: the first copy sets everything */
    gemv_dma(&d, g->a, g->lda, p->x, g->k * e, g->m, g->k * e);
    npu_signal(NPU_QUEUE_DMA, GEMV_FLAG_X_LOADED);
    npu_mx_config(g->dtype, g->k * e, p->sub_bn * 4);
    npu_wait(NPU_QUEUE_MATRIX, GEMV_FLAG_X_LOADED);
    uint32_t lookahead = (GEMV_LOOKAHEAD_BYTES + p->stage_bytes - 1) / p->stage_bytes;
    if (lookahead < 2) lookahead = 2;
    if (lookahead > p->stages) lookahead = p->stages;
    struct gemv_cursor ahead, at;
    ahead.b = 0;
    ahead.stage = p->stage_base;
    gemv_enter_sub_block(p, g, geo.cols, &ahead);
    at = ahead;
    uint32_t loaded = 0;
    for (; loaded < chunks && loaded < lookahead; ++loaded, gemv_advance(p, g, geo.cols, &ahead)) {
        gemv_issue_load(p, g, &ahead, 0, &d);
    }
    for (uint32_t c = 0; c < chunks; ++c) {
        if (at.sk == 0 && at.b > 0) npu_wait(NPU_QUEUE_MATRIX, GEMV_FLAG_DRAINED);
        gemv_issue_matmuls(p, g, geo.rows, geo.cols, &at);
        if (loaded < chunks) {
            gemv_issue_load(p, g, &ahead, loaded >= p->stages, &d);
            gemv_advance(p, g, geo.cols, &ahead);
            ++loaded;
        }
        if (at.sk + 1 == p->stages_k) {
            /* The sub-block is final: store it. */
            npu_signal(NPU_QUEUE_MATRIX, GEMV_FLAG_DONE);
            npu_wait(NPU_QUEUE_DMA, GEMV_FLAG_DONE);
            gemv_dma(&d, p->acc, p->sub_bn * 4, g->c + at.n0 * 4, g->ldc, g->m, at.bn * 4);
            npu_signal(NPU_QUEUE_DMA, GEMV_FLAG_DRAINED);
        }
        gemv_advance(p, g, geo.cols, &at);
    }
    /* Take back the credits nobody waited for: the last ring's FREE, the last store's DRAINED. */
    for (uint32_t c = chunks > p->stages ? chunks - p->stages : 0; c < chunks; ++c) npu_wait(NPU_QUEUE_DMA, GEMV_FLAG_FREE);
    npu_wait(NPU_QUEUE_MATRIX, GEMV_FLAG_DRAINED);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
}
