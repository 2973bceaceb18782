/* The GEMM's planner (gemm_plan.c). Internal to the kernel library. */
#ifndef NPUEMU_KERNELS_GEMM_PLAN_H
#define NPUEMU_KERNELS_GEMM_PLAN_H

#include <stdint.h>

#include "npuemu/kernels.h"

#define GEMM_STAGES NPU_GEMM_STAGES

/* The plan with the lowest estimated time on `harts` tiles (rounds of blocks x the slower of a block's array time
 * and its DMA time), among blocks that fit the local memories. */
struct npu_gemm_plan gemm_make_plan(const struct npu_gemm_args* g, const struct npu_geometry* geo, uint32_t harts);

#endif
