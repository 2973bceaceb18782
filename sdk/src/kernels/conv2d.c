/* 2-D convolution as im2col + GEMM (see npuemu/kernels.h).
 *
 * im2col row p = oy * ow + ox holds the window of output pixel (oy, ox): k = kh * kw * cin elements in (ky, kx, ci)
 * order. In NHWC the taps of one filter row of a window (kx = 0..kw-1, every ci) are one contiguous run of the input.
 * Each hart builds the im2col rows of its own output pixels, one block of them (see npu_conv2d). The control core's
 * time per DMA copy, not the DMA, limits the im2col, so a block is built with few 3-D copies:
 *   - data: for one filter row ky and one run of output columns clipped alike (the columns whose kx span lies inside
 *     the input form one run; each border column is a run of its own, with its own clipped kx span), one copy with
 *     planes = the block's output rows whose input row oy * stride - pad + ky lies inside the input (a contiguous
 *     range; src planes stride * w taps apart, dst planes ow im2col rows apart), rows = the run's columns (src
 *     stride taps apart, dst one im2col row apart), row = the clipped kx span;
 *   - horizontal padding (kx outside the input): per border column and side, one copy over every ky and output row;
 *   - vertical padding (ky outside the input): per output row that has any, one copy over the block's columns.
 * The DMA cannot make zeros, so the padding is copied from the caller's `zeros` buffer, read with row and plane
 * strides of 1 byte (overlapping reads of the same zeros): a block of any shape reads only row bytes + rows + planes
 * bytes of it, hence the small npu_conv2d_zeros_bytes(). (Zeroing the padding with the control core instead would
 * cost a store per word at global-memory latency, far more than DMA copies of the padding.) Data and padding copies
 * write disjoint bytes (the two kinds of padding may overlap, both zeros), so their order does not matter.
 * Then the DMA queue is fenced (this hart's rows have landed), all harts meet at a barrier (every row exists), and
 * npu_gemm runs on all harts with A = im2col (m = oh * ow, k), B = the filters, which in HWIO already are the k x cout
 * matrix in the same (ky, kx, ci) order, and C = the output. Limits: ow, kh <= 65535 (DMA shape fields). */
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

static int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }
static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Shapes with no output (a window larger than the padded input, zero stride or extent) give oh = ow = 0. */
static int degenerate(const struct npu_conv2d_args *c) {
    return c->stride == 0 || c->kh == 0 || c->kw == 0 || c->cin == 0 || c->h + 2 * c->pad < c->kh ||
           c->w + 2 * c->pad < c->kw;
}
uint32_t npu_conv2d_out_h(const struct npu_conv2d_args *c) {
    return degenerate(c) ? 0 : (c->h + 2 * c->pad - c->kh) / c->stride + 1;
}
uint32_t npu_conv2d_out_w(const struct npu_conv2d_args *c) {
    return degenerate(c) ? 0 : (c->w + 2 * c->pad - c->kw) / c->stride + 1;
}

static uint32_t elem_bytes(const struct npu_conv2d_args *c) { return c->dtype == NPU_DTYPE_BF16 ? 2u : 1u; }

uint32_t npu_conv2d_im2col_bytes(const struct npu_conv2d_args *c) {
    return npu_conv2d_out_h(c) * npu_conv2d_out_w(c) * c->kh * c->kw * c->cin * elem_bytes(c);
}

/* The largest zero block read: one im2col row, plus the 1-byte row and plane steps (see above). */
uint32_t npu_conv2d_zeros_bytes(const struct npu_conv2d_args *c) {
    return c->kh * c->kw * c->cin * elem_bytes(c) + npu_conv2d_out_h(c) + npu_conv2d_out_w(c) + c->kh;
}

struct geometry {
    uint32_t tap, window, row, oh, ow; /* bytes of one tap (cin elements), filter row (kw taps), im2col row */
    int32_t s, pad;
    int32_t in0, in1;   /* output columns whose kx span lies inside the input: [in0, in1) */
    int32_t vin0, vin1; /* output rows whose ky span lies inside the input: [vin0, vin1) */
};

static void dma_strides(uint32_t src_row, uint32_t src_plane, uint32_t dst_row, uint32_t dst_plane) {
    npu_dma_src_stride(src_row, src_plane);
    npu_dma_dst_stride(dst_row, dst_plane);
}

/* A copy of planes x rows rows of row_bytes with the strides last set (never 0 here: 0 would mean "dense"). */
static void dma_copy(uint32_t src, uint32_t dst, uint32_t row_bytes, uint32_t rows, uint32_t planes) {
    if (row_bytes == 0) return;
    npu_dma_shape(row_bytes, 0, rows, planes);
    npu_dma_copy(src, dst);
}

/* Horizontal clipping of output column ox: its taps inside the input are kx in [*lo, *hi). */
static void clip_x(const struct geometry *g, int32_t kw, int32_t w, uint32_t ox, int32_t *lo, int32_t *hi) {
    const int32_t ix0 = (int32_t)ox * g->s - g->pad; /* input column of tap kx = 0 */
    *lo = clamp_i32(-ix0, 0, kw);
    *hi = clamp_i32(w - ix0, *lo, kw);
}

/* The im2col rows of output pixels ox in [x0, x1) of output rows oy in [y0, y1), y1 - y0 <= 65535 (planes). */
static void im2col_rect(const struct npu_conv2d_args *c, const struct geometry *g, uint32_t y0, uint32_t y1,
                        uint32_t x0, uint32_t x1) {
    if (y0 >= y1 || x0 >= x1) return;
    const int32_t h = (int32_t)c->h, w = (int32_t)c->w, kh = (int32_t)c->kh, kw = (int32_t)c->kw, s = g->s;
    const uint32_t tap = g->tap, row = g->row, plane_dst = g->ow * row; /* next output row in the im2col buffer */
    /* Columns [x0, a) and [b, x1) are border columns (one run each), [a, b) the run of inside ones. */
    const uint32_t a = (uint32_t)clamp_i32(g->in0, (int32_t)x0, (int32_t)x1);
    const uint32_t b = (uint32_t)clamp_i32(g->in1, (int32_t)a, (int32_t)x1);
    const uint32_t out = c->im2col + y0 * plane_dst;
    int32_t lo, hi;

    /* Data, one filter row at a time. */
    dma_strides((uint32_t)s * tap, (uint32_t)s * c->w * tap, row, plane_dst);
    for (int32_t ky = 0; ky < kh; ++ky) {
        /* Output rows oy in [ya, yb) of [y0, y1) read input row oy * s - pad + ky inside the input. Only a block at
         * the top or bottom border needs a division. */
        const int32_t first = g->pad - ky, last = h - 1 + g->pad - ky; /* first <= oy * s <= last */
        int32_t ya = (int32_t)y0, yb = (int32_t)y1;
        if (first > ya * s) ya = clamp_i32((first + s - 1) / s, ya, yb);
        if (last < (yb - 1) * s) yb = last < 0 ? ya : clamp_i32(last / s + 1, ya, yb);
        if (yb <= ya) continue;
        const uint32_t planes = (uint32_t)(yb - ya);
        const uint32_t src_row = c->input + (uint32_t)(ya * s - g->pad + ky) * c->w * tap; /* input row of oy = ya */
        const uint32_t dst_row = c->im2col + (uint32_t)ya * plane_dst + (uint32_t)ky * g->window;
        for (uint32_t ox = x0; ox < x1;) {
            const uint32_t run = ox == a && a < b ? b - a : 1;
            clip_x(g, kw, w, ox, &lo, &hi);
            if (hi > lo) {
                dma_copy(src_row + (uint32_t)((int32_t)ox * s - g->pad + lo) * tap,
                         dst_row + ox * row + (uint32_t)lo * tap, (uint32_t)(hi - lo) * tap, run, planes);
            }
            ox += run;
        }
    }
    /* Horizontal padding of the border columns: kx in [0, lo) and [hi, kw), every ky, every row. */
    if (x0 < a || b < x1) {
        dma_strides(1, 1, g->window, plane_dst);
        for (uint32_t ox = x0; ox < x1; ox = ox == a && a < b ? b : ox + 1) {
            clip_x(g, kw, w, ox, &lo, &hi);
            dma_copy(c->zeros, out + ox * row, (uint32_t)lo * tap, c->kh, y1 - y0);
            dma_copy(c->zeros, out + ox * row + (uint32_t)hi * tap, (uint32_t)(kw - hi) * tap, c->kh, y1 - y0);
        }
    }
    /* Vertical padding: in output row oy, filter rows [0, top) and [bottom, kh) lie outside the input. */
    int32_t strides_set = 0;
    for (uint32_t oy = y0; oy < y1; ++oy) {
        if ((int32_t)oy >= g->vin0 && (int32_t)oy < g->vin1) { /* none in the rows between */
            oy = min_u32((uint32_t)g->vin1, y1) - 1;
            continue;
        }
        if (!strides_set) dma_strides(1, 1, row, row);
        strides_set = 1;
        const int32_t iy0 = (int32_t)oy * s - g->pad;
        const int32_t top = clamp_i32(-iy0, 0, kh), bottom = clamp_i32(h - iy0, top, kh);
        const uint32_t dst = c->im2col + (oy * g->ow + x0) * row;
        dma_copy(c->zeros, dst, (uint32_t)top * g->window, x1 - x0, 1);
        dma_copy(c->zeros, dst + (uint32_t)bottom * g->window, (uint32_t)(kh - bottom) * g->window, x1 - x0, 1);
    }
}

/* Whole output rows [y0, y1), in blocks of at most 65535 (a DMA shape's planes). */
static void im2col_rows(const struct npu_conv2d_args *c, const struct geometry *g, uint32_t y0, uint32_t y1) {
    for (uint32_t y = y0; y < y1; y += 0xFFFFu) im2col_rect(c, g, y, y + min_u32(y1 - y, 0xFFFFu), 0, g->ow);
}

void npu_conv2d(const struct npu_conv2d_args *c, uint32_t hart, uint32_t harts) {
    struct geometry g;
    const uint32_t e = elem_bytes(c);
    g.tap = c->cin * e;
    g.window = c->kw * g.tap;
    g.row = c->kh * g.window;
    g.oh = npu_conv2d_out_h(c);
    g.ow = npu_conv2d_out_w(c);
    const uint32_t pixels = g.oh * g.ow;
    if (pixels == 0 || c->cout == 0) return; /* every hart returns: nothing to compute */
    g.s = (int32_t)c->stride;
    g.pad = (int32_t)c->pad;
    g.in0 = (g.pad + g.s - 1) / g.s;
    g.in1 = (int32_t)c->w - (int32_t)c->kw + g.pad >= 0 ? ((int32_t)c->w - (int32_t)c->kw + g.pad) / g.s + 1 : 0;
    g.vin0 = g.in0;
    g.vin1 = (int32_t)c->h - (int32_t)c->kh + g.pad >= 0 ? ((int32_t)c->h - (int32_t)c->kh + g.pad) / g.s + 1 : 0;

    /* This hart's share, one rectangle (the control core's time per copy, not the DMA, limits the im2col, so a hart
     * builds one block): with at least as many output rows as harts, a balanced block of whole rows; with fewer, the
     * harts are dealt to the rows (hart h to row h * oh / harts) and the harts of a row split its columns. */
    if (g.oh >= harts) {
        const uint32_t share = g.oh / harts, extra = g.oh % harts;
        const uint32_t y0 = hart * share + min_u32(hart, extra);
        im2col_rows(c, &g, y0, y0 + share + (hart < extra ? 1u : 0u));
    } else {
        const uint32_t y = hart * g.oh / harts;
        const uint32_t first = (y * harts + g.oh - 1) / g.oh, next = ((y + 1) * harts + g.oh - 1) / g.oh;
        const uint32_t part = hart - first, parts = next - first;
        im2col_rect(c, &g, y, y + 1, g.ow * part / parts, g.ow * (part + 1) / parts);
    }
    npu_fence(1u << NPU_QUEUE_DMA); /* this hart's rows have landed */
    npu_barrier();                  /* and every other hart's */
    const struct npu_gemm_args gemm = {.a = c->im2col, .b = c->filters, .c = c->output, .m = pixels, .n = c->cout,
                                       .k = c->kh * c->kw * c->cin, .lda = g.row, .ldb = c->cout * e,
                                       .ldc = c->cout * 4, .dtype = c->dtype};
    npu_gemm(&gemm, hart, harts);
    npu_barrier();
}
