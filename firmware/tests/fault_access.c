/* Loads from an address where nothing is mapped, with no trap handler: a load access fault with no handler. */
#include "npuemu/hal.h"

int main(void) {
    if (npu_hart_id() == 0) {
        volatile uint32_t *nowhere = (volatile uint32_t *)(uintptr_t)0x30000000u;
        return (int)*nowhere;
    }
    return 0;
}
