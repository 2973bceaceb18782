/* Executes an illegal instruction with no trap handler installed: the run must stop with a fault report. */
#include "npuemu/hal.h"

int main(void) {
    if (npu_hart_id() == 0) __asm__ volatile(".word 0x00000000");
    return 0;
}
