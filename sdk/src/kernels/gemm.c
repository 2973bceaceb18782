/* Tiled GEMM on one tile's NPU, with a pipeline of staging buffers (see npuemu/kernels.h; the block sizes come from
 * gemm_plan.c).
 *
 * Scratchpad: A[s] (bm x bk) and B[s] (bk x bn) for GEMM_STAGES stages, each in its own bank where it fits.
 * Accumulator: one or two blocks of bm x bn results, so one block's results go out while the next accumulates.
 * Semaphores: LOADED[s] (DMA -> MATRIX: stage s holds its chunk of k), FREE[s] (MATRIX -> DMA: stage s may be
 * refilled), READY[a] (MATRIX -> DMA: acc a holds a finished block), DRAINED[a] (DMA -> MATRIX: acc a was stored).
 * A hart's last block has nothing to overlap its store with, so its last stage runs column group by column group
 * and GROUP_DONE (MATRIX -> DMA) lets each group's results out while the array works on the next.
 * With an epilogue (bias, scaling, activation, BF16 out) the vector unit works on each finished block (or column
 * group) between the array and the store: READY / GROUP_DONE go to the VECTOR queue, which signals EPILOGUE[a] /
 * GROUP_EPILOGUE to the DMA. A block's bias slice is loaded before its first stage.
 * FREE and DRAINED start with one credit each; the kernel takes the leftover credits back at the end, so every
 * semaphore is zero again when it returns. Four stages keep the DMA streaming when the round trip (transfer,
 * landing latency, weight preload, drain) is longer than a stage's compute, as in GEMV. A stage is up to four array
 * heights of k deep; the array still takes it one array height at a time, so the sums are the same for any plan. */
#include "gemm_plan.h"
#include "kernel_common.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum {
    FLAG_LOADED = 0,
    FLAG_FREE = GEMM_STAGES,
    FLAG_READY = 2 * GEMM_STAGES,
    FLAG_DRAINED = 2 * GEMM_STAGES + 2,
    FLAG_GROUP_DONE = 2 * GEMM_STAGES + 4, /* MATRIX -> DMA (or VECTOR): a column group of the last block is final */
    FLAG_EPILOGUE = 2 * GEMM_STAGES + 5,   /* + acc buffer, VECTOR -> DMA: the block's epilogue is done */
    FLAG_GROUP_EPILOGUE = 2 * GEMM_STAGES + 7, /* VECTOR -> DMA: a column group's epilogue is done */
};

/* Where the results go out from and to: FP32/INT32 from the accumulator to c, or BF16 from the epilogue's buffer to
 * c_bf16. */
struct output {
    int epilogue;
    uint32_t elem, base, ld;
    uint32_t tile_rows, tile_flag; /* npu_gemm_args.c_tile_rows / c_tile_flag */
};

static struct output output_of(const struct npu_gemm_args* g) {
    struct output o;
    o.epilogue = g->bias || g->scale_cols || g->activation || g->c_bf16;
    o.elem = g->c_bf16 ? 2 : 4;
    o.base = g->c_bf16 ? g->c_bf16 : g->c;
    o.ld = g->c_bf16 ? g->ldc_bf16 : g->ldc;
    o.tile_rows = g->c_tile_rows;
    o.tile_flag = g->c_tile_flag;
    return o;
}

/* With C spread over the tiles (c_tile_rows): rows [row, row + rows) of a block's results (rows src_ld apart from
 * src) out to their tiles, bytes [col_bytes, col_bytes + row_bytes) of each: one copy for the rows before the first
 * tile boundary, one 3-D copy (a plane per tile) for the tiles that get c_tile_rows of them, one for the rest. */
static void store_spread(const struct output* o, uint32_t src, uint32_t src_ld, uint32_t row, uint32_t col_bytes,
                         uint32_t rows, uint32_t row_bytes) {
    const uint32_t per_tile = o->tile_rows, end = row + rows, local = o->base - NPUEMU_TILE_LOCAL_BASE + col_bytes;
    uint32_t tile = row / per_tile, r = row;
    while (r < end) {
        const uint32_t into = r - tile * per_tile;
        const uint32_t whole = into == 0 ? (end - r) / per_tile : 0; /* tiles that get per_tile rows from r */
        const uint32_t n = whole ? per_tile : min_u32(per_tile - into, end - r), planes = whole ? whole : 1;
        const uint32_t dst =
            NPUEMU_TILE_SRAM_GLOBAL_BASE + tile * NPUEMU_TILE_LOCAL_WINDOW_BYTES + local + into * o->ld;
        npu_dma_shape(row_bytes, 0, n, planes);
        npu_dma_src_stride(src_ld, per_tile * src_ld);
        npu_dma_dst_stride(o->ld, NPUEMU_TILE_LOCAL_WINDOW_BYTES);
        npu_dma_copy(src + (r - row) * src_ld, dst);
        r += n * planes;
        tile += planes;
    }
}

/* After a block's stores (rows [m0, m0 + bm)) with C spread over the tiles: a doorbell to each tile that got rows
 * of it, rung when the copies have landed. */
static void ring_row_owners(const struct output* o, uint32_t m0, uint32_t bm) {
    for (uint32_t tile = m0 / o->tile_rows; tile <= (m0 + bm - 1) / o->tile_rows; ++tile)
        npu_dma_doorbell(NPU_CHIP_SELF, tile, o->tile_flag);
}

/* A finished block whose results still have to go out, a slice per stage load of the next block: rows [m0, m0 +
 * rows) of C, from dst (with C spread over the tiles, dst is the block's column offset in bytes). */
struct pending_store {
    int pending;
    uint32_t acc_index, ready_flag, src, src_ld, dst, dst_ld, rows, row_bytes, m0;
};

static void store_slice(struct pending_store* st, uint32_t piece, uint32_t pieces) {
    const uint32_t rows_per_piece = (st->rows + pieces - 1) / pieces;
    const uint32_t r0 = min_u32(piece * rows_per_piece, st->rows), r1 = min_u32(r0 + rows_per_piece, st->rows);
    if (piece == 0) npu_wait(NPU_QUEUE_DMA, st->ready_flag);
    if (r1 > r0)
        dma_block(st->src + r0 * st->src_ld, st->src_ld, st->dst + r0 * st->dst_ld, st->dst_ld, r1 - r0, st->row_bytes);
    if (piece == pieces - 1) {
        npu_signal(NPU_QUEUE_DMA, FLAG_DRAINED + st->acc_index);
        st->pending = 0;
    }
}

/* store_slice with C spread over the tiles (its own function: the plain one runs once per block and piece, and the
 * control core is the bottleneck of small GEMMs). */
static void store_slice_spread(const struct output* out, struct pending_store* st, uint32_t piece, uint32_t pieces) {
    const uint32_t rows_per_piece = (st->rows + pieces - 1) / pieces;
    const uint32_t r0 = min_u32(piece * rows_per_piece, st->rows), r1 = min_u32(r0 + rows_per_piece, st->rows);
    if (piece == 0) npu_wait(NPU_QUEUE_DMA, st->ready_flag);
    if (r1 > r0) store_spread(out, st->src + r0 * st->src_ld, st->src_ld, st->m0 + r0, st->dst, r1 - r0, st->row_bytes);
    if (piece == pieces - 1) {
        ring_row_owners(out, st->m0, st->rows);
        npu_signal(NPU_QUEUE_DMA, FLAG_DRAINED + st->acc_index);
        st->pending = 0;
    }
}

/* One array height (kk) of a stage through one column group (j) of the block: its weights, then the stream of A. */
static void matmul_step(const struct npu_gemm_plan* p, const struct npu_gemm_args* g, const struct npu_geometry* geo,
                        uint32_t stage, uint32_t acc, uint32_t bm, uint32_t bn, uint32_t k0, uint32_t kk, uint32_t kb,
                        uint32_t j) {
    const uint32_t e = p->elem, kr = min_u32(geo->rows, kb - kk), n = min_u32(geo->cols, bn - j);
    if (g->b_transposed) {
        npu_mx_load_weights(p->stage_b[stage] + (j * p->bk + kk) * e, kr, n, 1, p->bk * e);
    } else {
        npu_mx_load_weights(p->stage_b[stage] + (kk * p->bn + j) * e, kr, n, 0, p->bn * e);
    }
    npu_mx_matmul(p->stage_a[stage] + kk * e, acc + j * 4, bm, k0 + kk > 0);
}

/* The epilogue on columns [j, j + width) of the block in accumulator buffer a (block columns n0...), in npu_rows'
 * order: + bias, scaling of the columns below scale_cols, activation, BF16 out. */
static void epilogue(const struct npu_gemm_args* g, const struct npu_gemm_plan* p, uint32_t a, uint32_t rows,
                     uint32_t n0, uint32_t j, uint32_t width) {
    const uint32_t x = p->acc[a] + j * 4, ld32 = p->bn * 4;
    npu_vx_shape(width, rows, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 0, 0);
    npu_vx_strides(ld32, ld32, 0);
    if (g->bias) npu_vx_add_colb(x, x, p->bias[a] + j * 4);
    if (g->scale_cols > n0 + j) {
        npu_vx_shape(min_u32(width, g->scale_cols - n0 - j), rows, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 0, 0);
        npu_vx_mul_scalar(x, x, g->scale_bits);
        npu_vx_shape(width, rows, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 0, 0);
    }
    if (g->activation == NPU_ACT_GELU) npu_vx_gelu(x, x);
    if (g->activation == NPU_ACT_RELU) npu_vx_relu(x, x);
    if (g->c_bf16) {
        npu_vx_shape(width, rows, NPU_DTYPE_FP32, NPU_DTYPE_BF16, 0, 0);
        npu_vx_strides(p->bn * 2, ld32, 0);
        npu_vx_convert(p->out_bf16[a] + j * 2, x);
    }
}

/* A block's stages: p->bk deep each. When every hart has one block at most (a GEMM of one round, whose tail is a
 * large part of it) and blocks are at least an array height tall, the block's stages are one array height deep, so
 * the work left after its last load (which nothing overlaps) is one array height, not a whole stage: BERT-base's
 * QKV projection at seq 384 went from 15,493 to 13,712 cycles. With more rounds the tail is a small part, and short
 * stages load short rows less efficiently (the 2048^3 INT8 GEMM lost 3 points with every hart's last block split). */
static int split_tail(const struct npu_gemm_plan* p, const struct npu_geometry* geo, uint32_t harts) {
    return p->blocks_m * p->blocks_n <= harts && p->bm >= geo->rows && p->stages_k > 0;
}

void npu_gemm_plan(const struct npu_gemm_args* g, uint32_t harts, struct npu_gemm_plan* plan) {
    const struct npu_geometry geo = npu_read_geometry();
    *plan = gemm_make_plan(g, &geo, harts);
}

void npu_gemm(const struct npu_gemm_args* g, uint32_t hart, uint32_t harts) {
    struct npu_gemm_plan plan;
    npu_gemm_plan(g, harts, &plan);
    npu_gemm_planned(g, &plan, hart, harts);
}

void npu_gemm_planned(const struct npu_gemm_args* g, const struct npu_gemm_plan* plan, uint32_t hart, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    const struct npu_gemm_plan p = *plan;
    const uint32_t blocks = p.blocks_m * p.blocks_n, e = p.elem, k_chunks = (g->k + geo.rows - 1) / geo.rows;
    const struct output out = output_of(g);
    if (out.epilogue && g->dtype != NPU_DTYPE_BF16) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* FP32 epilogue only */

    npu_mx_config(g->dtype, p.bk * e, p.bn * 4);
    for (uint32_t s = 0; s < GEMM_STAGES; ++s) npu_signal(NPU_QUEUE_MATRIX, FLAG_FREE + s);
    for (uint32_t a = 0; a < p.acc_buffers; ++a) npu_signal(NPU_QUEUE_DMA, FLAG_DRAINED + a);

    uint32_t stage = 0;     /* next scratchpad stage to fill */
    uint32_t acc_index = 0; /* accumulator buffer of the current block */
    struct pending_store st = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    /* The previous block's store is spread over this block's stage loads from the second on, so the loads keep the
     * array fed while the results go out. */
    const uint32_t pieces = p.stages_k > 1 ? p.stages_k - 1 : 1, first_piece_stage = p.stages_k > 1 ? 1 : 0;

    for (uint32_t block = hart; block < blocks; block += harts) {
        const uint32_t m0 = (block / p.blocks_n) * p.bm, n0 = (block % p.blocks_n) * p.bn;
        const uint32_t bm = min_u32(p.bm, g->m - m0), bn = min_u32(p.bn, g->n - n0);
        const uint32_t acc = p.acc[acc_index];
        const int last_block = block + harts >= blocks;
        npu_wait(NPU_QUEUE_MATRIX, FLAG_DRAINED + acc_index);
        if (g->bias) dma_block(g->bias + n0 * 4, 0, p.bias[acc_index], 0, 1, bn * 4);
        const int split = split_tail(&p, &geo, harts); /* then this is the hart's only block */
        const uint32_t depth = split ? geo.rows : p.bk, stages = split ? k_chunks : p.stages_k;
        for (uint32_t sk = 0; sk < stages; ++sk) {
            const uint32_t k0 = sk * depth, kb = min_u32(depth, g->k - k0);
            /* DMA: refill a stage with this chunk of A and B. */
            npu_wait(NPU_QUEUE_DMA, FLAG_FREE + stage);
            if (g->a_transposed) { /* A^T's kb x bm block lands as the bm x kb block of A, rows p.bk apart */
                dma_block_transposed(g->a + k0 * g->lda + m0 * e, g->lda, p.stage_a[stage], p.bk * e, kb, bm * e, e);
            } else {
                dma_block(g->a + m0 * g->lda + k0 * e, g->lda, p.stage_a[stage], p.bk * e, bm, kb * e);
            }
            if (g->b_transposed) { /* stage holds the bn x kb block of B's transpose, rows p.bk apart */
                dma_block(g->b + n0 * g->ldb + k0 * e, g->ldb, p.stage_b[stage], p.bk * e, bn, kb * e);
            } else {
                dma_block(g->b + k0 * g->ldb + n0 * e, g->ldb, p.stage_b[stage], p.bn * e, kb, bn * e);
            }
            npu_signal(NPU_QUEUE_DMA, FLAG_LOADED + stage);
            if (st.pending && sk >= first_piece_stage) {
                if (out.tile_rows)
                    store_slice_spread(&out, &st, sk - first_piece_stage, pieces);
                else
                    store_slice(&st, sk - first_piece_stage, pieces);
            }
            /* MATRIX: per array height of the stage, one matmul per array-width column group of the block. */
            npu_wait(NPU_QUEUE_MATRIX, FLAG_LOADED + stage);
            if (last_block && sk == stages - 1) {
                /* The hart's last stage: column group by column group, each stored as soon as it is final. */
                for (uint32_t j = 0; j < bn; j += geo.cols) {
                    for (uint32_t kk = 0; kk < kb; kk += geo.rows)
                        matmul_step(&p, g, &geo, stage, acc, bm, bn, k0, kk, kb, j);
                    npu_signal(NPU_QUEUE_MATRIX, FLAG_GROUP_DONE);
                }
            } else {
                for (uint32_t kk = 0; kk < kb; kk += geo.rows) {
                    for (uint32_t j = 0; j < bn; j += geo.cols)
                        matmul_step(&p, g, &geo, stage, acc, bm, bn, k0, kk, kb, j);
                }
            }
            npu_signal(NPU_QUEUE_MATRIX, FLAG_FREE + stage);
            stage = (stage + 1) % GEMM_STAGES;
        }
        const uint32_t src = g->c_bf16 ? p.out_bf16[acc_index] : acc, src_ld = p.bn * out.elem;
        const uint32_t dst = out.tile_rows ? n0 * out.elem : out.base + m0 * out.ld + n0 * out.elem;
        if (last_block) {
            if (out.epilogue) {
                for (uint32_t j = 0; j < bn; j += geo.cols) {
                    npu_wait(NPU_QUEUE_VECTOR, FLAG_GROUP_DONE);
                    epilogue(g, &p, acc_index, bm, n0, j, min_u32(geo.cols, bn - j));
                    npu_signal(NPU_QUEUE_VECTOR, FLAG_GROUP_EPILOGUE);
                }
            }
            for (uint32_t j = 0; j < bn; j += geo.cols) {
                npu_wait(NPU_QUEUE_DMA, out.epilogue ? FLAG_GROUP_EPILOGUE : FLAG_GROUP_DONE);
                const uint32_t width = min_u32(geo.cols, bn - j) * out.elem;
                if (out.tile_rows)
                    store_spread(&out, src + j * out.elem, src_ld, m0, dst + j * out.elem, bm, width);
                else
                    dma_block(src + j * out.elem, src_ld, dst + j * out.elem, out.ld, bm, width);
            }
            if (out.tile_rows) ring_row_owners(&out, m0, bm);
            npu_signal(NPU_QUEUE_DMA, FLAG_DRAINED + acc_index);
        } else {
            npu_signal(NPU_QUEUE_MATRIX, FLAG_READY + acc_index);
            uint32_t ready_flag = FLAG_READY + acc_index;
            if (out.epilogue) {
                npu_wait(NPU_QUEUE_VECTOR, FLAG_READY + acc_index);
                epilogue(g, &p, acc_index, bm, n0, 0, bn);
                npu_signal(NPU_QUEUE_VECTOR, FLAG_EPILOGUE + acc_index);
                ready_flag = FLAG_EPILOGUE + acc_index;
            }
            st = (struct pending_store){1, acc_index, ready_flag, src, src_ld, dst, out.ld, bm, bn * out.elem, m0};
        }
        acc_index = p.acc_buffers > 1 ? acc_index ^ 1 : 0;
    }
    if (st.pending && out.tile_rows) store_slice_spread(&out, &st, 0, 1);
    if (st.pending) store_slice(&st, 0, 1);
    /* Take back the starting credits. */
    for (uint32_t s = 0; s < GEMM_STAGES; ++s) npu_wait(NPU_QUEUE_DMA, FLAG_FREE + s);
    for (uint32_t a = 0; a < p.acc_buffers; ++a) npu_wait(NPU_QUEUE_MATRIX, FLAG_DRAINED + a);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
}
