/* Backward passes of the row operations and column sums on the vector unit (see npuemu/kernels.h for the steps).
 *
 * Each hart takes one contiguous share of the rows (ceil(rows / harts)) and works through it a chunk at a time,
 * double-buffered as npu_rows is: buffer b holds a chunk's x, dy (and the residual gradient) and its results (dx in
 * x, dy xhat in u, the BF16 dx); the DMA loads chunk i + 1 into one buffer and stores chunk i - 1 from it while the
 * vector unit works on chunk i in the other. IN[b] (DMA -> VECTOR): buffer b holds its chunk; OUT[b] (VECTOR ->
 * DMA): its results are ready. A buffer's next load sits behind its stores in the DMA queue. The temporaries t and v
 * and the per-row vectors are shared: the vector unit takes the chunks in turn. */
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum { FLAG_BWD_IN = 16, FLAG_BWD_OUT = 18 }; /* + buffer */

struct backward_buffer {
    uint32_t x, dy, u, res; /* chunk x cols FP32 each */
    uint32_t out16;         /* chunk x cols BF16 */
};

struct backward_plan {
    uint32_t chunk; /* rows per chunk */
    struct backward_buffer buffer[2];
    uint32_t t, v;              /* chunk x cols FP32 temporaries */
    uint32_t gamma, v1, v2, v3; /* one FP32 row; one FP32 per row each */
    uint32_t sums[3];           /* the fused column sums' partial rows (dy, dy xhat, dx), or 0 */
};

/* The width of x's and dx's rows: SwiGLU's are [gate | up], twice dy's. */
static uint32_t backward_x_cols(const struct npu_rows_backward_args* r) {
    return r->op == NPU_BACKWARD_SWIGLU ? 2 * r->cols : r->cols;
}

static int backward_is_norm(const struct npu_rows_backward_args* r) {
    return r->op == NPU_BACKWARD_LAYERNORM || r->op == NPU_BACKWARD_RMSNORM;
}

static int backward_sums_wanted(const struct npu_rows_backward_args* r, uint32_t k) {
    return k == 0 ? r->sum_dy != 0 : k == 1 ? r->sum_dy_xhat != 0 : r->sum_dx != 0;
}

/* Buffers of chunk rows in the accumulator, then the scratchpad where the accumulator is full; with own_banks each
 * in a bank of its own where it fits in one. */
static int backward_layout(const struct npu_rows_backward_args* r, const struct npu_geometry* geo, uint32_t chunk,
                           int own_banks, struct backward_plan* p) {
    const uint32_t block = chunk * r->cols * 4, x_cols = backward_x_cols(r), x_block = chunk * x_cols * 4;
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    uint32_t* blocks[] = {&p->buffer[0].x, &p->buffer[0].dy, &p->buffer[1].x, &p->buffer[1].dy,  &p->t,
                          &p->v,           &p->buffer[0].u,  &p->buffer[1].u, &p->buffer[0].res, &p->buffer[1].res};
    const uint32_t count = r->residual ? 10 : 8;
    p->buffer[0].res = p->buffer[1].res = 0;
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t bytes = i == 0 || i == 2 ? x_block : block; /* the x buffers hold dx: x_cols wide */
        *blocks[i] = local_take(&acc, bytes, own_banks);
        if (acc.failed) {
            acc.failed = 0;
            *blocks[i] = local_take(&sp, bytes, own_banks);
        }
    }
    p->buffer[0].out16 = local_take(&sp, chunk * x_cols * 2, 0);
    p->buffer[1].out16 = local_take(&sp, chunk * x_cols * 2, 0);
    p->gamma = local_take(&sp, r->cols * 4, 0);
    p->v1 = local_take(&sp, chunk * 4, 0);
    p->v2 = local_take(&sp, chunk * 4, 0);
    p->v3 = local_take(&sp, chunk * 4, 0);
    for (uint32_t k = 0; k < 3; ++k)
        p->sums[k] = backward_sums_wanted(r, k) ? local_take(&sp, (k == 2 ? x_cols : r->cols) * 4, 0) : 0;
    p->chunk = chunk;
    return !sp.failed;
}

static struct backward_plan backward_plan_of(const struct npu_rows_backward_args* r, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    struct backward_plan p;
    /* At most 32 rows and a third of a hart's share, so loads, work and stores overlap; fewer while the buffers do
     * not fit in banks of their own, then packed. */
    const uint32_t share = (r->rows + harts - 1) / harts, first_try = min_u32(32, (share + 2) / 3);
    for (int own_banks = 1; own_banks >= 0; --own_banks) {
        for (uint32_t chunk = first_try ? first_try : 1; chunk > 0; --chunk) {
            if (backward_layout(r, &geo, chunk, own_banks, &p)) return p;
        }
    }
    npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* a row does not fit this chip's local memories */
    return p;
}

static void fp32_shape(uint32_t cols, uint32_t rows, uint32_t dst_ld, uint32_t a_ld, uint32_t b_ld) {
    npu_vx_shape(cols, rows, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 0, 0);
    npu_vx_strides(dst_ld, a_ld, b_ld);
}

/* GELU backward of the chunk: x * dy as reference::gelu_backward does it; the result in x. */
static void gelu_backward_chunk(const struct backward_plan* p, const struct backward_buffer* b, uint32_t cols,
                                uint32_t n) {
    const uint32_t ld = cols * 4, x = b->x, t = p->t, u = b->u, v = p->v;
    fp32_shape(cols, n, ld, ld, ld);
    npu_vx_mul(t, x, x); /* x^2 */
    npu_vx_mul(u, t, x);
    npu_vx_mul_scalar(u, u, float_bits(0.044715f));
    npu_vx_add(u, u, x);
    npu_vx_mul_scalar(u, u, float_bits(0.7978845608f));
    npu_vx_mul_scalar(u, u, float_bits(-2.0f));
    npu_vx_exp(u, u);
    npu_vx_add_scalar(u, u, float_bits(1.0f));
    npu_vx_recip(u, u);
    npu_vx_mul_scalar(u, u, float_bits(2.0f));
    npu_vx_add_scalar(u, u, float_bits(-1.0f)); /* t = tanh */
    npu_vx_mul_scalar(t, t, float_bits(0.134145f));
    npu_vx_add_scalar(t, t, float_bits(1.0f));
    npu_vx_mul_scalar(t, t, float_bits(0.7978845608f)); /* du/dx */
    npu_vx_mul(v, u, u);
    npu_vx_mul_scalar(v, v, float_bits(-1.0f));
    npu_vx_add_scalar(v, v, float_bits(1.0f)); /* 1 - t^2 */
    npu_vx_mul(v, x, v);
    npu_vx_mul(v, v, t);
    npu_vx_mul_scalar(v, v, float_bits(0.5f));
    npu_vx_add_scalar(u, u, float_bits(1.0f));
    npu_vx_mul_scalar(u, u, float_bits(0.5f));
    npu_vx_add(u, u, v);
    npu_vx_mul(x, u, b->dy);
}

/* Softmax backward of the chunk (x holds P): x = P * (dP - rowsum(dP * P)). */
static void softmax_backward_chunk(const struct backward_plan* p, const struct backward_buffer* b, uint32_t cols,
                                   uint32_t n) {
    const uint32_t ld = cols * 4;
    fp32_shape(cols, n, ld, ld, ld);
    npu_vx_mul(p->t, b->dy, b->x);
    fp32_shape(cols, n, 4, ld, 0);
    npu_vx_rowsum(p->v1, p->t);
    fp32_shape(cols, n, ld, ld, 4);
    npu_vx_sub_rowb(p->t, b->dy, p->v1);
    fp32_shape(cols, n, ld, ld, ld);
    npu_vx_mul(b->x, p->t, b->x);
}

/* Layernorm or RMS norm backward of the chunk as reference::layernorm_backward_row and rmsnorm_backward_row: xhat
 * recomputed as the forward does (layernorm: x - mean first), dy * xhat to u, then with g = dy gamma,
 * dx = (g [- mean(g)] - xhat mean(g xhat)) rstd to x (the bracket: layernorm only). */
static void norm_backward_chunk(const struct npu_rows_backward_args* r, const struct backward_plan* p,
                                const struct backward_buffer* b, uint32_t n) {
    const uint32_t cols = r->cols, ld = cols * 4, x = b->x, dy = b->dy, t = p->t;
    const uint32_t inv_cols = float_bits(1.0f / (float)cols);
    const int layernorm = r->op == NPU_BACKWARD_LAYERNORM;
    if (layernorm) {
        fp32_shape(cols, n, 4, ld, 0);
        npu_vx_rowsum(p->v1, x);
        fp32_shape(1, n, 4, 4, 0);
        npu_vx_mul_scalar(p->v1, p->v1, inv_cols); /* mean */
        fp32_shape(cols, n, ld, ld, 4);
        npu_vx_sub_rowb(x, x, p->v1);
    }
    fp32_shape(cols, n, ld, ld, ld);
    npu_vx_mul(t, x, x);
    fp32_shape(cols, n, 4, ld, 0);
    npu_vx_rowsum(p->v2, t);
    fp32_shape(1, n, 4, 4, 0);
    npu_vx_mul_scalar(p->v2, p->v2, inv_cols); /* variance, or mean of squares */
    npu_vx_add_scalar(p->v2, p->v2, r->eps_bits);
    npu_vx_rsqrt(p->v2, p->v2); /* rstd */
    fp32_shape(cols, n, ld, ld, 4);
    npu_vx_mul_rowb(x, x, p->v2); /* xhat */
    fp32_shape(cols, n, ld, ld, ld);
    npu_vx_mul(b->u, dy, x); /* dy * xhat: dgamma's rows */
    fp32_shape(cols, n, ld, ld, 0);
    npu_vx_mul_colb(dy, dy, p->gamma); /* g */
    if (layernorm) {
        fp32_shape(cols, n, 4, ld, 0);
        npu_vx_rowsum(p->v1, dy);
    }
    fp32_shape(cols, n, ld, ld, ld);
    npu_vx_mul(t, dy, x);
    fp32_shape(cols, n, 4, ld, 0);
    npu_vx_rowsum(p->v3, t);
    fp32_shape(1, n, 4, 4, 0);
    if (layernorm) npu_vx_mul_scalar(p->v1, p->v1, inv_cols); /* a */
    npu_vx_mul_scalar(p->v3, p->v3, inv_cols);                /* b */
    fp32_shape(cols, n, ld, ld, 4);
    if (layernorm) npu_vx_sub_rowb(dy, dy, p->v1);
    npu_vx_mul_rowb(t, x, p->v3);
    fp32_shape(cols, n, ld, ld, ld);
    npu_vx_sub(dy, dy, t);
    fp32_shape(cols, n, ld, ld, 4);
    npu_vx_mul_rowb(x, dy, p->v2); /* dx */
}

/* SwiGLU backward of the chunk as reference::swiglu_backward: x rows [gate | up] (2 cols), dy rows of cols; with
 * s = sigmoid(gate) made as the forward's SiLU makes it, dup = dy silu(gate) over up and dgate = (dy up)
 * (s (1 + gate (1 - s))) over gate. */
static void swiglu_backward_chunk(const struct backward_plan* p, const struct backward_buffer* b, uint32_t cols,
                                  uint32_t n) {
    const uint32_t ld = cols * 4, x_ld = 2 * ld, gate = b->x, up = gate + ld, dy = b->dy, s = p->t, v = p->v;
    fp32_shape(cols, n, ld, x_ld, 0);
    npu_vx_mul_scalar(s, gate, float_bits(-1.0f));
    fp32_shape(cols, n, ld, ld, 0);
    npu_vx_exp(s, s);
    npu_vx_add_scalar(s, s, float_bits(1.0f));
    npu_vx_recip(s, s); /* s */
    fp32_shape(cols, n, ld, ld, x_ld);
    npu_vx_mul(b->u, dy, up); /* dy up */
    fp32_shape(cols, n, ld, x_ld, ld);
    npu_vx_mul(v, gate, s); /* silu(gate) */
    fp32_shape(cols, n, x_ld, ld, ld);
    npu_vx_mul(up, dy, v); /* dup */
    fp32_shape(cols, n, ld, ld, 0);
    npu_vx_mul_scalar(v, s, float_bits(-1.0f));
    npu_vx_add_scalar(v, v, float_bits(1.0f)); /* 1 - s */
    fp32_shape(cols, n, ld, x_ld, ld);
    npu_vx_mul(v, gate, v);
    fp32_shape(cols, n, ld, ld, 0);
    npu_vx_add_scalar(v, v, float_bits(1.0f));
    fp32_shape(cols, n, ld, ld, ld);
    npu_vx_mul(v, s, v); /* silu'(gate) */
    fp32_shape(cols, n, x_ld, ld, ld);
    npu_vx_mul(gate, b->u, v); /* dgate */
}

/* After the barrier that follows the partials' stores: this hart's slice of the columns of `used` partial rows
 * (rows ld bytes apart), added in hart order into the first one's row, to dst. */
static void column_partials_combine(uint32_t partials, uint32_t ld, uint32_t cols, uint32_t used, uint32_t dst,
                                    uint32_t hart, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t slice = (cols + harts - 1) / harts;
    const uint32_t c0 = min_u32(hart * slice, cols), c1 = min_u32(c0 + slice, cols);
    if (c0 < c1 && used > 0) {
        const uint32_t wld = (c1 - c0) * 4;
        if (used * wld > geo.accumulator_bytes) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
        dma_block(partials + c0 * 4, ld, NPUEMU_ACCUMULATOR_BASE, wld, used, wld);
        npu_signal(NPU_QUEUE_DMA, FLAG_BWD_IN);
        npu_wait(NPU_QUEUE_VECTOR, FLAG_BWD_IN);
        fp32_shape(c1 - c0, 1, wld, wld, wld);
        for (uint32_t i = 1; i < used; ++i)
            npu_vx_add(NPUEMU_ACCUMULATOR_BASE, NPUEMU_ACCUMULATOR_BASE, NPUEMU_ACCUMULATOR_BASE + i * wld);
        npu_signal(NPU_QUEUE_VECTOR, FLAG_BWD_OUT);
        npu_wait(NPU_QUEUE_DMA, FLAG_BWD_OUT);
        dma_block(NPUEMU_ACCUMULATOR_BASE, wld, dst + c0 * 4, wld, 1, wld);
    }
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}

/* The fused column sums: each hart's partial rows to global memory (has_rows), a barrier, then each sum's columns
 * added over the harts with rows. */
static void backward_finish_sums(const struct npu_rows_backward_args* r, const struct backward_plan* p, uint32_t hart,
                                 uint32_t harts, int has_rows) {
    /* Each sum's partial rows at sum_partials + (k harts + hart) ld, ld the widest sum's row. */
    const uint32_t ld = backward_x_cols(r) * 4, share = (r->rows + harts - 1) / harts;
    const uint32_t used = share ? (r->rows + share - 1) / share : 0;
    const uint32_t dst[3] = {r->sum_dy, r->sum_dy_xhat, r->sum_dx};
    const uint32_t cols[3] = {r->cols, r->cols, backward_x_cols(r)};
    for (uint32_t k = 0; k < 3 && has_rows; ++k) {
        if (p->sums[k])
            dma_block(p->sums[k], cols[k] * 4, r->sum_partials + (k * harts + hart) * ld, cols[k] * 4, 1, cols[k] * 4);
    }
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
    npu_barrier();
    for (uint32_t k = 0; k < 3; ++k) {
        if (dst[k]) column_partials_combine(r->sum_partials + k * harts * ld, ld, cols[k], used, dst[k], hart, harts);
    }
}

static void backward_load(const struct npu_rows_backward_args* r, const struct backward_buffer* b, uint32_t r0,
                          uint32_t n) {
    const uint32_t ld = r->cols * 4, x_ld = backward_x_cols(r) * 4;
    dma_block(r->x + r0 * x_ld, x_ld, b->x, x_ld, n, x_ld);
    dma_block(r->dy + r0 * ld, ld, b->dy, ld, n, ld);
    if (r->residual) dma_block(r->residual + r0 * ld, ld, b->res, ld, n, ld);
}

static void backward_store(const struct npu_rows_backward_args* r, const struct backward_buffer* b, uint32_t r0,
                           uint32_t n) {
    const uint32_t ld = r->cols * 4, x_ld = backward_x_cols(r) * 4, ld16 = backward_x_cols(r) * 2;
    if (r->dx) dma_block(b->x, x_ld, r->dx + r0 * x_ld, x_ld, n, x_ld);
    if (r->dx_bf16) dma_block(b->out16, ld16, r->dx_bf16 + r0 * ld16, ld16, n, ld16);
    if (r->dy_xhat && backward_is_norm(r)) dma_block(b->u, ld, r->dy_xhat + r0 * ld, ld, n, ld);
}

/* A fused column sum: the chunk's rows added in order into the partial row (the hart's first row copied: x * 1). */
static void backward_sum_rows(uint32_t partial, uint32_t rows_at, uint32_t cols, uint32_t n, int first_chunk) {
    const uint32_t ld = cols * 4;
    if (!partial) return;
    fp32_shape(cols, 1, ld, ld, ld);
    if (first_chunk) npu_vx_mul_scalar(partial, rows_at, float_bits(1.0f));
    for (uint32_t i = first_chunk ? 1 : 0; i < n; ++i) npu_vx_add(partial, partial, rows_at + i * ld);
}

static void backward_compute(const struct npu_rows_backward_args* r, const struct backward_plan* p,
                             const struct backward_buffer* b, uint32_t n, int first_chunk) {
    const uint32_t ld = r->cols * 4, x_cols = backward_x_cols(r), x_ld = x_cols * 4, ld16 = x_cols * 2;
    backward_sum_rows(p->sums[0], b->dy, r->cols, n, first_chunk);
    if (r->op == NPU_BACKWARD_GELU) gelu_backward_chunk(p, b, r->cols, n);
    if (r->op == NPU_BACKWARD_SOFTMAX) softmax_backward_chunk(p, b, r->cols, n);
    if (backward_is_norm(r)) norm_backward_chunk(r, p, b, n);
    if (r->op == NPU_BACKWARD_SWIGLU) swiglu_backward_chunk(p, b, r->cols, n);
    if (backward_is_norm(r)) backward_sum_rows(p->sums[1], b->u, r->cols, n, first_chunk);
    if (r->residual) {
        fp32_shape(r->cols, n, ld, ld, ld);
        npu_vx_add(b->x, b->x, b->res);
    }
    backward_sum_rows(p->sums[2], b->x, x_cols, n, first_chunk);
    if (r->dx_bf16) {
        npu_vx_shape(x_cols, n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, 0, 0);
        npu_vx_strides(ld16, x_ld, 0);
        npu_vx_convert(b->out16, b->x);
    }
}

void npu_rows_backward(const struct npu_rows_backward_args* r, uint32_t hart, uint32_t harts) {
    if (r->op < NPU_BACKWARD_GELU || r->op > NPU_BACKWARD_SWIGLU) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
    if (r->op == NPU_BACKWARD_SWIGLU && r->residual) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* rows of other widths */
    const struct backward_plan p = backward_plan_of(r, harts);
    const uint32_t ld = r->cols * 4;
    const uint32_t share = (r->rows + harts - 1) / harts;
    const uint32_t first = min_u32(hart * share, r->rows), end = min_u32(first + share, r->rows);
    const uint32_t chunks = (end - first + p.chunk - 1) / p.chunk;
    const int sums = r->sum_dy || r->sum_dy_xhat || r->sum_dx;
    if (chunks == 0) {
        if (sums) backward_finish_sums(r, &p, hart, harts, 0);
        return;
    }
    if (backward_is_norm(r)) dma_block(r->gamma, ld, p.gamma, ld, 1, ld);
    backward_load(r, &p.buffer[0], first, min_u32(p.chunk, end - first));
    npu_signal(NPU_QUEUE_DMA, FLAG_BWD_IN + 0);
    for (uint32_t i = 0; i < chunks; ++i) {
        const uint32_t b = i & 1, r0 = first + i * p.chunk, n = min_u32(p.chunk, end - r0);
        /* DMA: the previous chunk's results out, then the next chunk into that buffer. */
        if (i > 0) {
            npu_wait(NPU_QUEUE_DMA, FLAG_BWD_OUT + (b ^ 1));
            backward_store(r, &p.buffer[b ^ 1], r0 - p.chunk, p.chunk);
        }
        if (i + 1 < chunks) {
            backward_load(r, &p.buffer[b ^ 1], r0 + p.chunk, min_u32(p.chunk, end - r0 - p.chunk));
            npu_signal(NPU_QUEUE_DMA, FLAG_BWD_IN + (b ^ 1));
        }
        npu_wait(NPU_QUEUE_VECTOR, FLAG_BWD_IN + b);
        backward_compute(r, &p, &p.buffer[b], n, i == 0);
        npu_signal(NPU_QUEUE_VECTOR, FLAG_BWD_OUT + b);
    }
    const uint32_t last = chunks - 1, r_last = first + last * p.chunk;
    npu_wait(NPU_QUEUE_DMA, FLAG_BWD_OUT + (last & 1));
    backward_store(r, &p.buffer[last & 1], r_last, end - r_last);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
    if (sums) backward_finish_sums(r, &p, hart, harts, 1);
}

/* Column sums: each hart sums its share of the rows into a partial row (its first row loaded as is, then the others
 * added in order), the partials go to global memory, and after a barrier each hart adds a slice of the columns'
 * partials in hart order. */
void npu_column_sums(const struct npu_column_sums_args* c, uint32_t hart, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t ld = c->cols * 4;
    const uint32_t share = (c->rows + harts - 1) / harts, used = share ? (c->rows + share - 1) / share : 0;
    const uint32_t first = min_u32(hart * share, c->rows), end = min_u32(first + share, c->rows);
    /* The partial row, then chunks of rows after it. */
    const uint32_t partial = NPUEMU_ACCUMULATOR_BASE, rows_base = partial + ((ld + 255u) & ~255u);
    const uint32_t room = geo.accumulator_bytes - (rows_base - NPUEMU_ACCUMULATOR_BASE);
    const uint32_t chunk = min_u32(room / ld, 256);
    if (chunk == 0) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* a row does not fit the accumulator */
    if (first < end) {
        dma_block(c->src + first * ld, ld, partial, ld, 1, ld);
        for (uint32_t r0 = first + 1; r0 < end; r0 += chunk) {
            const uint32_t n = min_u32(chunk, end - r0);
            dma_block(c->src + r0 * ld, ld, rows_base, ld, n, ld);
            npu_signal(NPU_QUEUE_DMA, FLAG_BWD_IN);
            npu_wait(NPU_QUEUE_VECTOR, FLAG_BWD_IN);
            fp32_shape(c->cols, 1, ld, ld, ld);
            for (uint32_t i = 0; i < n; ++i) npu_vx_add(partial, partial, rows_base + i * ld);
            npu_signal(NPU_QUEUE_VECTOR, FLAG_BWD_OUT);
            npu_wait(NPU_QUEUE_DMA, FLAG_BWD_OUT);
        }
        dma_block(partial, ld, c->partials + hart * ld, ld, 1, ld); /* behind the last wait for the adds */
    }
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
    npu_barrier();
    column_partials_combine(c->partials, ld, c->cols, used, c->dst, hart, harts);
}
