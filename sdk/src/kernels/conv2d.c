/* 2-D convolution as im2col + GEMM (see npuemu/kernels.h). Each hart builds the im2col rows of its own output rows
 * (output rows dealt round-robin), then all meet at a barrier and run the GEMM together.
 * For one output row oy and one filter row ky, the windows of the output pixels whose kw taps all lie inside the
 * input are equally spaced in memory (stride * cin elements apart) and each is kw * cin contiguous elements in NHWC:
 * one 2-D DMA copy moves them all. Pixels at the left and right borders, and filter rows above or below the input,
 * are copied piece by piece, with the padding taken from the zero buffer. */
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

uint32_t npu_conv2d_out_h(const struct npu_conv2d_args *c) { return (c->h + 2 * c->pad - c->kh) / c->stride + 1; }
uint32_t npu_conv2d_out_w(const struct npu_conv2d_args *c) { return (c->w + 2 * c->pad - c->kw) / c->stride + 1; }

static uint32_t elem_bytes(const struct npu_conv2d_args *c) { return c->dtype == NPU_DTYPE_BF16 ? 2u : 1u; }

uint32_t npu_conv2d_im2col_bytes(const struct npu_conv2d_args *c) {
    return npu_conv2d_out_h(c) * npu_conv2d_out_w(c) * c->kh * c->kw * c->cin * elem_bytes(c);
}

uint32_t npu_conv2d_zeros_bytes(const struct npu_conv2d_args *c) {
    return npu_conv2d_out_w(c) * c->kw * c->cin * elem_bytes(c);  /* one whole row of windows */
}

static void copy(uint32_t src, uint32_t src_stride, uint32_t dst, uint32_t dst_stride, uint32_t rows,
                 uint32_t row_bytes) {
    if (rows == 0 || row_bytes == 0) return;
    npu_dma_shape(row_bytes, rows, 1);
    npu_dma_src_stride(src_stride, 0);
    npu_dma_dst_stride(dst_stride, 0);
    npu_dma_copy(src, dst);
}

/* One output pixel's taps of filter row ky, input row iy (inside the input), piece by piece. */
static void border_pixel(const struct npu_conv2d_args *c, uint32_t iy, int32_t ix0, uint32_t dst) {
    const uint32_t e = elem_bytes(c), tap = c->cin * e;
    const int32_t lo = ix0 < 0 ? -ix0 : 0;
    int32_t hi = (int32_t)c->w - ix0;
    if (hi > (int32_t)c->kw) hi = (int32_t)c->kw;
    if (hi < lo) hi = lo;
    copy(c->zeros, 0, dst, 0, 1, (uint32_t)lo * tap);
    copy(c->input + (iy * c->w + (uint32_t)(ix0 + lo)) * tap, 0, dst + (uint32_t)lo * tap, 0, 1, (uint32_t)(hi - lo) * tap);
    copy(c->zeros, 0, dst + (uint32_t)hi * tap, 0, 1, (c->kw - (uint32_t)hi) * tap);
}

void npu_conv2d(const struct npu_conv2d_args *c, uint32_t hart, uint32_t harts) {
    const uint32_t e = elem_bytes(c), oh = npu_conv2d_out_h(c), ow = npu_conv2d_out_w(c);
    const uint32_t k = c->kh * c->kw * c->cin, row = k * e, window = c->kw * c->cin * e, tap = c->cin * e;
    /* Output pixels whose whole window lies inside the input horizontally: ox in [first, last]. */
    const int32_t first = ((int32_t)c->pad + (int32_t)c->stride - 1) / (int32_t)c->stride;
    const int32_t last_raw = ((int32_t)c->w - (int32_t)c->kw + (int32_t)c->pad);
    const int32_t last = last_raw < 0 ? -1 : last_raw / (int32_t)c->stride;
    const int32_t ox_first = first, ox_last = last < (int32_t)ow - 1 ? last : (int32_t)ow - 1;

    for (uint32_t oy = hart; oy < oh; oy += harts) {
        for (uint32_t ky = 0; ky < c->kh; ++ky) {
            const int32_t iy = (int32_t)(oy * c->stride + ky) - (int32_t)c->pad;
            const uint32_t dst = c->im2col + oy * ow * row + ky * window;
            if (iy < 0 || iy >= (int32_t)c->h) {  /* a filter row above or below the input: all padding */
                copy(c->zeros, window, dst, row, ow, window);
                continue;
            }
            if (ox_first <= ox_last) {
                const uint32_t src = c->input + ((uint32_t)iy * c->w + (uint32_t)(ox_first * (int32_t)c->stride - (int32_t)c->pad)) * tap;
                copy(src, c->stride * tap, dst + (uint32_t)ox_first * row, row, (uint32_t)(ox_last - ox_first + 1), window);
            }
            for (uint32_t ox = 0; ox < ow; ++ox) {
                if ((int32_t)ox >= ox_first && (int32_t)ox <= ox_last) continue;
                border_pixel(c, (uint32_t)iy, (int32_t)(ox * c->stride) - (int32_t)c->pad, dst + ox * row);
            }
        }
    }
    npu_fence(1u << NPU_QUEUE_DMA);
    npu_barrier();
    const struct npu_gemm_args g = {c->im2col, c->filters, c->output, oh * ow, c->cout, k, row, c->cout * e,
                                    c->cout * 4, c->dtype, 0};
    npu_gemm(&g, hart, harts);
    npu_barrier();
}
