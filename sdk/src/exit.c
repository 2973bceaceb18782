/* Process exit for picolibc: the hart reports its code to the sim-control device and stops. */
#include <stdlib.h>
#include <unistd.h>

#include "npuemu/hal.h"

void _exit(int code) {
    npu_mmio_write32(NPUEMU_SIMCTRL_BASE + NPUEMU_SIMCTRL_EXIT_OFFSET, (uint32_t)code);
    for (;;) npu_wfi(); /* not reached: the simulator stops the hart */
}

void npu_abort_run(int code) {
    npu_mmio_write32(NPUEMU_SIMCTRL_BASE + NPUEMU_SIMCTRL_ABORT_OFFSET, (uint32_t)code);
    for (;;) npu_wfi();
}
