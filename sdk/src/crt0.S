/* Reset entry of every hart. All harts run the same image (SPMD); each gets its own stack at the top of its
 * tile-local SRAM and its own thread-local block at the bottom of it, then continues in C (start.c). */
#include "npuemu/memory_map.h"

    .section .text.init.enter, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    /* sp = top of this tile's local SRAM, whose size the chip-info registers give. */
    li      t0, NPUEMU_CHIPINFO_BASE
    lw      t1, NPUEMU_CHIPINFO_LOCAL_SRAM_BYTES_OFFSET(t0)
    li      sp, NPUEMU_TILE_LOCAL_BASE
    add     sp, sp, t1
    andi    sp, sp, -16
    /* tp = the thread-local block, at the start of local SRAM (picolibc keeps errno there). */
    li      tp, NPUEMU_TILE_LOCAL_BASE
    csrr    a0, mhartid
    call    __npuemu_start
1:  wfi
    j       1b
    .size _start, . - _start
