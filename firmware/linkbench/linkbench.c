/* One chip-to-chip link measured from firmware, between chip 0 and chip 1 of a system:
 *   ping-pong: hart 0 of chip 0 rings a doorbell on chip 1, whose hart 0 rings back, ROUNDS times: half the round
 *              trip is the one-way doorbell latency; then the same with a 64-byte put before each doorbell;
 *   streaming: every hart of chip 0 puts its share of up to 32 MiB into chip 1's global memory at once (the DMA
 *              engines keep their bursts in flight); bytes / time is the achieved payload rate, which bench/
 *              linkbench.sh compares with the link's peak from the run's statistics.
 * Other chips only exit. Exit status: 0, or 1 if the streamed data did not arrive intact (chip 1 checks samples). */
#include <stdint.h>
#include <stdio.h>

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

#define ROUNDS 64u
#define FLAG_PING 3u
#define FLAG_PONG 4u
#define FLAG_STREAMED 5u
#define SMALL (NPUEMU_SCRATCHPAD_BASE + 0x1000u)
/* The peer's tile 0 scratchpad, as another chip's DMA reaches it (its tile window). */
#define PEER_SMALL (NPUEMU_TILE_SRAM_GLOBAL_BASE + NPUEMU_TILE_SCRATCHPAD_OFFSET + 0x1000u)
#define STREAM_SRC 0x82000000u  /* then the destination right after the source */
#define STREAM_MAX_BYTES (32u << 20)

/* `bytes` (0: nothing) from this tile's scratchpad into the peer's tile 0 scratchpad. */
static void put_small(uint32_t peer, uint32_t bytes) {
    if (!bytes) return;
    npu_dma_chips(NPU_CHIP_SELF, peer);
    npu_dma_shape(bytes, 0, 1, 1);
    npu_dma_copy(SMALL, PEER_SMALL);
    npu_dma_chips(NPU_CHIP_SELF, NPU_CHIP_SELF);
}

static void ping_pong(uint32_t chip, uint32_t bytes, const char *what) {
    const uint32_t peer = chip ^ 1u;
    const uint64_t start = npu_read_mcycle();
    for (uint32_t round = 0; round < ROUNDS; ++round) {
        if (chip == 0) {
            put_small(peer, bytes);
            npu_dma_doorbell(peer, 0, FLAG_PING);
            npu_wait(NPU_QUEUE_DMA, FLAG_PONG);
        } else {
            npu_wait(NPU_QUEUE_DMA, FLAG_PING);
            put_small(peer, bytes);
            npu_dma_doorbell(peer, 0, FLAG_PONG);
        }
        npu_fence(1u << NPU_QUEUE_DMA);
    }
    const uint64_t cycles = npu_read_mcycle() - start;
    if (chip == 0) {
        const uint64_t ns = cycles * 1000u / (npu_clock_khz() / 1000u);
        printf("ping-pong %s: %u rounds, one way %u ns\n", what, (unsigned)ROUNDS, (unsigned)(ns / (2u * ROUNDS)));
    }
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count(), chip = npu_chip_id();
    if (npu_chip_count() < 2) {
        if (hart == 0) printf("linkbench needs a system of at least two chips (npuemu run --system ...)\n");
        return hart == 0 ? 2 : 0;
    }
    if (chip > 1) return 0;
    if (hart == 0) {
        ping_pong(chip, 0, "doorbell");
        ping_pong(chip, 64, "64-byte put + doorbell");
    }
    /* Streaming: chip 0's harts each put a slice of whole MiB; chip 1's hart 0 waits for every slice's doorbell. */
    uint32_t stream_bytes = (npu_global_memory_bytes() - (STREAM_SRC - NPUEMU_GLOBAL_MEM_BASE)) / 2u;
    if (stream_bytes > STREAM_MAX_BYTES) stream_bytes = STREAM_MAX_BYTES;
    const uint32_t slice = (stream_bytes / harts) & ~((1u << 20) - 1u);
    const uint32_t stream_total = slice * harts;
    const uint32_t stream_dst = STREAM_SRC + stream_total;
    if (chip == 0 && hart == 0) {
        volatile uint32_t *src = (volatile uint32_t *)(uintptr_t)STREAM_SRC;
        for (uint32_t i = 0; i < stream_total / 4u; i += 4096u) src[i] = i * 2654435761u;
    }
    npu_barrier();
    if (chip == 0) {
        const uint64_t start = npu_read_mcycle();
        npu_dma_chips(NPU_CHIP_SELF, 1);
        npu_dma_shape(1u << 20, 0, slice >> 20, 1); /* rows of 1 MiB: a row holds at most 16 MiB */
        npu_dma_copy(STREAM_SRC + hart * slice, stream_dst + hart * slice);
        npu_dma_chips(NPU_CHIP_SELF, NPU_CHIP_SELF);
        npu_dma_doorbell(1, 0, FLAG_STREAMED);
        npu_fence(1u << NPU_QUEUE_DMA);
        npu_barrier();
        const uint64_t cycles = npu_read_mcycle() - start;
        if (hart == 0) {
            const uint64_t ns = cycles * 1000u / (npu_clock_khz() / 1000u);
            const uint64_t mbps = (uint64_t)stream_total * 1000u / ns;
            printf("streaming: %u bytes from %u harts in %u ns: %u.%03u GB/s\n", (unsigned)stream_total,
                   (unsigned)harts, (unsigned)ns, (unsigned)(mbps / 1000u), (unsigned)(mbps % 1000u));
        }
        return 0;
    }
    if (hart != 0) return 0;
    for (uint32_t h = 0; h < harts; ++h) npu_wait(NPU_QUEUE_DMA, FLAG_STREAMED);
    npu_fence(1u << NPU_QUEUE_DMA);
    const volatile uint32_t *dst = (const volatile uint32_t *)(uintptr_t)stream_dst;
    for (uint32_t i = 0; i < stream_total / 4u; i += 4096u) {
        if (dst[i] != i * 2654435761u) {
            printf("FAILED: streamed word %u is 0x%08x\n", (unsigned)i, (unsigned)dst[i]);
            return 1;
        }
    }
    printf("streamed data arrived intact\n");
    return 0;
}
