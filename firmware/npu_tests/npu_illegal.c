/* A custom-0 encoding the ISA does not define: an illegal instruction (no handler installed). */
#include "npuemu/hal.h"

int main(void) {
    if (npu_hart_id() == 0) __asm__ volatile(".insn r CUSTOM_0, 0, 99, x0, x0, x0");
    return 0;
}
