/* The job block a host puts in global memory (npuemu run --load job.bin@0x81000000) to give firmware/gemm its
 * problem: C = A x B with A, B, C at the given addresses. Shared by the firmware and the host test harness. */
#ifndef GEMM_JOB_H
#define GEMM_JOB_H

#include <stdint.h>

#define GEMM_JOB_ADDRESS 0x81000000u
#define GEMM_JOB_MAGIC 0x4A4D4547u /* "GEMJ" */

struct gemm_job {
    uint32_t magic;
    uint32_t m, n, k;
    uint32_t dtype; /* NPU_DTYPE_INT8 (0) or NPU_DTYPE_BF16 (1) */
    uint32_t a, b, c;
    uint32_t repeat; /* run the GEMM this many times (0 or 1: once): a sustained load for the thermal studies */
    /* Added later; a job file written before them is 36 bytes long and the words after it read as 0 (global memory
     * starts zeroed), which keeps the old meaning: npu_gemm, B not transposed. */
    uint32_t kernel;       /* GEMM_KERNEL_GEMM (0) or GEMM_KERNEL_GEMV (1: npu_gemv, the decode kernel) */
    uint32_t b_transposed; /* 1: B is stored as its transpose, n x k */
    uint32_t a_transposed; /* 1: A is stored as its transpose, k x m (a weight gradient's X^T); 0 in older files */
    /* npu_gemm's epilogue (BF16 only; 0 in older files: none), as a model's layer runs its GEMMs: */
    uint32_t bias;                   /* an FP32 row of n added (0: none) */
    uint32_t scale_bits, scale_cols; /* columns [0, scale_cols) times the FP32 scale_bits */
    uint32_t activation;             /* NPU_ACT_* */
    uint32_t c_bf16;                 /* the output rounded to BF16 here (rows n x 2 bytes apart), not to c (0: c) */
};

#define GEMM_KERNEL_GEMM 0u
#define GEMM_KERNEL_GEMV 1u

#endif
