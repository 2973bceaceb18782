/* A target for the GDB tests (tests/integration/gdb): a function to break in, variables to read, a global to
 * watch, an exit code to check, and a fault the debugger picks by writing fault_kind before hart 0 gets there. */
#include <stdio.h>

#include "npuemu/hal.h"

volatile uint32_t watched_counter; /* hart 0 adds 1, 2, 3: a watchpoint sees 1, 3, 6 */
volatile uint32_t fault_kind;      /* 0 none, 1 illegal instruction, 2 access fault, 3 misaligned load, 4 ebreak */
uint32_t squares[64];

__attribute__((noinline)) uint32_t square(uint32_t x) {
    const uint32_t result = x * x;
    return result;
}

static void fault_if_asked(void) {
    switch (fault_kind) {
        case 1: __asm__ volatile(".word 0x00000000"); break;
        case 2: (void)*(volatile uint32_t *)(uintptr_t)0x30000000u; break;
        case 3: (void)*(volatile uint32_t *)(uintptr_t)(NPUEMU_TILE_LOCAL_BASE + 2); break;
        case 4: __asm__ volatile("ebreak"); break;
        default: break;
    }
}

int main(void) {
    const uint32_t hart = npu_hart_id();
    squares[hart] = square(hart + 2);
    if (hart == 0) {
        for (uint32_t i = 1; i <= 3; ++i) watched_counter += i;
        fault_if_asked();
    }
    printf("hart %u: square %u, counter %u\n", (unsigned)hart, (unsigned)squares[hart], (unsigned)watched_counter);
    return hart == 0 ? 3 : 0;
}
