/* meshbench: the on-chip mesh, measured from firmware.
 *   latency       hart 0 loads one word from every other tile's SRAM (a request packet there, a response back)
 *                 with nothing else on the mesh: cycles per load against the routers on the way.
 *   all-to-all    every tile DMA-writes a block into every other tile's scratchpad, each starting with its
 *                 neighbour so destinations rotate.
 *   hot spot      every other tile writes max(tiles - 1, 16) blocks into tile 0: its ejection link is the limit.
 *   uniform       every tile writes blocks to destinations drawn at random (seeded per tile): the accepted
 *                 throughput under uniform random traffic.
 * One line per figure, "meshbench <name>: ...". The optional argument block at MESHBENCH_ARGS (--load) sets the
 * block size and the number of random blocks. */
#include <stdio.h>

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"
#include "npuemu/rand.h"

#define MESHBENCH_ARGS 0x81000000u
#define MESHBENCH_MAGIC 0x4D534842u /* "MSHB" */

struct meshbench_args {
    uint32_t magic;
    uint32_t block_bytes;   /* 0: 4096 */
    uint32_t random_blocks; /* per tile, 0: 4 x tiles */
};

static uint32_t remote_scratchpad(uint32_t tile, uint32_t offset) {
    return NPUEMU_TILE_SRAM_GLOBAL_BASE + tile * NPUEMU_TILE_LOCAL_WINDOW_BYTES + NPUEMU_TILE_SCRATCHPAD_OFFSET + offset;
}

static uint64_t barrier_then_mcycle(void) {
    npu_barrier();
    return npu_read_mcycle();
}

static void print_throughput(const char *name, uint64_t bytes, uint64_t cycles, uint32_t harts) {
    const uint64_t per_cycle_x10 = cycles ? bytes * 10 / cycles : 0;
    const uint64_t per_tile_x10 = per_cycle_x10 / harts;
    printf("meshbench %s: %llu bytes in %llu cycles = %llu.%llu B/cycle in all, %llu.%llu B/cycle per tile\n", name,
           (unsigned long long)bytes, (unsigned long long)cycles, (unsigned long long)(per_cycle_x10 / 10),
           (unsigned long long)(per_cycle_x10 % 10), (unsigned long long)(per_tile_x10 / 10),
           (unsigned long long)(per_tile_x10 % 10));
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const uint32_t cols = npu_mesh_cols();
    const struct meshbench_args *given = (const struct meshbench_args *)(uintptr_t)MESHBENCH_ARGS;
    struct meshbench_args args = {MESHBENCH_MAGIC, 4096, 4 * harts};
    if (given->magic == MESHBENCH_MAGIC) {
        if (given->block_bytes) args.block_bytes = given->block_bytes;
        if (given->random_blocks) args.random_blocks = given->random_blocks;
    }
    const uint32_t block = args.block_bytes;
    if (hart == 0) {
        printf("meshbench: %u tiles on a %u x %u mesh, %u-byte blocks\n", (unsigned)harts, (unsigned)cols,
               (unsigned)npu_mesh_rows(), (unsigned)block);
        /* Zero-load latency: one dependent load at a time, nothing else moving. */
        for (uint32_t t = 1; t < harts; ++t) {
            const uint32_t x = t % cols, y = t / cols;
            volatile uint32_t *word = (volatile uint32_t *)(uintptr_t)(NPUEMU_TILE_SRAM_GLOBAL_BASE +
                                                                       t * NPUEMU_TILE_LOCAL_WINDOW_BYTES);
            const uint64_t start = npu_read_mcycle();
            (void)*word;
            const uint64_t cycles = npu_read_mcycle() - start;
            printf("meshbench latency: tile %u at (%u,%u), %u routers each way: %llu cycles per load\n", (unsigned)t,
                   (unsigned)x, (unsigned)y, (unsigned)(x + y + 1), (unsigned long long)cycles);
        }
    }

    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_dma_shape(block, 0, 1, 1);
    /* All to all: block k of tile t goes to tile (t + k) % harts, into the slot that belongs to t. */
    uint64_t start = barrier_then_mcycle();
    for (uint32_t k = 1; k < harts; ++k) {
        const uint32_t to = (hart + k) % harts;
        npu_dma_copy(NPUEMU_SCRATCHPAD_BASE, remote_scratchpad(to, hart * block));
    }
    npu_fence(1u << NPU_QUEUE_DMA);
    uint64_t cycles = barrier_then_mcycle() - start;
    if (hart == 0) print_throughput("all-to-all", (uint64_t)harts * (harts - 1) * block, cycles, harts);

    /* Hot spot: everybody else writes into tile 0. */
    const uint32_t hot_blocks = harts - 1 > 16 ? harts - 1 : 16;
    start = barrier_then_mcycle();
    if (hart != 0) {
        for (uint32_t k = 0; k < hot_blocks; ++k) npu_dma_copy(NPUEMU_SCRATCHPAD_BASE, remote_scratchpad(0, hart * block));
    }
    npu_fence(1u << NPU_QUEUE_DMA);
    cycles = barrier_then_mcycle() - start;
    if (hart == 0) print_throughput("hot spot (into tile 0)", (uint64_t)(harts - 1) * hot_blocks * block, cycles, harts);

    /* Uniform random destinations (never itself). */
    uint32_t seed = 0x9E3779B9u ^ (hart * 0x85EBCA6Bu) ^ 1u;
    start = barrier_then_mcycle();
    if (harts > 1) {
        for (uint32_t k = 0; k < args.random_blocks; ++k) {
            uint32_t to = npu_xorshift32(&seed) % (harts - 1);
            if (to >= hart) ++to;
            npu_dma_copy(NPUEMU_SCRATCHPAD_BASE, remote_scratchpad(to, hart * block));
        }
    }
    npu_fence(1u << NPU_QUEUE_DMA);
    cycles = barrier_then_mcycle() - start;
    if (hart == 0) print_throughput("uniform random", (uint64_t)harts * args.random_blocks * block, cycles, harts);
    return 0;
}
