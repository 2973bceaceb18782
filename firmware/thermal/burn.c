/* The worst case for heat: every tile streams back-to-back full-array matmuls (no DMA, no waiting) for PASSES
 * instructions, then reports its temperature. */
#include <stdio.h>

#include "npuemu/hal.h"
#include "npuemu/kernels.h"
#include "pmu.h"

#define PASSES 400u

int main(void) {
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t m = 256;
    npu_mx_config(NPU_DTYPE_INT8, geo.rows, geo.cols * 4);
    npu_mx_load_weights(NPUEMU_SCRATCHPAD_BASE, geo.rows, geo.cols, 0, geo.cols);
    for (uint32_t i = 0; i < PASSES; ++i) npu_mx_matmul(NPUEMU_SCRATCHPAD_BASE + 0x10000, NPUEMU_ACCUMULATOR_BASE, m, 1);
    npu_fence(1u << NPU_QUEUE_MATRIX);
    npu_barrier();
    if (npu_hart_id() == 0) {
        printf("burn: %u matmuls of %ux%ux%u per tile; tile 0 at %u mC, %u mW, point %u\n", (unsigned)PASSES,
               (unsigned)m, (unsigned)geo.rows, (unsigned)geo.cols, (unsigned)pmu_read(PMU_TEMPERATURE_OFFSET),
               (unsigned)pmu_read(PMU_POWER_OFFSET), (unsigned)pmu_read(PMU_POINT_OFFSET));
    }
    return 0;
}
