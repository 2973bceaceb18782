/* firmware/cpubench's kernel (cpubench_kernel.c, the same source and compiler flags) on QEMU's virt machine: REPEATS
 * calls of cpubench_run(w, CPUBENCH_ROUNDS), each the same work as one npuemu hart's cpubench run (the seed is reset
 * per call), then the checksum on the NS16550 UART. bench/iss_vs_qemu.sh builds it with REPEATS=0 too, to take
 * QEMU's own start-up out of the time. */
#include <stdint.h>

#include "cpubench_kernel.h"

#define UART ((volatile uint8_t *)0x10000000u)

static struct cpubench_workspace workspace;

static void put(const char *text) {
    while (*text) *UART = (uint8_t)*text++;
}

static void put_hex(uint32_t value) {
    char digits[11] = "0x";
    for (int i = 0; i < 8; ++i) digits[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 15];
    digits[10] = 0;
    put(digits);
}

int main(void) {
    uint32_t checksum = 0;
    for (int r = 0; r < REPEATS; ++r) checksum = cpubench_run(&workspace, CPUBENCH_ROUNDS);
    put("checksum ");
    put_hex(checksum);
    put("\n");
    return 0;
}
