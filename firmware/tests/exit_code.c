/* Each hart exits with its own code (hart h returns h + 40): the run's status is the first non-zero in hart order. */
#include <stdio.h>

#include "npuemu/hal.h"

int main(void) {
    const uint32_t hart = npu_hart_id();
    printf("hart %u exits with %u\n", (unsigned)hart, (unsigned)(hart + 40));
    return (int)(hart + 40);
}
