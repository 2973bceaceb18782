/* A firmware DVFS governor around a sustained GEMM on every tile.
 * Policy, per tile: every GOVERNOR_PERIOD_TICKS of mtime, read the thermal sensor; above TARGET_MC ask for the next
 * slower operating point, below TARGET_MC - BAND_MC ask for the next faster one. The PMU's alarm (set at
 * ALARM_MC) interrupts at once when the tile runs hot between two timer ticks. The hardware throttle at Tj,max stays
 * the last line of defence. Interrupts are taken between GEMM passes (a fence holds the core until the NPU is done).
 * Hart 0 prints the requests made and the hottest reading seen. Exit 0. */
#include <stdio.h>

#include "npuemu/hal.h"
#include "npuemu/kernels.h"
#include "pmu.h"

#define TARGET_MC 80000u
#define BAND_MC 3000u
#define ALARM_MC 83000u
#define GOVERNOR_PERIOD_TICKS 50u /* 5 us at the 10 MHz timer */
#define PASSES 12u
#define SIZE 1024u

static volatile uint32_t requests[NPUEMU_MAX_TILES];
static volatile uint32_t hottest[NPUEMU_MAX_TILES];

static void govern(uint32_t hart, int alarm) {
    const uint32_t temperature = pmu_read(PMU_TEMPERATURE_OFFSET);
    const uint32_t count = pmu_read(PMU_POINT_COUNT_OFFSET);
    uint32_t request = pmu_read(PMU_POINT_REQUEST_OFFSET);
    if (temperature > hottest[hart]) hottest[hart] = temperature;
    if ((alarm || temperature > TARGET_MC) && request + 1 < count) ++request;
    else if (!alarm && temperature + BAND_MC < TARGET_MC && request > 0) --request;
    else return;
    pmu_write(PMU_POINT_REQUEST_OFFSET, request);
    ++requests[hart];
}

uint32_t npu_handle_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval) {
    (void)mtval;
    const uint32_t hart = npu_hart_id();
    if (mcause == (NPU_MCAUSE_INTERRUPT | NPU_CAUSE_MACHINE_TIMER)) {
        govern(hart, 0);
        npu_set_timer(npu_mtime() + GOVERNOR_PERIOD_TICKS);
    } else if (mcause == (NPU_MCAUSE_INTERRUPT | 11u)) { /* machine external: the PMU's thermal alarm */
        govern(hart, 1);
        pmu_write(PMU_ALARM_STATUS_OFFSET, 1);
    } else {
        printf("hart %u: unexpected trap mcause 0x%08x at 0x%08x\n", (unsigned)hart, (unsigned)mcause, (unsigned)mepc);
        npu_abort_run(3);
    }
    return mepc;
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    if (pmu_read(PMU_POINT_COUNT_OFFSET) == 0) return 2; /* no PMU: not reached on a chip without power (faults) */
    /* A GEMM on zero-filled global memory: the heat comes from the MACs, not the values. */
    const struct npu_gemm_args g = {.a = 0x82000000u, .b = 0x82100000u, .c = 0x82200000u, .m = SIZE, .n = SIZE,
                                    .k = SIZE, .lda = SIZE, .ldb = SIZE, .ldc = SIZE * 4, .dtype = NPU_DTYPE_INT8};
    npu_install_trap_dispatcher();
    pmu_write(PMU_ALARM_THRESHOLD_OFFSET, ALARM_MC);
    npu_set_timer(npu_mtime() + GOVERNOR_PERIOD_TICKS);
    npu_csr_set(mie, NPU_MIE_MTIE | NPU_MIE_MEIE);
    npu_irq_enable();
    const uint64_t start = npu_read_mcycle();
    for (uint32_t pass = 0; pass < PASSES; ++pass) npu_gemm(&g, hart, harts);
    npu_irq_disable();
    npu_disarm_timer();
    npu_barrier();
    if (hart == 0) {
        uint32_t total = 0, hot = 0;
        for (uint32_t h = 0; h < harts; ++h) {
            total += requests[h];
            if (hottest[h] > hot) hot = hottest[h];
        }
        printf("thermal_governor: %u passes of a %ux%ux%u GEMM in %llu cycles; %u operating-point requests; "
               "hottest reading %u mC; tile 0 now at point %u (%u MHz)\n",
               (unsigned)PASSES, (unsigned)SIZE, (unsigned)SIZE, (unsigned)SIZE,
               (unsigned long long)(npu_read_mcycle() - start), (unsigned)total, (unsigned)hot,
               (unsigned)pmu_read(PMU_POINT_OFFSET), (unsigned)pmu_read(PMU_FREQUENCY_MHZ_OFFSET));
    }
    return 0;
}
