/* Choosing the GEMM's blocks for the whole chip.
 *
 * A hart computes whole output blocks of bm x bn, each over all of k (so the arithmetic per element does not depend
 * on the plan: chunks of the array's rows, summed in k order). A block costs bm x (bn / cols) x (k / rows) cycles
 * on the array and (bm + bn) x k x elem bytes of loads plus bm x bn x 4 of stores on the tile's DMA; blocks are
 * dealt round-robin, so the GEMM takes ceil(blocks / harts) rounds of the slower of the two, then the last store. Big blocks
 * load less per MAC, small ones spread over more tiles: the planner tries the block sizes that fit the accumulator
 * (two blocks, or one when every hart has at most one) and the scratchpad (four stages of A and B) and keeps the
 * cheapest. The control core divides slowly (~34 cycles) and every core plans for itself before its first DMA, so
 * the search is kept to a few dozen candidates in 32-bit arithmetic. */
#include "gemm_plan.h"

#include "local_alloc.h"
#include "kernel_common.h"
#include "npuemu/hal.h"

/* DMA cycles of a tile's loads and stores as the cost model sees them: ~51 bytes per cycle, the default chip's HBM
 * bandwidth shared by its 32 tiles (each tile's engine alone moves 64). Only the ranking of plans uses it. */
static uint32_t dma_cycles_of(uint32_t bytes) { return (bytes >> 8) * 5u; }

/* Block heights and widths tried, in array rows / columns. */
static const uint8_t kGroups[] = {1, 2, 3, 4, 6, 8};
#define GROUP_CHOICES (sizeof kGroups / sizeof kGroups[0])

struct candidate {
    uint32_t i, j;          /* indices into kGroups of the block's height and width */
    uint32_t cost, bytes;   /* estimated cycles / 16; all harts' DMA bytes / 256, which breaks ties (HBM is shared) */
};

static int has_epilogue(const struct npu_gemm_args *g) {
    return g->bias || g->scale_cols || g->activation || g->c_bf16;
}

/* Scratchpad bytes of the epilogue's buffers for one accumulator buffer: the bias slice and the BF16 block. */
static uint32_t epilogue_bytes(const struct npu_gemm_args *g, uint32_t bm, uint32_t bn) {
    if (!has_epilogue(g)) return 0;
    return bn * 4 + (g->c_bf16 ? bm * bn * 2 : 0);
}

/* Lays out the stages and accumulator buffers for (bm, bn) with stages of bk, each buffer in a bank of its own with
 * own_banks; 0 if they do not fit. */
static int layout(struct npu_gemm_plan *p, const struct npu_gemm_args *g, const struct npu_geometry *geo, uint32_t bk,
                  int own_banks) {
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    /* A and B of a stage in different banks (the DMA fills one stage while the array reads another). */
    for (uint32_t s = 0; s < GEMM_STAGES; ++s) p->stage_a[s] = local_take(&sp, p->bm * bk * p->elem, own_banks);
    for (uint32_t s = 0; s < GEMM_STAGES; ++s) p->stage_b[s] = local_take(&sp, bk * p->bn * p->elem, own_banks);
    for (uint32_t i = 0; i < p->acc_buffers; ++i) p->acc[i] = local_take(&acc, p->bm * p->bn * 4, own_banks);
    if (p->acc_buffers == 1) p->acc[1] = p->acc[0];
    p->bias[0] = p->bias[1] = p->out_bf16[0] = p->out_bf16[1] = 0;
    for (uint32_t i = 0; has_epilogue(g) && i < p->acc_buffers; ++i) {
        p->bias[i] = local_take(&sp, p->bn * 4, 0);
        if (g->c_bf16) p->out_bf16[i] = local_take(&sp, p->bm * p->bn * 2, own_banks);
    }
    if (p->acc_buffers == 1) {
        p->bias[1] = p->bias[0];
        p->out_bf16[1] = p->out_bf16[0];
    }
    p->bk = bk;
    return !sp.failed && !acc.failed;
}

struct npu_gemm_plan gemm_make_plan(const struct npu_gemm_args *g, const struct npu_geometry *geo, uint32_t harts) {
    struct npu_gemm_plan p;
    p.elem = g->dtype == NPU_DTYPE_BF16 ? 2 : 1;
    const uint32_t rows = geo->rows, cols = geo->cols;
    const uint32_t row_groups = (g->m + rows - 1) / rows, col_groups = (g->n + cols - 1) / cols;
    const uint32_t k_chunks = (g->k + rows - 1) / rows, k_bytes = g->k * p.elem;
    /* ceil(x / harts) = mulhu(x + harts - 1, reciprocal) for the small x here (one hart: x itself). */
    const uint32_t reciprocal = harts > 1 ? 0xFFFFFFFFu / harts + 1 : 0;
    /* Per block width: the width, the blocks across n, and the bytes of B a block loads (in 256s). */
    uint32_t bn_of[GROUP_CHOICES], blocks_n_of[GROUP_CHOICES], groups_of[GROUP_CHOICES];
    uint32_t widths = 0;
    for (; widths < GROUP_CHOICES && (widths == 0 || kGroups[widths - 1] < col_groups); ++widths) {
        groups_of[widths] = min_u32(kGroups[widths], col_groups);
        bn_of[widths] = groups_of[widths] * cols;
        blocks_n_of[widths] = (col_groups + kGroups[widths] - 1) / kGroups[widths];
    }
    const uint32_t acc_bytes = geo->accumulator_bytes, stage_bytes = GEMM_STAGES * rows * p.elem;
    const uint32_t out_elem = g->c_bf16 ? 2 : 4;
    struct candidate best = {0, 0, ~0u, ~0u};
    for (uint32_t i = 0; i < GROUP_CHOICES; ++i) {
        if (i > 0 && kGroups[i - 1] >= row_groups) break; /* taller blocks than m are the same block */
        const uint32_t bm = min_u32(kGroups[i] * rows, g->m);
        const uint32_t blocks_m = (row_groups + kGroups[i] - 1) / kGroups[i];
        const uint32_t array_per_group = bm * k_chunks, a_bytes = bm * k_bytes;
        for (uint32_t j = 0; j < widths; ++j) {
            const uint32_t bn = bn_of[j], block_bytes = bm * bn * 4;
            /* Wider blocks only need more room (a wider one can have fewer rounds, so one buffer: still over). */
            if (block_bytes > acc_bytes || (bm + bn) * stage_bytes + epilogue_bytes(g, bm, bn) > geo->scratchpad_bytes) {
                break;
            }
            const uint32_t blocks = blocks_m * blocks_n_of[j];
            const uint32_t rounds = harts > 1 ? (uint32_t)(((uint64_t)(blocks + harts - 1) * reciprocal) >> 32) : blocks;
            /* Two buffers when a hart has two blocks. */
            if (rounds > 1 && (2 * block_bytes > acc_bytes ||
                               (bm + bn) * stage_bytes + 2 * epilogue_bytes(g, bm, bn) > geo->scratchpad_bytes)) {
                continue;
            }
            const uint32_t store_bytes = bm * bn * out_elem;
            const uint32_t array_cycles = array_per_group * groups_of[j];
            const uint32_t block_dma_bytes = a_bytes + min_u32(bn, g->n) * k_bytes + store_bytes;
            const uint32_t dma_cycles = dma_cycles_of(block_dma_bytes);
            /* Every round costs the slower of array and DMA; the last block's store comes after it (half of it: the
             * kernel stores the last block's column groups as they finish). In 16s of cycles, saturating. */
            const uint32_t round_cost = (array_cycles > dma_cycles ? array_cycles : dma_cycles) >> 4;
            const uint32_t cost = rounds < 0x10000u && round_cost < 0x10000u
                                      ? rounds * round_cost + (dma_cycles_of(store_bytes) >> 5) : ~0u - 1;
            const uint32_t bytes = blocks * (block_dma_bytes >> 8);
            if (cost < best.cost || (cost == best.cost && bytes < best.bytes)) {
                best.i = i;
                best.j = j;
                best.cost = cost;
                best.bytes = bytes;
            }
        }
    }
    if (best.cost == ~0u) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* not even one array's block fits: a broken chip */
    p.bm = min_u32(kGroups[best.i] * rows, g->m);
    p.bn = bn_of[best.j];
    p.blocks_m = (row_groups + kGroups[best.i] - 1) / kGroups[best.i];
    p.blocks_n = blocks_n_of[best.j];
    const uint32_t blocks = p.blocks_m * p.blocks_n;
    p.acc_buffers = blocks > harts ? 2 : 1;
    /* Deeper stages (up to four array heights) mean fewer DMA and semaphore instructions for the control core. */
    /* Per depth, buffers in banks of their own if they fit, else packed; then shallower. */
    uint32_t depth = min_u32(4, k_chunks);
    while (!layout(&p, g, geo, depth * rows, 1) && !layout(&p, g, geo, depth * rows, 0)) {
        if (depth == 1) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
        --depth;
    }
    p.stages_k = (k_chunks + depth - 1) / depth;
    return p;
}
