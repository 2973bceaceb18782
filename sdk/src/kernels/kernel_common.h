/* Small helpers the kernels share. Internal to the kernel library. */
#ifndef NPUEMU_KERNELS_KERNEL_COMMON_H
#define NPUEMU_KERNELS_KERNEL_COMMON_H

#include <stdint.h>

#include "npuemu/hal.h"
#include "npuemu/kernels.h"
#include "npuemu/npu_isa.h"

static inline uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* DMA a rows x row_bytes block between two strided places. */
static inline void dma_block(uint32_t src, uint32_t src_stride, uint32_t dst, uint32_t dst_stride, uint32_t rows,
                             uint32_t row_bytes) {
    npu_dma_shape(row_bytes, 0, rows, 1);
    npu_dma_src_stride(src_stride, 0);
    npu_dma_dst_stride(dst_stride, 0);
    npu_dma_copy(src, dst);
}

/* DMA a rows x (row_bytes / elem) block of elem-byte elements into local memory transposed (the DMA's transposer):
 * destination row c gets element c of every source row, rows elements; destination rows dst_stride apart. */
static inline void dma_block_transposed(uint32_t src, uint32_t src_stride, uint32_t dst, uint32_t dst_stride,
                                        uint32_t rows, uint32_t row_bytes, uint32_t elem) {
    npu_dma_shape(row_bytes, elem, rows, 1);
    npu_dma_src_stride(src_stride, 0);
    npu_dma_dst_stride(dst_stride, 0);
    npu_dma_copy(src, dst);
}

/* The vector unit's shape (cols x rows, input and output types) and row strides (bytes) for the ops that follow. */
static inline void vx(uint32_t cols, uint32_t rows, uint32_t in, uint32_t out, uint32_t dst_ld, uint32_t a_ld,
                      uint32_t b_ld) {
    npu_vx_shape(cols, rows, in, out, 0, 0);
    npu_vx_strides(dst_ld, a_ld, b_ld);
}

static inline uint32_t float_bits(float value) {
    union {
        float f;
        uint32_t u;
    } v = {value};
    return v.u;
}

/* A BF16 GEMM's arguments (no epilogue). */
static inline struct npu_gemm_args gemm_args(uint32_t a, uint32_t lda, uint32_t b, uint32_t ldb, uint32_t c,
                                             uint32_t ldc, uint32_t m, uint32_t n, uint32_t k) {
    const struct npu_gemm_args g = {
        .a = a, .b = b, .c = c, .m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc, .dtype = NPU_DTYPE_BF16};
    return g;
}

/* A row pass over an FP32 matrix of rows x cols, dense (no steps yet). Copied from a zeroed constant, not zeroed in
 * place: GCC zeroes a struct this size with a call to picolibc's memset, which goes a byte at a time (~900 control
 * core cycles here, on the way from a GEMM to the layernorm after it); a struct copy is word by word. */
static const struct npu_rows_args rows_args_zero;
static inline struct npu_rows_args rows_of(uint32_t src, uint32_t rows, uint32_t cols) {
    struct npu_rows_args r = rows_args_zero;
    r.src = src;
    r.src_ld = cols * 4;
    r.rows = rows;
    r.cols = cols;
    return r;
}

/* A row pass on all harts, then a barrier. */
static inline void rows_all(const struct npu_rows_args* r, uint32_t hart, uint32_t harts) {
    npu_rows(r, hart, harts);
    npu_barrier();
}

/* Hart 0 adds the cycles since the last mark to counter `phase` at phase_cycles (0: none), after the phase's barrier
 * (every hart is done). */
static inline void mark_phase(uint32_t phase_cycles, uint32_t phase, uint32_t hart, uint64_t* clock) {
    if (hart != 0 || !phase_cycles) return;
    const uint64_t now = npu_read_mcycle();
    ((volatile uint32_t*)(uintptr_t)phase_cycles)[phase] += (uint32_t)(now - *clock);
    *clock = now;
}

#endif
