/* The DMA's transposer (dma.shape's transpose field) through the whole model: hart 0 fills a matrix in global memory,
 * copies ragged blocks of it into the scratchpad transposed (2-byte and 1-byte elements, two planes, strided
 * destination rows) and checks every element; then times a transposing copy against a plain copy of the same shape
 * (from the accumulator, so no HBM state enters: the transposer keeps up with the engine, so the two take the same
 * time, within 1% for the control core's view of the clock).
 * It prints "dma transpose: ok" or names the first wrong element and exits 1. Built with BAD_CASE (1: a reserved
 * element size, 2: a row that is not whole elements, 3: a destination in global memory) it issues one copy the engine
 * must refuse instead (the test checks the error). */
#include <stdint.h>
#include <stdio.h>

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

#define SRC_COLS 300u /* elements per source row */
#define SRC_ROWS 70u
#define SRC_BASE 0x82000000u

#ifndef BAD_CASE
static uint32_t copy_cycles(uint32_t src, uint32_t src_stride, uint32_t dst, uint32_t dst_stride, uint32_t rows,
                            uint32_t row_bytes, uint32_t transpose, uint32_t planes, uint32_t src_plane,
                            uint32_t dst_plane) {
    npu_dma_shape(row_bytes, transpose, rows, planes);
    npu_dma_src_stride(src_stride, src_plane);
    npu_dma_dst_stride(dst_stride, dst_plane);
    npu_fence(1u << NPU_QUEUE_DMA);
    const uint32_t t0 = npu_csr_read(mcycle);
    npu_dma_copy(src, dst);
    npu_fence(1u << NPU_QUEUE_DMA);
    return npu_csr_read(mcycle) - t0;
}

/* Element (r, c) of the source matrix, elem bytes wide. */
static uint32_t element(uint32_t r, uint32_t c, uint32_t elem) {
    const uint32_t v = r * 1009u + c * 7u + 1u;
    return elem == 2 ? (v & 0xFFFFu) : (v & 0xFFu);
}

/* Transposes the rows x cols block at (r0, c0), planes of it rows apart, and checks it; 0 when right. */
static int check_block(uint32_t elem, uint32_t r0, uint32_t c0, uint32_t rows, uint32_t cols, uint32_t planes) {
    const uint32_t src_ld = SRC_COLS * elem, dst_ld = rows * elem + 6; /* strided destination rows */
    const uint32_t dst_plane = cols * dst_ld + 32;
    (void)copy_cycles(SRC_BASE + r0 * src_ld + c0 * elem, src_ld, NPUEMU_SCRATCHPAD_BASE, dst_ld, rows, cols * elem,
                      elem, planes, rows * src_ld, dst_plane);
    for (uint32_t p = 0; p < planes; ++p) {
        for (uint32_t c = 0; c < cols; ++c) {
            for (uint32_t r = 0; r < rows; ++r) {
                const uint32_t at = NPUEMU_SCRATCHPAD_BASE + p * dst_plane + c * dst_ld + r * elem;
                const uint32_t got = elem == 2 ? *(volatile uint16_t*)(uintptr_t)at : *(volatile uint8_t*)(uintptr_t)at;
                const uint32_t want = element(r0 + p * rows + r, c0 + c, elem);
                if (got != want) {
                    printf("dma transpose: %u-byte plane %u row %u element %u is 0x%x, expected 0x%x\n", (unsigned)elem,
                           (unsigned)p, (unsigned)c, (unsigned)r, (unsigned)got, (unsigned)want);
                    return 1;
                }
            }
        }
    }
    return 0;
}

#endif

int main(void) {
    if (npu_hart_id() != 0) return 0;
#ifdef BAD_CASE
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_dma_shape(BAD_CASE == 2 ? 63 : 64, BAD_CASE == 1 ? 3 : 2, 4, 1);
    npu_dma_copy(SRC_BASE, BAD_CASE == 3 ? SRC_BASE + 0x100000u : NPUEMU_SCRATCHPAD_BASE);
    npu_fence(1u << NPU_QUEUE_DMA);
    return 0;
#else
    for (uint32_t r = 0; r < SRC_ROWS; ++r) {
        for (uint32_t c = 0; c < SRC_COLS; ++c) {
            ((uint16_t*)(uintptr_t)SRC_BASE)[r * SRC_COLS + c] = (uint16_t)element(r, c, 2);
        }
    }
    if (check_block(2, 3, 5, 33, 47, 1) || check_block(2, 0, 0, 16, 16, 2) || check_block(2, 1, 250, 17, 50, 2))
        return 1;
    for (uint32_t r = 0; r < SRC_ROWS; ++r) {
        for (uint32_t c = 0; c < SRC_COLS; ++c) {
            ((uint8_t*)(uintptr_t)SRC_BASE)[r * SRC_COLS + c] = (uint8_t)element(r, c, 1);
        }
    }
    if (check_block(1, 2, 9, 31, 65, 1) || check_block(1, 0, 1, 20, 100, 3)) return 1;
    /* Timing: 64 rows of 128 BF16 elements from this tile's accumulator (local: no HBM state in the figure), plain
     * and transposed, must take the same cycles; then from global memory, for the record (HBM rows and refresh make
     * a copy's time depend on what came before). */
    (void)copy_cycles(SRC_BASE, 256, NPUEMU_ACCUMULATOR_BASE, 256, 64, 256, 0, 1, 0, 0);
    const uint32_t local_plain =
        copy_cycles(NPUEMU_ACCUMULATOR_BASE, 256, NPUEMU_SCRATCHPAD_BASE, 256, 64, 256, 0, 1, 0, 0);
    const uint32_t local_transposed =
        copy_cycles(NPUEMU_ACCUMULATOR_BASE, 256, NPUEMU_SCRATCHPAD_BASE, 128, 64, 256, 2, 1, 0, 0);
    const uint32_t global_plain = copy_cycles(SRC_BASE, 256, NPUEMU_SCRATCHPAD_BASE, 256, 64, 256, 0, 1, 0, 0);
    const uint32_t global_transposed = copy_cycles(SRC_BASE, 256, NPUEMU_SCRATCHPAD_BASE, 128, 64, 256, 2, 1, 0, 0);
    printf(
        "dma transpose: 64 x 128 BF16 from the accumulator: %u cycles transposed, %u plain; from global memory: %u "
        "transposed, %u plain (after it)\n",
        (unsigned)local_transposed, (unsigned)local_plain, (unsigned)global_transposed, (unsigned)global_plain);
    /* Equal up to the control core's view of the clock (its loosely timed quantum: a cycle or two). */
    const uint32_t difference =
        local_transposed > local_plain ? local_transposed - local_plain : local_plain - local_transposed;
    if (difference * 100 > local_plain) {
        printf("dma transpose: a transposing copy is not timed as the plain copy of its shape\n");
        return 1;
    }
    printf("dma transpose: ok\n");
    return 0;
#endif
}
