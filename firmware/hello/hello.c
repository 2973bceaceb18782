/* Hello from every hart: each prints its id and its cycle counter, then exits 0. */
#include <stdio.h>

#include "npuemu/hal.h"

int main(void) {
    const uint32_t hart = npu_hart_id();
    const uint64_t cycles = npu_read_mcycle();
    printf("hello from hart %u of %u (mcycle %llu)\n", (unsigned)hart, (unsigned)npu_hart_count(),
           (unsigned long long)cycles);
    return 0;
}
