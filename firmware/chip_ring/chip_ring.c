/* Chip-to-chip data in a ring: hart 0 of every chip
 *   1. fills a block (ROWS x ROW_BYTES, from a generator seeded by its chip id) in its scratchpad,
 *   2. puts it into the next chip's memories: into tile 1's scratchpad (through that chip's tile windows) and,
 *      as a strided 2-D copy, into global memory (HBM),
 *   3. rings the next chip's doorbell on tile 0 flag 3, waits for its own, and checks what the previous chip put,
 *   4. tells the next chip it has its data (doorbell flag 4), waits until the previous chip says the same, then
 *      gets the block the previous chip holds from that chip's global memory into its scratchpad and checks it.
 * Other harts exit at once. Exit status: the number of failed checks (0: every byte as expected).
 * Alone (chip 0 of 1) the ring closes on the chip itself: the same checks, no links. */
#include <stdint.h>
#include <stdio.h>

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

#define ROWS 7u
#define ROW_BYTES 1000u  /* ragged: not a multiple of the burst size */
#define BLOCK_BYTES (ROWS * ROW_BYTES)
#define DOORBELL_FLAG 3u
#define RECEIVED_FLAG 4u

#define SRC (NPUEMU_SCRATCHPAD_BASE + 0x1000u)       /* this chip: the block it sends */
#define GOT (NPUEMU_SCRATCHPAD_BASE + 0x4000u)       /* this chip: the block it gets */
#define PEER_TILE 1u                                 /* the tile whose scratchpad receives a put */
#define IN_SCRATCHPAD (NPUEMU_TILE_SRAM_GLOBAL_BASE + PEER_TILE * NPUEMU_TILE_LOCAL_WINDOW_BYTES + \
                       NPUEMU_TILE_SCRATCHPAD_OFFSET + 0x8000u)
#define IN_HBM 0x82000000u                           /* rows 2 KiB apart */
#define IN_HBM_STRIDE 2048u

/* Byte `index` of chip `chip`'s block: differs between chips, rows and neighbouring bytes. */
static uint8_t expected(uint32_t chip, uint32_t index) {
    return (uint8_t)((chip + 1u) * 151u + index * 7u + (index >> 8) * 13u);
}

static unsigned check(const char *what, uint32_t address, uint32_t row_stride, uint32_t chip) {
    for (uint32_t r = 0; r < ROWS; ++r) {
        const volatile uint8_t *row = (const volatile uint8_t *)(uintptr_t)(address + r * row_stride);
        for (uint32_t i = 0; i < ROW_BYTES; ++i) {
            if (row[i] != expected(chip, r * ROW_BYTES + i)) {
                printf("FAILED: %s: row %u byte %u is 0x%02x, expected 0x%02x (chip %u's block)\n", what, (unsigned)r,
                       (unsigned)i, (unsigned)row[i], (unsigned)expected(chip, r * ROW_BYTES + i), (unsigned)chip);
                return 1;
            }
        }
    }
    printf("%s: %u bytes from chip %u as expected\n", what, (unsigned)BLOCK_BYTES, (unsigned)chip);
    return 0;
}

int main(void) {
    if (npu_hart_id() != 0) return 0;
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    const uint32_t next = (chip + 1) % chips, previous = (chip + chips - 1) % chips;
    volatile uint8_t *src = (volatile uint8_t *)(uintptr_t)SRC;
    for (uint32_t i = 0; i < BLOCK_BYTES; ++i) src[i] = expected(chip, i);

    /* Puts: dense into the next chip's tile scratchpad, strided into its HBM; then the doorbell, which leaves once
     * both copies have landed there. */
    npu_dma_chips(NPU_CHIP_SELF, next);
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_dma_shape(BLOCK_BYTES, 0, 1, 1);
    npu_dma_copy(SRC, IN_SCRATCHPAD);
    npu_dma_shape(ROW_BYTES, 0, ROWS, 1);
    npu_dma_dst_stride(IN_HBM_STRIDE, 0);
    npu_dma_copy(SRC, IN_HBM);
    npu_dma_doorbell(next, 0, DOORBELL_FLAG);
    npu_dma_chips(NPU_CHIP_SELF, NPU_CHIP_SELF);
    npu_dma_dst_stride(0, 0);

    /* The previous chip's doorbell: its puts into this chip have landed. */
    const uint64_t start = npu_read_mcycle();
    npu_wait(NPU_QUEUE_DMA, DOORBELL_FLAG);
    npu_fence(1u << NPU_QUEUE_DMA);
    const uint64_t waited = npu_read_mcycle() - start;
    unsigned failures = 0;
    failures += check("put into tile 1's scratchpad",
                      NPUEMU_TILE_SRAM_GLOBAL_BASE + PEER_TILE * NPUEMU_TILE_LOCAL_WINDOW_BYTES +
                          NPUEMU_TILE_SCRATCHPAD_OFFSET + 0x8000u, ROW_BYTES, previous);
    failures += check("put into global memory", IN_HBM, IN_HBM_STRIDE, previous);

    /* The previous chip's HBM holds its own previous chip's block once that has landed: wait for its word. */
    npu_dma_doorbell(next, 0, RECEIVED_FLAG);
    npu_wait(NPU_QUEUE_DMA, RECEIVED_FLAG);

    /* Get: the previous chip's block back out of its HBM (strided there, dense here). */
    npu_dma_chips(previous, NPU_CHIP_SELF);
    npu_dma_shape(ROW_BYTES, 0, ROWS, 1);
    npu_dma_src_stride(IN_HBM_STRIDE, 0);
    npu_dma_copy(IN_HBM, GOT);
    npu_dma_chips(NPU_CHIP_SELF, NPU_CHIP_SELF);
    npu_dma_src_stride(0, 0);
    const uint64_t get_start = npu_read_mcycle();
    npu_fence(1u << NPU_QUEUE_DMA);
    const uint64_t got = npu_read_mcycle() - get_start;
    /* What the previous chip's HBM holds is what its own previous chip put there. */
    failures += check("get from the previous chip's global memory", GOT, ROW_BYTES, (previous + chips - 1) % chips);
    printf("chip %u: doorbell after %u cycles, get in %u cycles\n", (unsigned)chip, (unsigned)waited, (unsigned)got);
    return (int)failures;
}
