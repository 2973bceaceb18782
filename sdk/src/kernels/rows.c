/* Row-wise passes on the vector unit (see npuemu/kernels.h for the order of the steps).
 *
 * Local memory: the accumulator holds X (the rows being worked on) and T (a second FP32 block: the residual, or
 * squares for the variance); the scratchpad holds the bias, gamma and beta rows, two per-row vectors V1 and V2, the
 * BF16 residual staging and the BF16 output. One chunk at a time: the DMA brings the chunk in and signals IN; the
 * vector queue waits for IN, works, signals OUT; the DMA waits for OUT and writes the results out. The next chunk's
 * loads sit behind those stores in the DMA queue, so they never overwrite rows still being stored. */
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum { FLAG_IN = 16, FLAG_OUT = 17 };

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static void dma_rows(uint32_t src, uint32_t src_ld, uint32_t dst, uint32_t dst_ld, uint32_t rows, uint32_t row_bytes) {
    npu_dma_shape(row_bytes, rows, 1);
    npu_dma_src_stride(src_ld, 0);
    npu_dma_dst_stride(dst_ld, 0);
    npu_dma_copy(src, dst);
}

static uint32_t float_bits(float value) {
    union { float f; uint32_t u; } v = {value};
    return v.u;
}

/* Shape and strides for an op over `rows` rows of `cols` elements. */
static void shape(uint32_t cols, uint32_t rows, uint32_t in, uint32_t out, uint32_t dst_ld, uint32_t a_ld, uint32_t b_ld) {
    npu_vx_shape(cols, rows, in, out, 0, 0);
    npu_vx_strides(dst_ld, a_ld, b_ld);
}

void npu_rows(const struct npu_rows_args *r, uint32_t hart, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t row32 = r->cols * 4, row16 = r->cols * 2;
    /* Rows per chunk: X and T in the accumulator; vectors, rows and BF16 staging in the scratchpad. */
    uint32_t chunk = min_u32(64, geo.accumulator_bytes / (2 * row32));
    const uint32_t fixed = 3 * row32;
    chunk = min_u32(chunk, (geo.scratchpad_bytes - fixed) / (2 * row16 + 8));
    if (chunk == 0) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* rows too wide for this chip's local memories */
    const uint32_t x = NPUEMU_ACCUMULATOR_BASE, t = x + chunk * row32;
    const uint32_t bias = NPUEMU_SCRATCHPAD_BASE, gamma = bias + row32, beta = gamma + row32;
    const uint32_t v1 = beta + row32, v2 = v1 + chunk * 4, res16 = v2 + chunk * 4, out16 = res16 + chunk * row16;
    const uint32_t inv_cols = float_bits(1.0f / (float)r->cols);

    if (r->bias) dma_rows(r->bias, row32, bias, row32, 1, row32);
    if (r->op == NPU_ROWS_LAYERNORM) {
        dma_rows(r->gamma, row32, gamma, row32, 1, row32);
        dma_rows(r->beta, row32, beta, row32, 1, row32);
    }
    for (uint32_t r0 = hart * chunk; r0 < r->rows; r0 += harts * chunk) {
        const uint32_t n = min_u32(chunk, r->rows - r0);
        dma_rows(r->src + r0 * r->src_ld, r->src_ld, x, row32, n, row32);
        if (r->residual) {
            const int bf16 = r->residual_dtype == NPU_DTYPE_BF16;
            dma_rows(r->residual + r0 * r->residual_ld, r->residual_ld, bf16 ? res16 : t, bf16 ? row16 : row32, n,
                     bf16 ? row16 : row32);
        }
        npu_signal(NPU_QUEUE_DMA, FLAG_IN);

        npu_wait(NPU_QUEUE_VECTOR, FLAG_IN);
        shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
        if (r->bias) npu_vx_add_colb(x, x, bias);
        if (r->residual) {
            if (r->residual_dtype == NPU_DTYPE_BF16) {
                shape(r->cols, n, NPU_DTYPE_BF16, NPU_DTYPE_FP32, row32, row16, 0);
                npu_vx_convert(t, res16);
                shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, row32);
            }
            npu_vx_add(x, x, t);
        }
        if (r->scale_cols) {
            shape(r->scale_cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
            npu_vx_mul_scalar(x, x, r->scale_bits);
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
        }
        if (r->activation == NPU_ACT_GELU) npu_vx_gelu(x, x);
        if (r->activation == NPU_ACT_RELU) npu_vx_relu(x, x);
        if (r->op == NPU_ROWS_SOFTMAX) {
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
            npu_vx_rowmax(v1, x);
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
            npu_vx_sub_rowb(x, x, v1);
            npu_vx_exp(x, x);
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
            npu_vx_rowsum(v2, x);
            shape(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
            npu_vx_recip(v2, v2);
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
            npu_vx_mul_rowb(x, x, v2);
        } else if (r->op == NPU_ROWS_LAYERNORM) {
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
            npu_vx_rowsum(v1, x);
            shape(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
            npu_vx_mul_scalar(v1, v1, inv_cols);                 /* mean */
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
            npu_vx_sub_rowb(x, x, v1);                           /* x - mean */
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, row32);
            npu_vx_mul(t, x, x);
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
            npu_vx_rowsum(v2, t);
            shape(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
            npu_vx_mul_scalar(v2, v2, inv_cols);                 /* variance */
            npu_vx_add_scalar(v2, v2, r->eps_bits);
            npu_vx_rsqrt(v2, v2);
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
            npu_vx_mul_rowb(x, x, v2);
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 0);
            npu_vx_mul_colb(x, x, gamma);
            npu_vx_add_colb(x, x, beta);
        }
        if (r->dst_bf16) {
            shape(r->cols, n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, row16, row32, 0);
            npu_vx_convert(out16, x);
        }
        npu_signal(NPU_QUEUE_VECTOR, FLAG_OUT);

        npu_wait(NPU_QUEUE_DMA, FLAG_OUT);
        if (r->dst_fp32) dma_rows(x, row32, r->dst_fp32 + r0 * r->dst_fp32_ld, r->dst_fp32_ld, n, row32);
        if (r->dst_bf16) dma_rows(out16, row16, r->dst_bf16 + r0 * r->dst_bf16_ld, r->dst_bf16_ld, n, row16);
    }
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}
