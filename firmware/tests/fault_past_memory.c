/* Loads the first word past the end of global memory (the HBM window is as large as the chip config says), with no
 * trap handler: a load access fault naming hart, pc and the address. */
#include "npuemu/hal.h"

int main(void) {
    if (npu_hart_id() == 0) {
        const uint32_t past = NPUEMU_GLOBAL_MEM_BASE + npu_global_memory_bytes();
        return (int)*(volatile uint32_t *)(uintptr_t)past;
    }
    return 0;
}
