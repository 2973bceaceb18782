/* npuemu kernel library: NPU kernels built from the intrinsics in npuemu/npu_isa.h.
 * Every kernel is SPMD: each hart calls it with its own id and the hart count, works on its share, and returns
 * when its share is done (its queues are fenced). Callers synchronise harts with npu_barrier() where needed. */
#ifndef NPUEMU_KERNELS_H
#define NPUEMU_KERNELS_H

#include <stdint.h>

#include "npuemu/npu_isa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The NPU's geometry, read from the tile's status registers. */
struct npu_geometry {
    uint32_t rows, cols;          /* systolic array */
    uint32_t scratchpad_bytes, accumulator_bytes;
};
struct npu_geometry npu_read_geometry(void);

/* C[m x n] = A[m x k] x B[k x n]. A and B are INT8 (C INT32) or BF16 (C FP32), row-major in any memory the DMA
 * reaches, rows lda/ldb/ldc bytes apart. Ragged edges (m, n, k not multiples of the array) are handled.
 * Output blocks are dealt round-robin to the harts; within a hart, k-chunks of A and B are double-buffered in the
 * scratchpad and output blocks in the accumulator, so DMA overlaps the array. */
struct npu_gemm_args {
    uint32_t a, b, c;
    uint32_t m, n, k;
    uint32_t lda, ldb, ldc;
    uint32_t dtype; /* NPU_DTYPE_INT8 or NPU_DTYPE_BF16 */
};
void npu_gemm(const struct npu_gemm_args *args, uint32_t hart, uint32_t harts);

#ifdef __cplusplus
}
#endif

#endif
