/* Row-wise passes on the vector unit (see npuemu/kernels.h for the order of the steps).
 *
 * Each hart takes one contiguous share of the rows (ceil(rows / harts)) and works through it a chunk at a time,
 * double-buffered: the accumulator holds X[b] (the rows being worked on) and T[b] (a second FP32 block: the
 * residual, or squares for the variance) for b = 0, 1; the scratchpad holds the bias, gamma and beta rows and, per
 * buffer, two per-row vectors V1 and V2, the BF16 residual staging and the BF16 output. X, T and the BF16 buffers
 * get banks of their own where they fit, so an instruction's operands do not queue for one bank. The DMA brings
 * chunk i + 1 in while the vector unit works on chunk i: IN[b] (DMA -> VECTOR) says buffer b holds its chunk, OUT[b]
 * (VECTOR -> DMA) that its results are ready. A buffer's next load sits behind its stores in the DMA queue, so it
 * never overwrites rows still being stored. */
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum { FLAG_IN = 16, FLAG_OUT = 18 }; /* + buffer */

/* Shape and strides for an op over `rows` rows of `cols` elements. */
static void shape(uint32_t cols, uint32_t rows, uint32_t in, uint32_t out, uint32_t dst_ld, uint32_t a_ld,
                  uint32_t b_ld) {
    npu_vx_shape(cols, rows, in, out, 0, 0);
    npu_vx_strides(dst_ld, a_ld, b_ld);
}

/* Lays out the buffers for chunks of `chunk` rows; with own_banks, every buffer that one vector instruction or the
 * overlapping DMA touches beside another gets a bank of its own; with spare, x's spare buffer too. 0 if they do not
 * fit. */
static int layout_rows(const struct npu_rows_args* r, const struct npu_geometry* geo, uint32_t chunk, int own_banks,
                       int spare, struct npu_rows_plan* p) {
    const uint32_t row32 = r->cols * 4, row16 = r->cols * 2;
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    p->chunk = chunk;
    p->bias = local_take(&sp, row32, 0);
    p->gamma = local_take(&sp, row32, 0);
    p->beta = local_take(&sp, row32, 0);
    for (uint32_t b = 0; b < 2; ++b) {
        p->buffer[b].v1 = local_take(&sp, chunk * 4, 0);
        p->buffer[b].v2 = local_take(&sp, chunk * 4, 0);
    }
    for (uint32_t b = 0; b < 2; ++b) {
        struct npu_rows_buffer* buf = &p->buffer[b];
        /* src_local: x and the further sources are the chunk's rows where they already lie. */
        buf->x = r->src_local ? 0 : local_take(&acc, chunk * row32, own_banks);
        buf->t = local_take(&acc, chunk * row32, own_banks);
        buf->spare = spare ? local_take(&acc, chunk * row32, own_banks) : 0;
        for (uint32_t i = 0; i < r->src_more_count; ++i)
            buf->more[i] = r->src_local ? 0 : local_take(&acc, chunk * row32, own_banks);
        buf->mul = r->mul_src ? local_take(&acc, chunk * row32, own_banks) : 0;
        buf->cos = r->rotary_cos ? local_take(&acc, chunk * r->rotary_dim * 2, 0) : 0;
        buf->sin = r->rotary_cos ? local_take(&acc, chunk * r->rotary_dim * 2, 0) : 0;
        buf->res16 = local_take(&sp, chunk * row16, own_banks);
        buf->out16 = local_take(&sp, chunk * row16, own_banks);
    }
    return !acc.failed && !sp.failed;
}

static struct npu_rows_plan plan_rows(const struct npu_rows_args* r, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    struct npu_rows_plan p;
    /* Rows per chunk: at most 64 and a third of a hart's share (so loads, work and stores overlap); fewer while the
     * buffers do not fit in banks of their own, then packed. */
    const uint32_t share = (r->rows + harts - 1) / harts;
    const uint32_t first_try = min_u32(64, (share + 2) / 3);
    /* x's spare buffer only where it fits beside chunks of the first size: it saves a bank's turn per step, less
     * than smaller chunks cost. */
    if (layout_rows(r, &geo, first_try, 1, 1, &p)) return p;
    for (int own_banks = 1; own_banks >= 0; --own_banks) {
        for (uint32_t chunk = first_try; chunk > 0; chunk = chunk > 8 ? chunk - chunk / 4 : chunk - 1) {
            if (layout_rows(r, &geo, chunk, own_banks, 0, &p)) return p;
        }
    }
    npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* rows too wide for this chip's local memories */
    return p;
}

static void load_chunk(const struct npu_rows_args* r, const struct npu_rows_buffer* buf, uint32_t r0, uint32_t n) {
    const uint32_t row32 = r->cols * 4, row16 = r->cols * 2;
    for (uint32_t i = 0; !r->src_local && i <= r->src_more_count; ++i) {
        const uint32_t src = i == 0 ? r->src : r->src_more + (i - 1) * r->src_more_stride;
        dma_block(src + r0 * r->src_ld, r->src_ld, i == 0 ? buf->x : buf->more[i - 1], row32, n, row32);
    }
    if (r->mul_src) dma_block(r->mul_src + r0 * r->mul_ld, r->mul_ld, buf->mul, row32, n, row32);
    if (r->rotary_cos) {
        const uint32_t half32 = r->rotary_dim * 2;
        dma_block(r->rotary_cos + r0 * half32, half32, buf->cos, half32, n, half32);
        dma_block(r->rotary_sin + r0 * half32, half32, buf->sin, half32, n, half32);
    }
    if (r->residual) {
        const int bf16 = r->residual_dtype == NPU_DTYPE_BF16;
        dma_block(r->residual + r0 * r->residual_ld, r->residual_ld, bf16 ? buf->res16 : buf->t, bf16 ? row16 : row32,
                  n, bf16 ? row16 : row32);
    }
}

/* The chunk's results out: FP32 from x (where compute_chunk left them), BF16 from the buffer's out16. */
static void store_chunk(const struct npu_rows_args* r, const struct npu_rows_buffer* buf, uint32_t x, uint32_t r0,
                        uint32_t n) {
    const uint32_t row32 = r->cols * 4, row16 = r->cols * 2;
    if (r->dst_fp32) dma_block(x, row32, r->dst_fp32 + r0 * r->dst_fp32_ld, r->dst_fp32_ld, n, row32);
    if (r->dst_bf16) dma_block(buf->out16, row16, r->dst_bf16 + r0 * r->dst_bf16_ld, r->dst_bf16_ld, n, row16);
}

/* Rotary embedding of a chunk's first rotary_heads heads: per head, x1' = x1 cos - x2 sin, x2' = x2 cos + x1 sin
 * (halves of rotary_dim columns), the four products in T, then the difference and the sum into x. */
static void rotate(const struct npu_rows_args* r, const struct npu_rows_buffer* buf, uint32_t x, uint32_t n) {
    const uint32_t row32 = r->cols * 4, half = r->rotary_dim / 2, half32 = half * 4, part = n * half32;
    const uint32_t t1 = buf->t, t2 = t1 + part, t3 = t2 + part, t4 = t3 + part;
    for (uint32_t h = 0; h < r->rotary_heads; ++h) {
        const uint32_t x1 = x + h * r->rotary_dim * 4, x2 = x1 + half32;
        shape(half, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, half32, row32, half32);
        npu_vx_mul(t1, x1, buf->cos);
        npu_vx_mul(t2, x2, buf->sin);
        npu_vx_mul(t3, x2, buf->cos);
        npu_vx_mul(t4, x1, buf->sin);
        shape(half, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, half32, half32);
        npu_vx_sub(x1, t1, t2);
        npu_vx_add(x2, t3, t4);
    }
}

/* Before a step of all of x's columns that would read and write x: x moves to its spare buffer (where there is
 * one; the step then reads one bank and writes another instead of waiting for the bank's turn), and the step reads
 * the old x, returned. */
static uint32_t move_x(uint32_t* x, uint32_t* spare) {
    const uint32_t from = *x;
    if (*spare) {
        *x = *spare;
        *spare = from;
    }
    return from;
}

/* The vector unit's steps on one chunk of n rows, in the documented order (inv_cols: the FP32 bits of 1 / cols, from
 * the plan: the control core has no FPU, and a software division per chunk delayed the vector unit's steps).
 * x: the chunk's rows (buf->x, or where they lie with src_local; the further sources `local` bytes into each).
 * Returns where the chunk's results are (x or buf->spare). */
static uint32_t compute_chunk(const struct npu_rows_args* r, const struct npu_rows_plan* p,
                              const struct npu_rows_buffer* buf, uint32_t x, uint32_t local, uint32_t n,
                              uint32_t inv_cols) {
    const uint32_t row32 = r->cols * 4, row16 = r->cols * 2;
    const uint32_t t = buf->t, v1 = buf->v1, v2 = buf->v2;
    uint32_t spare = buf->spare, from;
    if (r->src_more_count) {
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, row32);
        for (uint32_t i = 0; i < r->src_more_count; ++i) {
            from = move_x(&x, &spare);
            npu_vx_add(x, from, r->src_local ? r->src_more + i * r->src_more_stride + local : buf->more[i]);
        }
    }
    shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
    if (r->bias) {
        from = move_x(&x, &spare);
        npu_vx_add_colb(x, from, p->bias);
    }
    if (r->residual) {
        if (r->residual_dtype == NPU_DTYPE_BF16) {
            shape(r->cols, n, NPU_DTYPE_BF16, NPU_DTYPE_FP32, row32, row16, 0);
            npu_vx_convert(t, buf->res16);
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, row32);
        }
        from = move_x(&x, &spare);
        npu_vx_add(x, from, t);
    }
    if (r->rotary_cos) rotate(r, buf, x, n);
    if (r->scale_cols) {
        shape(r->scale_cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
        npu_vx_mul_scalar(x, x, r->scale_bits);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
    }
    if (r->activation == NPU_ACT_GELU || r->activation == NPU_ACT_RELU) {
        from = move_x(&x, &spare);
        if (r->activation == NPU_ACT_GELU) npu_vx_gelu(x, from);
        if (r->activation == NPU_ACT_RELU) npu_vx_relu(x, from);
    }
    if (r->activation == NPU_ACT_SILU) {
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, row32);
        npu_vx_mul_scalar(t, x, float_bits(-1.0f));
        npu_vx_exp(t, t);
        npu_vx_add_scalar(t, t, float_bits(1.0f));
        npu_vx_recip(t, t);
        from = move_x(&x, &spare);
        npu_vx_mul(x, from, t);
    }
    if (r->mul_src) {
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, row32);
        from = move_x(&x, &spare);
        npu_vx_mul(x, from, buf->mul);
    }
    if (r->op == NPU_ROWS_SOFTMAX) {
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
        npu_vx_rowmax(v1, x);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
        from = move_x(&x, &spare);
        npu_vx_sub_rowb(x, from, v1);
        from = move_x(&x, &spare);
        npu_vx_exp(x, from);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
        npu_vx_rowsum(v2, x);
        shape(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
        npu_vx_recip(v2, v2);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
        from = move_x(&x, &spare);
        npu_vx_mul_rowb(x, from, v2);
    } else if (r->op == NPU_ROWS_LAYERNORM) {
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
        npu_vx_rowsum(v1, x);
        shape(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
        npu_vx_mul_scalar(v1, v1, inv_cols); /* mean */
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
        from = move_x(&x, &spare);
        npu_vx_sub_rowb(x, from, v1); /* x - mean */
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, row32);
        npu_vx_mul(t, x, x);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
        npu_vx_rowsum(v2, t);
        shape(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
        npu_vx_mul_scalar(v2, v2, inv_cols); /* variance */
        npu_vx_add_scalar(v2, v2, r->eps_bits);
        npu_vx_rsqrt(v2, v2);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
        from = move_x(&x, &spare);
        npu_vx_mul_rowb(x, from, v2);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
        from = move_x(&x, &spare);
        npu_vx_mul_colb(x, from, p->gamma);
        from = move_x(&x, &spare);
        npu_vx_add_colb(x, from, p->beta);
    } else if (r->op == NPU_ROWS_RMSNORM) {
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, row32);
        npu_vx_mul(t, x, x);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
        npu_vx_rowsum(v2, t);
        shape(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
        npu_vx_mul_scalar(v2, v2, inv_cols); /* mean of squares */
        npu_vx_add_scalar(v2, v2, r->eps_bits);
        npu_vx_rsqrt(v2, v2);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
        from = move_x(&x, &spare);
        npu_vx_mul_rowb(x, from, v2);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
        from = move_x(&x, &spare);
        npu_vx_mul_colb(x, from, p->gamma);
    }
    if (r->dst_bf16) {
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, row16, row32, 0);
        npu_vx_convert(buf->out16, x);
    }
    return x;
}

void npu_rows(const struct npu_rows_args* r, uint32_t hart, uint32_t harts) {
    struct npu_rows_plan p;
    npu_rows_prepare(r, harts, &p);
    npu_rows_planned(r, &p, hart, harts);
}

void npu_rows_prepare(const struct npu_rows_args* r, uint32_t harts, struct npu_rows_plan* plan) {
    if (r->src_more_count > NPU_ROWS_MAX_MORE) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
    /* Rotary: its four products per head fit in T only if a row holds two heads. */
    if (r->rotary_cos && (r->rotary_dim % 2 || 2 * r->rotary_dim > r->cols)) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
    *plan = plan_rows(r, harts);
    plan->inv_cols_bits = float_bits(1.0f / (float)r->cols);
}

void npu_rows_planned(const struct npu_rows_args* r, const struct npu_rows_plan* plan, uint32_t hart, uint32_t harts) {
    if (r->src_more_count > NPU_ROWS_MAX_MORE) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
    if (r->src_local && r->src_ld != r->cols * 4) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* in place: dense rows */
    const struct npu_rows_plan p = *plan;
    const uint32_t row32 = r->cols * 4;
    const uint32_t share = (r->rows + harts - 1) / harts;
    const uint32_t first = min_u32(hart * share, r->rows), end = min_u32(first + share, r->rows);
    const uint32_t chunks = (end - first + p.chunk - 1) / p.chunk;
    if (chunks == 0) return;

    if (r->bias) dma_block(r->bias, row32, p.bias, row32, 1, row32);
    if (r->op == NPU_ROWS_LAYERNORM || r->op == NPU_ROWS_RMSNORM) dma_block(r->gamma, row32, p.gamma, row32, 1, row32);
    if (r->op == NPU_ROWS_LAYERNORM) dma_block(r->beta, row32, p.beta, row32, 1, row32);
    load_chunk(r, &p.buffer[0], first, min_u32(p.chunk, end - first));
    npu_signal(NPU_QUEUE_DMA, FLAG_IN + 0);
    /* The rows' writers' doorbells, before the vector unit's first step (the DMA queue goes on loading). */
    for (uint32_t i = 0; i < r->src_ready_count; ++i) npu_wait(NPU_QUEUE_VECTOR, r->src_ready_flag);
    uint32_t results[2] = {0, 0}; /* where each buffer's last chunk left its results */
    /* src_local: chunk i's rows are i * chunk rows into src (and each further source). */
    const uint32_t chunk_bytes = p.chunk * r->src_ld;
    for (uint32_t i = 0; i < chunks; ++i) {
        const uint32_t b = i & 1, r0 = first + i * p.chunk, n = min_u32(p.chunk, end - r0);
        /* DMA: the previous chunk's results out, then the next chunk into its buffer. */
        if (i > 0) {
            npu_wait(NPU_QUEUE_DMA, FLAG_OUT + (b ^ 1));
            store_chunk(r, &p.buffer[b ^ 1], results[b ^ 1], r0 - p.chunk, p.chunk);
        }
        if (i + 1 < chunks) {
            load_chunk(r, &p.buffer[b ^ 1], r0 + p.chunk, min_u32(p.chunk, end - r0 - p.chunk));
            npu_signal(NPU_QUEUE_DMA, FLAG_IN + (b ^ 1));
        }
        npu_wait(NPU_QUEUE_VECTOR, FLAG_IN + b);
        const uint32_t local = i * chunk_bytes, x = r->src_local ? r->src + local : p.buffer[b].x;
        results[b] = compute_chunk(r, &p, &p.buffer[b], x, local, n, p.inv_cols_bits);
        npu_signal(NPU_QUEUE_VECTOR, FLAG_OUT + b);
    }
    const uint32_t last = chunks - 1, r_last = first + last * p.chunk;
    npu_wait(NPU_QUEUE_DMA, FLAG_OUT + (last & 1));
    store_chunk(r, &p.buffer[last & 1], results[last & 1], r_last, end - r_last);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}
