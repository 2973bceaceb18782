/* The host's answer for cpubench: the same kernel, compiled natively. Prints "checksum 0x%08x". */
#include <stdio.h>
#include <stdlib.h>

#include "cpubench_kernel.h"

int main(void) {
    struct cpubench_workspace *w = malloc(sizeof *w);
    if (!w) return 1;
    printf("checksum 0x%08x\n", (unsigned)cpubench_run(w, CPUBENCH_ROUNDS));
    free(w);
    return 0;
}
