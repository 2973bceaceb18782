/* membench: what the memory system delivers, measured from firmware.
 *   read / write / copy  every tile streams its own region of global memory through its DMA engine (HBM ->
 *                        scratchpad, scratchpad -> HBM, HBM -> HBM), 64 KiB per copy, all tiles at once;
 *                        achieved bandwidth against the HBM's theoretical peak.
 *   latency              hart 0 chases pointers with dependent loads: within one open row (row hits), between
 *                        two rows of the same bank (row conflicts: each load closes the other row), and across
 *                        random rows of every channel (mostly row misses).
 *   stride               hart 0's DMA reads one 32-byte access from each of many rows of a single bank (every
 *                        access opens a row: the bank's row cycle is the limit; one DMA per read, as the rows of
 *                        a bank are not equally spaced once the mapping hashes), against the same number of reads
 *                        256 bytes apart in one strided DMA (spread over every channel). The chip info's address
 *                        probe names one bank's rows whatever the address mapping.
 * Every figure is printed as one line "membench <name>: ..." that tests and scripts read. The optional argument
 * block at MEMBENCH_ARGS (put there with --load) selects what runs and how much. */
#include <stdio.h>

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

#define MEMBENCH_ARGS 0x81000000u
#define MEMBENCH_MAGIC 0x4D454D42u /* "MEMB" */
#define MEMBENCH_READ (1u << 0)
#define MEMBENCH_WRITE (1u << 1)
#define MEMBENCH_COPY (1u << 2)
#define MEMBENCH_LATENCY (1u << 3)
#define MEMBENCH_STRIDE (1u << 4)
#define MEMBENCH_ALL 0x1Fu

struct membench_args {
    uint32_t magic;
    uint32_t tests;          /* MEMBENCH_* bits */
    uint32_t bytes_per_tile; /* streaming: bytes each tile moves (0: the default) */
    uint32_t chase_loads;    /* latency: dependent loads per chase (0: the default) */
};

#define CHUNK_BYTES 65536u
#define REGION_BASE 0x81100000u /* after the argument block */

static uint64_t barrier_then_mcycle(void) {
    npu_barrier();
    return npu_read_mcycle();
}

/* x 10, rounded down: one decimal without floating point. */
static void print_rate(const char *name, uint64_t bytes, uint64_t cycles, uint32_t peak_mbps, const char *note) {
    const uint64_t khz = npu_clock_khz();
    /* bytes / (cycles / (khz * 1000)) B/s, in MB/s: bytes * khz / cycles / 1000 */
    const uint64_t mbps = cycles ? bytes * khz / cycles / 1000 : 0;
    const uint64_t permille = peak_mbps ? mbps * 1000 / peak_mbps : 0;
    printf("membench %s: %llu bytes in %llu cycles = %llu.%llu GB/s, %llu.%llu%% of the HBM peak %u.%u GB/s%s\n", name,
           (unsigned long long)bytes, (unsigned long long)cycles, (unsigned long long)(mbps / 1000),
           (unsigned long long)(mbps / 100 % 10), (unsigned long long)(permille / 10),
           (unsigned long long)(permille % 10), (unsigned)(peak_mbps / 1000), (unsigned)(peak_mbps / 100 % 10), note);
}

/* Every tile moves `bytes` between its region and its scratchpad (or to a second region), CHUNK_BYTES per copy. */
enum stream_kind { STREAM_READ, STREAM_WRITE, STREAM_COPY };
static uint64_t stream(enum stream_kind kind, uint32_t hart, uint32_t harts, uint32_t bytes) {
    const uint32_t region = REGION_BASE + hart * bytes;
    const uint32_t second = REGION_BASE + harts * bytes + hart * bytes;
    const uint64_t start = barrier_then_mcycle();
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_dma_shape(CHUNK_BYTES, 0, 1, 1);
    for (uint32_t done = 0, i = 0; done < bytes; done += CHUNK_BYTES, ++i) {
        const uint32_t buffer = NPUEMU_SCRATCHPAD_BASE + (i & 1) * CHUNK_BYTES;
        switch (kind) {
            case STREAM_READ: npu_dma_copy(region + done, buffer); break;
            case STREAM_WRITE: npu_dma_copy(buffer, region + done); break;
            case STREAM_COPY: npu_dma_copy(region + done, second + done); break;
        }
    }
    npu_fence(1u << NPU_QUEUE_DMA);
    return barrier_then_mcycle() - start;
}

/* Builds a cycle of `nodes` pointers, node k at base + order(k) * spacing, then follows it for `loads` loads. */
static uint64_t chase(uint32_t base, uint32_t nodes, uint32_t spacing, uint32_t loads, int random) {
    uint32_t x = 0;
    for (uint32_t k = 0; k < nodes; ++k) {
        /* A full-period LCG modulo a power of two visits every node once: a random-looking single cycle. */
        const uint32_t next = random ? (x * 1664525u + 1013904223u) & (nodes - 1) : (x + 1) & (nodes - 1);
        *(volatile uint32_t *)(uintptr_t)(base + x * spacing) = base + next * spacing;
        x = next;
    }
    uint32_t p = base;
    const uint64_t start = npu_read_mcycle();
    for (uint32_t i = 0; i < loads; ++i) p = *(volatile uint32_t *)(uintptr_t)p;
    const uint64_t cycles = npu_read_mcycle() - start;
    if (p == 1) printf("unreachable\n"); /* keeps the chain live */
    return cycles;
}

static void print_latency(const char *name, uint64_t cycles, uint32_t loads) {
    const uint64_t khz = npu_clock_khz();
    const uint64_t per_load_x10 = cycles * 10 / loads;
    const uint64_t ps = cycles * 1000000000ull / khz / loads; /* cycles / loads / (khz * 1e3) s, in ps */
    printf("membench latency %s: %llu.%llu cycles = %llu.%llu ns per dependent load (%u loads)\n", name,
           (unsigned long long)(per_load_x10 / 10), (unsigned long long)(per_load_x10 % 10),
           (unsigned long long)(ps / 1000), (unsigned long long)(ps / 100 % 10), (unsigned)loads);
}

/* Up to `count` rows of bank 0 of pseudo channel 0 that lie in [REGION_BASE, end): their addresses. */
static uint32_t one_bank_rows(uint32_t *addresses, uint32_t count, uint32_t end) {
    uint32_t found = 0;
    for (uint32_t row = 0; found < count && row < (1u << 24); ++row) {
        const uint32_t address = npu_hbm_row_address(row);
        if (address == 0 && row > 0) break; /* past the global memory window */
        if (address >= REGION_BASE && address < end) addresses[found++] = address;
    }
    return found;
}

/* Follows a ring of `count` pointers at the given addresses (word i points to word i + 1), `loads` times. */
static uint64_t chase_ring(const uint32_t *words, uint32_t count, uint32_t loads) {
    for (uint32_t i = 0; i < count; ++i) *(volatile uint32_t *)(uintptr_t)words[i] = words[(i + 1) % count];
    uint32_t p = words[0];
    const uint64_t start = npu_read_mcycle();
    for (uint32_t i = 0; i < loads; ++i) p = *(volatile uint32_t *)(uintptr_t)p;
    const uint64_t cycles = npu_read_mcycle() - start;
    if (p == 1) printf("unreachable\n"); /* keeps the chain live */
    return cycles;
}

static void latency(uint32_t loads, uint32_t region_bytes, uint32_t end) {
    /* Two rows of one bank (bank 0 of pseudo channel 0): hits and conflicts then differ only in the DRAM. */
    uint32_t rows[2];
    if (one_bank_rows(rows, 2, end) == 2) {
        uint32_t words[8];
        /* Row hits: the 8 words of one 32-byte column of one row, in turn. */
        for (uint32_t i = 0; i < 8; ++i) words[i] = rows[0] + 4 * i;
        print_latency("row hits (one open row)", chase_ring(words, 8, loads), loads);
        /* Row conflicts: ping-pong between the two rows: each load closes the other's row. */
        for (uint32_t i = 0; i < 8; ++i) words[i] = (i & 1 ? rows[1] : rows[0]) + 4 * (i / 2);
        print_latency("row conflicts (two rows of one bank)", chase_ring(words, 8, loads), loads);
    }
    /* Random rows: 4096 nodes 4 KiB apart (16 MiB), in LCG order, over every channel: most loads open a row. */
    uint32_t nodes = 4096, spacing = 4096;
    while (nodes > 64 && nodes * spacing > region_bytes) nodes /= 2;
    print_latency("random rows", chase(REGION_BASE, nodes, spacing, loads, 1), loads);
}

/* One 32-byte DMA per address, all in flight together. */
static uint64_t scattered_reads(const uint32_t *addresses, uint32_t count, uint32_t access) {
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_dma_shape(access, 0, 1, 1);
    const uint64_t start = npu_read_mcycle();
    for (uint32_t i = 0; i < count; ++i) npu_dma_copy(addresses[i], NPUEMU_SCRATCHPAD_BASE + i * access);
    npu_fence(1u << NPU_QUEUE_DMA);
    return npu_read_mcycle() - start;
}

#define STRIDE_READS 256u
static uint32_t stride_addresses[STRIDE_READS];

static void stride(uint32_t end) {
    const uint32_t access = npu_hbm_access_bytes();
    const uint32_t count = one_bank_rows(stride_addresses, STRIDE_READS, end);
    if (count < 2) {
        printf("membench stride: skipped (fewer than 2 rows of one bank in the free global memory)\n");
        return;
    }
    const uint64_t one_bank = scattered_reads(stride_addresses, count, access);
    /* The same number of reads spread over the channels: one strided DMA, a read every 256 bytes. */
    npu_dma_shape(access, 0, count, 1);
    npu_dma_src_stride(256, 0);
    npu_dma_dst_stride(access, 0);
    uint64_t start = npu_read_mcycle();
    npu_dma_copy(REGION_BASE, NPUEMU_SCRATCHPAD_BASE);
    npu_fence(1u << NPU_QUEUE_DMA);
    const uint64_t spread = npu_read_mcycle() - start;
    const uint64_t khz = npu_clock_khz();
    const uint64_t bytes = (uint64_t)count * access;
    printf("membench stride: %u reads of %u B: one bank, a new row each: %llu cycles = %llu MB/s (%llu.%llu cycles per "
           "read); spread over the channels (stride 256 B): %llu cycles = %llu MB/s; one bank is %llux slower\n",
           (unsigned)count, (unsigned)access, (unsigned long long)one_bank,
           (unsigned long long)(bytes * khz / one_bank / 1000), (unsigned long long)(one_bank / count),
           (unsigned long long)(one_bank * 10 / count % 10), (unsigned long long)spread,
           (unsigned long long)(bytes * khz / spread / 1000), (unsigned long long)(one_bank / spread));
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct membench_args *given = (const struct membench_args *)(uintptr_t)MEMBENCH_ARGS;
    struct membench_args args = {MEMBENCH_MAGIC, MEMBENCH_ALL, 0, 0};
    if (given->magic == MEMBENCH_MAGIC) args = *given;
    const uint32_t global_end = NPUEMU_GLOBAL_MEM_BASE + npu_global_memory_bytes();
    const uint32_t region_bytes = global_end - REGION_BASE;
    /* Two regions per tile (copy's source and destination), whole chunks. */
    uint32_t bytes = args.bytes_per_tile ? args.bytes_per_tile : 1u << 20;
    const uint32_t fit = region_bytes / (2 * harts) / CHUNK_BYTES * CHUNK_BYTES;
    if (bytes > fit) bytes = fit;
    bytes = bytes / CHUNK_BYTES * CHUNK_BYTES;
    const uint32_t peak = npu_hbm_peak_mbps();
    const uint32_t loads = args.chase_loads ? args.chase_loads : 2000;
    if (hart == 0) {
        printf("membench: %u tiles, %u HBM pseudo channels, peak %u MB/s, %u bytes per tile per stream\n",
               (unsigned)harts, (unsigned)npu_hbm_pseudo_channels(), (unsigned)peak, (unsigned)bytes);
    }
    if (args.tests & MEMBENCH_READ) {
        const uint64_t cycles = stream(STREAM_READ, hart, harts, bytes);
        if (hart == 0) print_rate("read", (uint64_t)bytes * harts, cycles, peak, "");
    }
    if (args.tests & MEMBENCH_WRITE) {
        const uint64_t cycles = stream(STREAM_WRITE, hart, harts, bytes);
        /* Writes are done for the DMA once a controller's write queue takes them: the last few hundred KiB are
         * still going into the DRAM when the fence returns, so this can edge past the peak. */
        if (hart == 0) print_rate("write", (uint64_t)bytes * harts, cycles, peak, " (as acknowledged: queued writes count)");
    }
    if (args.tests & MEMBENCH_COPY) {
        const uint64_t cycles = stream(STREAM_COPY, hart, harts, bytes);
        if (hart == 0) print_rate("copy (read + write)", 2ull * bytes * harts, cycles, peak, "");
    }
    npu_barrier();
    if (hart == 0 && (args.tests & MEMBENCH_LATENCY)) latency(loads, region_bytes, global_end);
    if (hart == 0 && (args.tests & MEMBENCH_STRIDE)) stride(global_end);
    return 0;
}
