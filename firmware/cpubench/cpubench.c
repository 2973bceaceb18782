/* A CPU-bound benchmark for the ISS: integer work typical of control code (cpubench_kernel.c), in the hart's own
 * tile-local SRAM. Every hart prints the checksum (the host computes the same one from the same C code) and its
 * instruction and cycle counts; bench/iss_speed.sh turns the run into host MIPS. */
#include <stdio.h>

#include "cpubench_kernel.h"
#include "npuemu/hal.h"

#define WORKSPACE_OFFSET 1024 /* above the hart's thread-local block */

int main(void) {
    const uint32_t hart = npu_hart_id();
    const uint32_t needed = WORKSPACE_OFFSET + sizeof(struct cpubench_workspace) + 4096 /* stack */;
    if (needed > npu_local_sram_bytes()) {
        printf("hart %u: cpubench needs %u bytes of local SRAM\n", (unsigned)hart, (unsigned)needed);
        return 2;
    }
    struct cpubench_workspace *w = (struct cpubench_workspace *)(uintptr_t)(NPUEMU_TILE_LOCAL_BASE + WORKSPACE_OFFSET);
    const uint64_t cycles0 = npu_read_mcycle();
    const uint64_t instret0 = npu_read_minstret();
    const uint32_t checksum = cpubench_run(w, CPUBENCH_ROUNDS);
    const uint64_t cycles = npu_read_mcycle() - cycles0;
    const uint64_t instructions = npu_read_minstret() - instret0;
    printf("hart %u: checksum 0x%08x, %llu instructions, %llu cycles\n", (unsigned)hart, (unsigned)checksum,
           (unsigned long long)instructions, (unsigned long long)cycles);
    return 0;
}
