/* In a system of chips, hart 1 of the last chip executes an illegal instruction (no trap handler) while every other
 * hart exits 0 after a while: the run must end with a fault report that names that chip and hart. */
#include "npuemu/hal.h"

int main(void) {
    if (npu_chip_id() == npu_chip_count() - 1 && npu_hart_id() == 1) __asm__ volatile(".word 0x00000000");
    for (volatile int i = 0; i < 2000; ++i) {
    }
    return 0;
}
