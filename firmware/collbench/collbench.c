/* Collectives across the chips of a system, nccl-tests style: for each collective and size, the time on chip 0
 * (from a barrier to its own completion), the algorithm bandwidth (bytes / time) and the bus bandwidth (nccl-tests'
 * definitions: all-reduce x 2(n-1)/n, reduce-scatter and all-gather x (n-1)/n), and a check of the result against
 * the same sums computed on the control core in the documented order (npuemu/collectives.h).
 *
 * Two images from this source:
 *   collbench  sizes 4 KiB, 16 KiB, ... up to COLL_MAX_BYTES (or half of global memory), FP32; every element of
 *              sizes up to 64 KiB checked, 257 elements spread over larger ones (checking 64 MiB on a simulated
 *              control core would take longer than the collective);
 *   collcheck  (COLL_CHECK) ragged element counts, INT32 and FP32, small chunks (many per segment), every element
 *              checked: the correctness test.
 * Every hart of every chip takes part, each with its slice of the buffer (a ring per tile); hart 0 fills and checks.
 * Exit status: the number of wrong results. Runs alone too (1 chip: the collectives have nothing to do, the checks
 * still hold). */
#include <stdint.h>
#include <stdio.h>

#include "npuemu/collectives.h"
#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

#define BUFFER 0x82000000u               /* in global memory, the same on every chip */
#define PATTERN (NPUEMU_SCRATCHPAD_BASE)  /* a block of the input, replicated over the buffer by the DMA */
#define PATTERN_ELEMENTS 1024u
#define SCRATCH (NPUEMU_SCRATCHPAD_BASE + 0x10000u)
#ifndef COLL_MIN_BYTES
#define COLL_MIN_BYTES 4096u
#endif
#ifndef COLL_MAX_BYTES
#define COLL_MAX_BYTES (256u << 20)
#endif
#ifndef COLL_FIRST
#define COLL_FIRST 0  /* the collectives measured: ALLREDUCE (0) .. ALLGATHER (2) */
#endif
#ifndef COLL_LAST
#define COLL_LAST 2
#endif
#ifndef COLL_CHUNK_BYTES
#define COLL_CHUNK_BYTES 16384u
#endif

/* Chip c's element i. FP32: small multiples of 1/64 with varied signs and exponents, so sums round. */
static uint32_t generate(uint32_t chip, uint32_t i, uint32_t dtype) {
    const uint32_t p = i % PATTERN_ELEMENTS;
    const uint32_t mix = (chip + 1u) * 2654435761u ^ (p * 40503u);
    if (dtype == NPU_DTYPE_INT32) return mix;
    union { float f; uint32_t u; } v;
    v.f = (float)((int32_t)(mix % 20001u) - 10000) / 64.0f * (float)(1u << (p % 7u));
    return v.u;
}

/* Every chip's pattern block of the current dtype, in the scratchpad (the control core has no FPU: generating an
 * FP32 input costs a soft-float conversion and multiply, which the checks would pay chips times per element). */
#define TABLE (NPUEMU_SCRATCHPAD_BASE + 0x30000u)
#define TABLE_CHIPS 16u
static uint32_t table_dtype = 0xFFFFFFFFu;

static void build_table(uint32_t chips, uint32_t dtype) {
    if (table_dtype == dtype || chips > TABLE_CHIPS) return;
    volatile uint32_t *table = (volatile uint32_t *)(uintptr_t)TABLE;
    for (uint32_t c = 0; c < chips; ++c) {
        for (uint32_t p = 0; p < PATTERN_ELEMENTS; ++p) table[c * PATTERN_ELEMENTS + p] = generate(c, p, dtype);
    }
    table_dtype = dtype;
}

static uint32_t input(uint32_t chip, uint32_t i, uint32_t dtype) {
    if (table_dtype != dtype) return generate(chip, i, dtype);
    return ((volatile uint32_t *)(uintptr_t)TABLE)[chip * PATTERN_ELEMENTS + i % PATTERN_ELEMENTS];
}

static uint32_t add(uint32_t a, uint32_t b, uint32_t dtype) {
    if (dtype == NPU_DTYPE_INT32) return a + b;
    union { float f; uint32_t u; } x, y;
    x.u = a;
    y.u = b;
    x.f = x.f + y.f;
    return x.u;
}

/* The chip segment element i lies in: within its hart's slice, the slice cut into chips segments. */
static uint32_t segment_of(uint32_t i, uint32_t count, uint32_t chips, uint32_t harts) {
    uint32_t h = 0;
    while (i >= npu_coll_segment_first(count, harts, h + 1)) ++h;
    const uint32_t first = npu_coll_segment_first(count, harts, h);
    const uint32_t length = npu_coll_segment_first(count, harts, h + 1) - first;
    uint32_t s = 0;
    while (i - first >= npu_coll_segment_first(length, chips, s + 1)) ++s;
    return s;
}

/* What element i of the all-reduce must be: x[s+1] + x[s+2] + ... + x[s+chips], left to right. */
static uint32_t reduced(uint32_t i, uint32_t s, uint32_t chips, uint32_t dtype) {
    uint32_t sum = input((s + 1) % chips, i, dtype);
    for (uint32_t m = 2; m <= chips; ++m) sum = add(sum, input((s + m) % chips, i, dtype), dtype);
    return sum;
}

/* Fills the buffer with this chip's input: one pattern block written by the core, then doubled by the DMA. */
static void fill(uint32_t chip, uint32_t count, uint32_t dtype) {
    volatile uint32_t *pattern = (volatile uint32_t *)(uintptr_t)PATTERN;
    for (uint32_t i = 0; i < PATTERN_ELEMENTS; ++i) pattern[i] = input(chip, i, dtype);
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    uint32_t filled = count < PATTERN_ELEMENTS ? count : PATTERN_ELEMENTS;
    npu_dma_shape(4u * filled, 0, 1, 1);
    npu_dma_copy(PATTERN, BUFFER);
    while (filled < count) {  /* whole pattern blocks: element i stays pattern element i % PATTERN_ELEMENTS */
        const uint32_t n = count - filled < filled ? count - filled : filled;
        const uint32_t blocks = n / PATTERN_ELEMENTS, rest = n % PATTERN_ELEMENTS;
        if (blocks) {  /* rows of one block each: a row holds at most 16 MiB */
            npu_dma_shape(4u * PATTERN_ELEMENTS, 0, blocks, 1);
            npu_dma_copy(BUFFER, BUFFER + 4u * filled);
        }
        if (rest) {
            npu_dma_shape(4u * rest, 0, 1, 1);
            npu_dma_copy(BUFFER, BUFFER + 4u * (filled + blocks * PATTERN_ELEMENTS));
        }
        filled += n;
    }
    npu_fence(1u << NPU_QUEUE_DMA);
}

enum { ALLREDUCE, REDUCE_SCATTER, ALLGATHER };
static const char *const kNames[] = {"all_reduce", "reduce_scatter", "all_gather"};

/* Checks element i of the buffer after collective `which`; returns 1 if wrong (and says so). */
static unsigned check_element(int which, uint32_t i, uint32_t count, uint32_t chip, uint32_t chips, uint32_t harts,
                              uint32_t dtype) {
    const uint32_t got = ((volatile uint32_t *)(uintptr_t)BUFFER)[i];
    uint32_t want;
    const uint32_t s = segment_of(i, count, chips, harts);
    if (which == ALLREDUCE) {
        want = reduced(i, s, chips, dtype);
    } else if (which == REDUCE_SCATTER) {
        if (s != chip) return 0;  /* only our segment is defined */
        want = reduced(i, s, chips, dtype);
    } else {
        want = input(s, i, dtype);  /* segment s came from chip s */
    }
    if (got == want) return 0;
    printf("FAILED: %s of %u elements: element %u is 0x%08x, expected 0x%08x\n", kNames[which], (unsigned)count,
           (unsigned)i, (unsigned)got, (unsigned)want);
    return 1;
}

static unsigned check(int which, uint32_t count, uint32_t chip, uint32_t chips, uint32_t harts, uint32_t dtype,
                      int every) {
    const uint32_t step = every || count <= 16384u ? 1u : count / 256u;
    for (uint32_t i = 0; i < count; i += step) {
        if (check_element(which, i, count, chip, chips, harts, dtype)) return 1;
    }
    return check_element(which, count - 1, count, chip, chips, harts, dtype);
}

static void prepare(int which, uint32_t chip, uint32_t count, uint32_t dtype) {
    build_table(npu_chip_count(), dtype);
    if (which != ALLGATHER) {
        fill(chip, count, dtype);
        return;
    }
    /* All-gather: only our own segments hold data; zero the ends of the others so a missing segment shows. */
    fill(chip, count, dtype);
    const uint32_t chips = npu_chip_count(), harts = npu_hart_count();
    for (uint32_t h = 0; h < harts; ++h) {
        const uint32_t first = npu_coll_segment_first(count, harts, h);
        const uint32_t length = npu_coll_segment_first(count, harts, h + 1) - first;
        for (uint32_t s = 0; s < chips; ++s) {
            if (s == chip) continue;
            volatile uint32_t *p =
                (volatile uint32_t *)(uintptr_t)(BUFFER + 4u * (first + npu_coll_segment_first(length, chips, s)));
            const uint32_t n = npu_coll_segment_length(length, chips, s);
            if (n) { p[0] = 0; p[n - 1] = 0; }
        }
    }
}

/* Every hart: the same hart of every chip meets at a barrier, then the chip's harts start together; chip 0's hart
 * 0 times from there until every hart of its chip is done. */
static uint64_t run(const struct npu_coll *coll, int which, uint32_t count, uint32_t dtype, uint32_t hart,
                    uint32_t harts) {
    npu_coll_barrier(coll, hart);
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    if (which == ALLREDUCE) npu_allreduce_ring(coll, BUFFER, count, dtype, hart, harts);
    else if (which == REDUCE_SCATTER) npu_reduce_scatter_ring(coll, BUFFER, count, dtype, hart, harts);
    else npu_allgather_ring(coll, BUFFER, count, hart, harts);
    npu_barrier();
    return npu_read_mcycle() - start;
}


int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    struct npu_coll coll = {SCRATCH, COLL_CHUNK_BYTES};
    unsigned failures = 0;
#ifdef COLL_CHECK
    static const uint32_t counts[] = {1, 5, 1000, 4097};
    coll.chunk_bytes = 1024u;  /* many chunks per segment */
    for (int which = 0; which < 3; ++which) {
        for (uint32_t d = 0; d < 2; ++d) {
            const uint32_t dtype = d ? NPU_DTYPE_FP32 : NPU_DTYPE_INT32;
            for (uint32_t c = 0; c < sizeof counts / sizeof counts[0]; ++c) {
                if (hart == 0) prepare(which, chip, counts[c], dtype);
                npu_barrier();
                run(&coll, which, counts[c], dtype, hart, harts);
                if (hart != 0) continue;
                const unsigned wrong = check(which, counts[c], chip, chips, harts, dtype, 1);
                failures += wrong;
                if (chip == 0 && !wrong) {
                    printf("%s %s %u elements: every element as expected\n", kNames[which],
                           dtype == NPU_DTYPE_FP32 ? "fp32" : "int32", (unsigned)counts[c]);
                }
            }
        }
    }
#else
    /* Bus bandwidth factor (x 1000) of nccl-tests for n chips. */
    const uint64_t bus_factor_milli[3] = {2000u * (chips - 1u) / chips, 1000u * (chips - 1u) / chips,
                                          1000u * (chips - 1u) / chips};
    const uint32_t clock_mhz = npu_clock_khz() / 1000u;
    uint32_t max_bytes = COLL_MAX_BYTES;
    if (max_bytes > npu_global_memory_bytes() / 2u) max_bytes = npu_global_memory_bytes() / 2u;
    if (chip == 0 && hart == 0) {
        printf("# %u chip(s) x %u tiles (a ring per tile), chunks of %u bytes, FP32 sums; time on chip 0 at %u MHz\n",
               (unsigned)chips, (unsigned)harts, (unsigned)coll.chunk_bytes, (unsigned)clock_mhz);
        printf("# %-14s %10s %10s %12s %10s %10s %s\n", "collective", "bytes", "elements", "time_us", "algbw_GBps",
               "busbw_GBps", "check");
    }
    for (int which = COLL_FIRST; which <= COLL_LAST; ++which) {
        for (uint32_t bytes = COLL_MIN_BYTES; bytes <= max_bytes; bytes *= 4u) {
            const uint32_t count = bytes / 4u;
            if (hart == 0) prepare(which, chip, count, NPU_DTYPE_FP32);
            npu_barrier();
            const uint64_t cycles = run(&coll, which, count, NPU_DTYPE_FP32, hart, harts);
            if (hart != 0) continue;
            const unsigned wrong = check(which, count, chip, chips, harts, NPU_DTYPE_FP32, 0);
            failures += wrong;
            if (chip == 0) {
                const uint64_t ns = cycles * 1000u / clock_mhz;
                const uint64_t alg_mbps = ns ? (uint64_t)bytes * 1000u / ns : 0;
                const uint64_t bus_mbps = alg_mbps * bus_factor_milli[which] / 1000u;
                printf("  %-14s %10u %10u %8u.%03u %6u.%03u %6u.%03u %s\n", kNames[which], (unsigned)bytes,
                       (unsigned)count, (unsigned)(ns / 1000u), (unsigned)(ns % 1000u), (unsigned)(alg_mbps / 1000u),
                       (unsigned)(alg_mbps % 1000u), (unsigned)(bus_mbps / 1000u), (unsigned)(bus_mbps % 1000u),
                       wrong ? "WRONG" : "ok");
            }
        }
    }
#endif
    return (int)failures;
}
