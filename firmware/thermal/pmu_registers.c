/* The PMU's defined behaviour for a bad request: writing an operating point that does not exist leaves the request
 * unchanged and sets ERROR; writing 1 to ERROR clears it. A valid request takes effect. Prints the register values. */
#include <stdio.h>

#include "npuemu/hal.h"
#include "pmu.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    const uint32_t count = pmu_read(PMU_POINT_COUNT_OFFSET);
    pmu_write(PMU_POINT_REQUEST_OFFSET, count + 5);
    const uint32_t error = pmu_read(PMU_ERROR_OFFSET), request = pmu_read(PMU_POINT_REQUEST_OFFSET);
    pmu_write(PMU_ERROR_OFFSET, 1);
    const uint32_t cleared = pmu_read(PMU_ERROR_OFFSET);
    pmu_write(PMU_POINT_REQUEST_OFFSET, count - 1);
    printf("pmu: %u points; invalid request -> error %u, request stays %u; error after clearing %u; "
           "valid request -> point %u at %u MHz; temperature %u mC\n",
           (unsigned)count, (unsigned)error, (unsigned)request, (unsigned)cleared, (unsigned)pmu_read(PMU_POINT_OFFSET),
           (unsigned)pmu_read(PMU_FREQUENCY_MHZ_OFFSET), (unsigned)pmu_read(PMU_TEMPERATURE_OFFSET));
    return 0;
}
