/* Tiled GEMM on one tile's NPU, with a pipeline of staging buffers (see npuemu/kernels.h).
 *
 * Scratchpad: eight regions, so the buffers spread over the banks: A[s] (bm x bk) and B[s] (bk x bn) for STAGES
 * stages. Accumulator: two halves, acc[0], acc[1] (bm x bn results), so one block's results go out while the next
 * block accumulates.
 * Semaphores: LOADED[s] (DMA -> MATRIX: stage s holds the chunk), FREE[s] (MATRIX -> DMA: stage s may be
 * refilled), READY[a] (MATRIX -> DMA: acc a holds a finished block), DRAINED[a] (DMA -> MATRIX: acc a was stored).
 * FREE and DRAINED start with one credit each; the kernel takes the leftover credits back at the end, so every
 * semaphore is zero again when it returns. Four stages keep the DMA streaming when the round trip (transfer,
 * landing latency, weight preload, drain) is longer than a chunk's compute, as in GEMV. */
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

#define STAGES 4u
enum { FLAG_LOADED = 0, FLAG_FREE = STAGES, FLAG_READY = 2 * STAGES, FLAG_DRAINED = 2 * STAGES + 2 };

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

struct plan {
    uint32_t elem;            /* bytes per input element */
    uint32_t bm, bn, bk;      /* block sizes */
    uint32_t blocks_m, blocks_n, chunks_k;
    uint32_t stage_a[STAGES], stage_b[STAGES], acc[2];
};

static struct plan make_plan(const struct npu_gemm_args *g, struct npu_geometry geo, uint32_t harts) {
    struct plan p;
    p.elem = g->dtype == NPU_DTYPE_BF16 ? 2 : 1;
    p.bk = geo.rows;
    const uint32_t region = geo.scratchpad_bytes / (2 * STAGES);
    const uint32_t half_acc = geo.accumulator_bytes / 2;
    /* Output blocks up to 256 x (4 array widths): large enough to amortise the loads, small enough to fit. */
    p.bn = min_u32(4 * geo.cols, (g->n + geo.cols - 1) / geo.cols * geo.cols);
    while (p.bn > geo.cols && p.bk * p.bn * p.elem > region) p.bn -= geo.cols;
    p.bm = min_u32(256, min_u32(region / (p.bk * p.elem), half_acc / (p.bn * 4)));
    p.bm = min_u32(p.bm, g->m);
    /* Smaller blocks until every hart has one (not below one array's size): a small problem still spreads. */
    for (;;) {
        const uint32_t blocks = ((g->m + p.bm - 1) / p.bm) * ((g->n + p.bn - 1) / p.bn);
        if (blocks >= harts) break;
        if (p.bn > geo.cols && p.bn >= p.bm) p.bn -= geo.cols;
        else if (p.bm > geo.rows) p.bm = (p.bm / 2 + geo.rows - 1) / geo.rows * geo.rows;
        else break;
    }
    p.blocks_m = (g->m + p.bm - 1) / p.bm;
    p.blocks_n = (g->n + p.bn - 1) / p.bn;
    p.chunks_k = (g->k + p.bk - 1) / p.bk;
    for (uint32_t s = 0; s < STAGES; ++s) {
        p.stage_a[s] = NPUEMU_SCRATCHPAD_BASE + s * region;
        p.stage_b[s] = NPUEMU_SCRATCHPAD_BASE + (STAGES + s) * region;
    }
    for (uint32_t i = 0; i < 2; ++i) p.acc[i] = NPUEMU_ACCUMULATOR_BASE + i * half_acc;
    return p;
}

/* DMA a rows x row_bytes block between two strided places. */
static void dma_block(uint32_t src, uint32_t src_stride, uint32_t dst, uint32_t dst_stride, uint32_t rows,
                      uint32_t row_bytes) {
    npu_dma_shape(row_bytes, rows, 1);
    npu_dma_src_stride(src_stride, 0);
    npu_dma_dst_stride(dst_stride, 0);
    npu_dma_copy(src, dst);
}

void npu_gemm(const struct npu_gemm_args *g, uint32_t hart, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    const struct plan p = make_plan(g, geo, harts);
    const uint32_t blocks = p.blocks_m * p.blocks_n;

    npu_mx_config(g->dtype, p.bk * p.elem, p.bn * 4);
    for (uint32_t s = 0; s < STAGES; ++s) npu_signal(NPU_QUEUE_MATRIX, FLAG_FREE + s);
    npu_signal(NPU_QUEUE_DMA, FLAG_DRAINED + 0);
    npu_signal(NPU_QUEUE_DMA, FLAG_DRAINED + 1);

    uint32_t stage = 0;      /* next scratchpad stage to fill */
    uint32_t acc_index = 0;  /* accumulator half of the current block */
    int pending_store = 0;   /* a finished block whose store is not yet issued */
    uint32_t store_src = 0, store_dst = 0, store_rows = 0, store_bytes = 0;
    uint32_t count = 0;

    for (uint32_t block = hart; block < blocks; block += harts, ++count) {
        const uint32_t m0 = (block / p.blocks_n) * p.bm, n0 = (block % p.blocks_n) * p.bn;
        const uint32_t bm = min_u32(p.bm, g->m - m0), bn = min_u32(p.bn, g->n - n0);
        const uint32_t acc = p.acc[acc_index];
        npu_wait(NPU_QUEUE_MATRIX, FLAG_DRAINED + acc_index);
        for (uint32_t chunk = 0; chunk < p.chunks_k; ++chunk) {
            const uint32_t k0 = chunk * p.bk, bk = min_u32(p.bk, g->k - k0);
            /* DMA: refill a stage with this chunk of A and B. */
            npu_wait(NPU_QUEUE_DMA, FLAG_FREE + stage);
            dma_block(g->a + m0 * g->lda + k0 * p.elem, g->lda, p.stage_a[stage], p.bk * p.elem, bm, bk * p.elem);
            if (g->b_transposed) { /* stage holds the bn x bk block of B's transpose, rows p.bk apart */
                dma_block(g->b + n0 * g->ldb + k0 * p.elem, g->ldb, p.stage_b[stage], p.bk * p.elem, bn, bk * p.elem);
            } else {
                dma_block(g->b + k0 * g->ldb + n0 * p.elem, g->ldb, p.stage_b[stage], p.bn * p.elem, bk, bn * p.elem);
            }
            npu_signal(NPU_QUEUE_DMA, FLAG_LOADED + stage);
            /* The previous block's store is spread in slices over this block's chunk loads (from the second on), so
             * the loads keep the array fed while the results go out. */
            if (pending_store) {
                const uint32_t pieces = p.chunks_k > 1 ? p.chunks_k - 1 : 1;
                const uint32_t piece = p.chunks_k > 1 ? chunk - 1 : chunk;
                if (chunk >= (p.chunks_k > 1 ? 1u : 0u)) {
                    const uint32_t rows_per_piece = (store_rows + pieces - 1) / pieces;
                    const uint32_t r0 = min_u32(piece * rows_per_piece, store_rows);
                    const uint32_t r1 = min_u32(r0 + rows_per_piece, store_rows);
                    if (piece == 0) npu_wait(NPU_QUEUE_DMA, FLAG_READY + (acc_index ^ 1));
                    if (r1 > r0) {
                        dma_block(store_src + r0 * p.bn * 4, p.bn * 4, store_dst + r0 * g->ldc, g->ldc, r1 - r0,
                                  store_bytes);
                    }
                    if (piece == pieces - 1) {
                        npu_signal(NPU_QUEUE_DMA, FLAG_DRAINED + (acc_index ^ 1));
                        pending_store = 0;
                    }
                }
            }
            /* MATRIX: one matmul per array-width column group of the block. */
            npu_wait(NPU_QUEUE_MATRIX, FLAG_LOADED + stage);
            for (uint32_t j = 0; j < bn; j += geo.cols) {
                if (g->b_transposed) {
                    npu_mx_load_weights(p.stage_b[stage] + j * p.bk * p.elem, bk, min_u32(geo.cols, bn - j), 1,
                                        p.bk * p.elem);
                } else {
                    npu_mx_load_weights(p.stage_b[stage] + j * p.elem, bk, min_u32(geo.cols, bn - j), 0, p.bn * p.elem);
                }
                npu_mx_matmul(p.stage_a[stage], acc + j * 4, bm, chunk > 0);
            }
            npu_signal(NPU_QUEUE_MATRIX, FLAG_FREE + stage);
            stage = (stage + 1) % STAGES;
        }
        npu_signal(NPU_QUEUE_MATRIX, FLAG_READY + acc_index);
        pending_store = 1;
        store_src = acc;
        store_dst = g->c + m0 * g->ldc + n0 * 4;
        store_rows = bm;
        store_bytes = bn * 4;
        acc_index ^= 1;
    }
    if (pending_store) {
        npu_wait(NPU_QUEUE_DMA, FLAG_READY + (acc_index ^ 1));
        dma_block(store_src, p.bn * 4, store_dst, g->ldc, store_rows, store_bytes);
        npu_signal(NPU_QUEUE_DMA, FLAG_DRAINED + (acc_index ^ 1));
    }
    /* Take back the starting credits. */
    for (uint32_t s = 0; s < STAGES; ++s) npu_wait(NPU_QUEUE_DMA, FLAG_FREE + s);
    npu_wait(NPU_QUEUE_MATRIX, FLAG_DRAINED + 0);
    npu_wait(NPU_QUEUE_MATRIX, FLAG_DRAINED + 1);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
    (void)count;
}
