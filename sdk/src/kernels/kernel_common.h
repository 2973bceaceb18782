/* Small helpers the kernels share. Internal to the kernel library. */
#ifndef NPUEMU_KERNELS_KERNEL_COMMON_H
#define NPUEMU_KERNELS_KERNEL_COMMON_H

#include <stdint.h>

#include "npuemu/npu_isa.h"

static inline uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* DMA a rows x row_bytes block between two strided places. */
static inline void dma_block(uint32_t src, uint32_t src_stride, uint32_t dst, uint32_t dst_stride, uint32_t rows,
                             uint32_t row_bytes) {
    npu_dma_shape(row_bytes, rows, 1);
    npu_dma_src_stride(src_stride, 0);
    npu_dma_dst_stride(dst_stride, 0);
    npu_dma_copy(src, dst);
}

#endif
