/* The chip's memory map. One header for both sides: the firmware SDK includes it, and so does the model that builds
 * the address decoders, so the two cannot drift apart. Sizes of memories come from the chip config; the windows that
 * hold them are fixed here. Plain C (no C++), included from C, assembly and linker-script preprocessing. */
#ifndef NPUEMU_MEMORY_MAP_H
#define NPUEMU_MEMORY_MAP_H

/* Unsigned in C and C++, a bare number in assembly and in CMake's reading of this file. */
#ifdef __ASSEMBLER__
#define NPUEMU_U(x) x
#else
#define NPUEMU_U(x) x##u
#endif

#define NPUEMU_MAX_TILES NPUEMU_U(64)

/* CLINT, SiFive layout (registers: npuemu/registers.h, from isa/npu_isa.yaml). */
#define NPUEMU_CLINT_BASE NPUEMU_U(0x02000000)
#define NPUEMU_CLINT_SIZE NPUEMU_U(0x00010000)

/* The hart's own tile, at the same address on every tile: a 16 MiB window holding the core's local SRAM (stack,
 * thread-local data), the NPU scratchpad and the NPU accumulator. Every tile's window is also visible to all at
 * NPUEMU_TILE_SRAM_GLOBAL_BASE + tile * NPUEMU_TILE_LOCAL_WINDOW_BYTES. */
#define NPUEMU_TILE_LOCAL_BASE NPUEMU_U(0x08000000)
#define NPUEMU_TILE_LOCAL_WINDOW_BYTES NPUEMU_U(0x01000000)
#define NPUEMU_TILE_CORE_SRAM_OFFSET NPUEMU_U(0x00000000)
#define NPUEMU_TILE_CORE_SRAM_MAX_BYTES NPUEMU_U(0x00400000)
#define NPUEMU_TILE_SCRATCHPAD_OFFSET NPUEMU_U(0x00400000)
#define NPUEMU_TILE_SCRATCHPAD_MAX_BYTES NPUEMU_U(0x00800000)
#define NPUEMU_TILE_ACCUMULATOR_OFFSET NPUEMU_U(0x00C00000)
#define NPUEMU_TILE_ACCUMULATOR_MAX_BYTES NPUEMU_U(0x00400000)
#define NPUEMU_SCRATCHPAD_BASE (NPUEMU_TILE_LOCAL_BASE + NPUEMU_TILE_SCRATCHPAD_OFFSET)
#define NPUEMU_ACCUMULATOR_BASE (NPUEMU_TILE_LOCAL_BASE + NPUEMU_TILE_ACCUMULATOR_OFFSET)

/* Console UART: write a byte to TXDATA; STATUS bit 0 is "ready to send" (always set). */
#define NPUEMU_UART_BASE NPUEMU_U(0x10000000)
#define NPUEMU_UART_SIZE NPUEMU_U(0x00001000)
#define NPUEMU_UART_TXDATA_OFFSET NPUEMU_U(0x0)
#define NPUEMU_UART_STATUS_OFFSET NPUEMU_U(0x4)

/* Simulation control: a hart writes its exit code to EXIT and stops; the run ends when every hart has exited.
 * ABORT ends the whole run at once with the written code (for a fatal error seen by one hart). */
#define NPUEMU_SIMCTRL_BASE NPUEMU_U(0x10001000)
#define NPUEMU_SIMCTRL_SIZE NPUEMU_U(0x00001000)
#define NPUEMU_SIMCTRL_EXIT_OFFSET NPUEMU_U(0x0)
#define NPUEMU_SIMCTRL_ABORT_OFFSET NPUEMU_U(0x4)

/* Read-only chip description, so one firmware image runs on every chip config, and the HBM address probe. */
#define NPUEMU_CHIPINFO_BASE NPUEMU_U(0x10002000)
#define NPUEMU_CHIPINFO_SIZE NPUEMU_U(0x00001000)
/* Its registers: npuemu/registers.h (generated from isa/npu_isa.yaml). */

/* Every tile's SRAM as seen from anywhere: tile t at BASE + t * WINDOW. */
#define NPUEMU_TILE_SRAM_GLOBAL_BASE NPUEMU_U(0x40000000)

/* Global memory: a window onto the HBM stacks. Firmware images are linked into its first 16 MiB: 4 MiB of code and
 * read-only data, then 12 MiB of data, bss and heap; the rest is free for tensors. */
#define NPUEMU_GLOBAL_MEM_BASE NPUEMU_U(0x80000000)
#define NPUEMU_GLOBAL_MEM_MAX_BYTES NPUEMU_U(0x80000000)
#define NPUEMU_FIRMWARE_CODE_BASE NPUEMU_U(0x80000000)
#define NPUEMU_FIRMWARE_CODE_BYTES NPUEMU_U(0x00400000)
#define NPUEMU_FIRMWARE_DATA_BASE NPUEMU_U(0x80400000)
#define NPUEMU_FIRMWARE_DATA_BYTES NPUEMU_U(0x00C00000)
#define NPUEMU_FIRMWARE_IMAGE_BYTES NPUEMU_U(0x01000000)
#define NPUEMU_FREE_GLOBAL_MEM_BASE NPUEMU_U(0x81000000)

/* The devices' registers (generated from isa/npu_isa.yaml into the build: the SDK and the model both see it). */
#include "npuemu/registers.h"

#endif
