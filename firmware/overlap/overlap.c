/* Compute and communication at once, on a system of chips: a GEMM (npu_gemm) on most tiles of every chip while a
 * ring all-reduce (npu_allreduce_ring) runs on the first OVERLAP_COLL_TILES tiles (a ring per tile, as NCCL gives a
 * collective a few of a GPU's SMs). They share each chip's HBM and mesh; the all-reduce also has the links. Three
 * phases, each begun by every chip together (the collective's tiles meet the other chips' at a barrier first):
 *   1. the GEMM alone (the collective's tiles idle),
 *   2. the all-reduce alone (the GEMM's tiles idle),
 *   3. both at once.
 * A group's time is from the phase's start to its last tile's end, on chip 0 (mcycle: every tile runs at the chip
 * clock, no DVFS request is made). Chip 0 hart 0 prints both times alone and together, and the slowdowns.
 * Results: C of phase 3 equals C of phase 1 byte for byte, and the all-reduce of phase 3 equals phase 2's; 64
 * sampled elements of each are also checked against the control core's own sums (INT8 dot products; INT32 sums over
 * the chips, which wrap and do not depend on the order). Exit status: the number of failed checks.
 *
 * Build-time sizes: OVERLAP_BYTES (the all-reduce, INT32), OVERLAP_M/N/K (INT8 GEMM), OVERLAP_REPEAT (GEMMs per
 * phase), OVERLAP_COLL_TILES, OVERLAP_CHUNK_BYTES. */
#include <stdint.h>
#include <stdio.h>

#include "npuemu/collectives.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"
#include "npuemu/npu_isa.h"
#include "npuemu/rand.h"

#ifndef OVERLAP_BYTES
#define OVERLAP_BYTES (4u << 20)
#endif
#ifndef OVERLAP_M
#define OVERLAP_M 2048u
#endif
#ifndef OVERLAP_N
#define OVERLAP_N 2048u
#endif
#ifndef OVERLAP_K
#define OVERLAP_K 2048u
#endif
#ifndef OVERLAP_REPEAT
#define OVERLAP_REPEAT 3u
#endif
#ifndef OVERLAP_COLL_TILES
#define OVERLAP_COLL_TILES 4u
#endif
#ifndef OVERLAP_CHUNK_BYTES
#define OVERLAP_CHUNK_BYTES 16384u
#endif

#define BLOCK (NPUEMU_SCRATCHPAD_BASE) /* hart 0: a block replicated over a buffer by the DMA */
#define BLOCK_BYTES 4096u
#define SCRATCH (NPUEMU_SCRATCHPAD_BASE + 0x10000u) /* the collective's slots, on its tiles */
#define BASE 0x82000000u                            /* every buffer, at the same addresses on every chip */
#define ALIGN(x) (((x) + 0xFFFu) & ~0xFFFu)
#define COLL BASE
#define COLL_REF (COLL + ALIGN(OVERLAP_BYTES))
#define A_BUF (COLL_REF + ALIGN(OVERLAP_BYTES))
#define B_BUF (A_BUF + ALIGN(OVERLAP_M * OVERLAP_K))
#define C_BUF (B_BUF + ALIGN(OVERLAP_K * OVERLAP_N))
#define C_REF (C_BUF + ALIGN(OVERLAP_M * OVERLAP_N * 4u))
#define END (C_REF + ALIGN(OVERLAP_M * OVERLAP_N * 4u))
#define TIMES (END) /* per phase and tile: start, end (mcycle) */
#define MAX_TILES 256u

enum { GEMM_ALONE, COLL_ALONE, BOTH, PHASES };

static volatile uint64_t* times(uint32_t phase, uint32_t tile) {
    return (volatile uint64_t*)(uintptr_t)(TIMES + 16u * (phase * MAX_TILES + tile));
}

/* Chip c's collective input, element i: a pattern of 1024 words. */
static uint32_t coll_input(uint32_t chip, uint32_t i) { return (chip + 1u) * 2654435761u ^ ((i % 1024u) * 40503u); }

static void dma_wait(void) { npu_fence(1u << NPU_QUEUE_DMA); }

/* [dst, dst + bytes) filled with the BLOCK_BYTES at BLOCK, repeated (bytes a multiple of BLOCK_BYTES): one copy,
 * then doubling, as collbench fills its buffers. */
static void replicate(uint32_t dst, uint32_t bytes) {
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_dma_shape(BLOCK_BYTES, 0, 1, 1);
    npu_dma_copy(BLOCK, dst);
    for (uint32_t filled = BLOCK_BYTES; filled < bytes;) {
        const uint32_t n = bytes - filled < filled ? bytes - filled : filled;
        npu_dma_shape(BLOCK_BYTES, 0, n / BLOCK_BYTES, 1);
        npu_dma_copy(dst, dst + filled);
        filled += n;
    }
    dma_wait();
}

static void copy(uint32_t src, uint32_t dst, uint32_t bytes) {
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_dma_shape(BLOCK_BYTES, 0, bytes / BLOCK_BYTES, 1);
    npu_dma_copy(src, dst);
    dma_wait();
}

static void fill_coll(uint32_t chip) {
    volatile uint32_t* block = (volatile uint32_t*)(uintptr_t)BLOCK;
    for (uint32_t i = 0; i < BLOCK_BYTES / 4u; ++i) block[i] = coll_input(chip, i);
    replicate(COLL, OVERLAP_BYTES);
}

static void fill_random(uint32_t dst, uint32_t bytes, uint32_t seed) {
    volatile uint32_t* block = (volatile uint32_t*)(uintptr_t)BLOCK;
    for (uint32_t i = 0; i < BLOCK_BYTES / 4u; ++i) block[i] = npu_xorshift32(&seed);
    replicate(dst, bytes);
}

static void clear(uint32_t dst, uint32_t bytes) {
    volatile uint32_t* block = (volatile uint32_t*)(uintptr_t)BLOCK;
    for (uint32_t i = 0; i < BLOCK_BYTES / 4u; ++i) block[i] = 0;
    replicate(dst, bytes);
}

/* 1 and a message if the words of two buffers differ. */
static unsigned differ(uint32_t a, uint32_t b, uint32_t bytes, const char* what) {
    const volatile uint32_t *x = (const volatile uint32_t*)(uintptr_t)a, *y = (const volatile uint32_t*)(uintptr_t)b;
    for (uint32_t i = 0; i < bytes / 4u; ++i) {
        if (x[i] != y[i]) {
            printf("FAILED: %s: word %u is 0x%08x together, 0x%08x alone\n", what, (unsigned)i, (unsigned)x[i],
                   (unsigned)y[i]);
            return 1;
        }
    }
    return 0;
}

static unsigned check_samples(uint32_t chips) {
    const int8_t *a = (const int8_t*)(uintptr_t)A_BUF, *b = (const int8_t*)(uintptr_t)B_BUF;
    const int32_t* c = (const int32_t*)(uintptr_t)C_BUF;
    const uint32_t* r = (const uint32_t*)(uintptr_t)COLL;
    uint32_t seed = 7;
    for (int s = 0; s < 64; ++s) {
        const uint32_t i = npu_xorshift32(&seed) % OVERLAP_M, j = npu_xorshift32(&seed) % OVERLAP_N;
        int32_t want = 0;
        for (uint32_t kk = 0; kk < OVERLAP_K; ++kk) want += a[i * OVERLAP_K + kk] * b[kk * OVERLAP_N + j];
        if (c[i * OVERLAP_N + j] != want) {
            printf("FAILED: C[%u][%u] = %d, expected %d\n", (unsigned)i, (unsigned)j, (int)c[i * OVERLAP_N + j],
                   (int)want);
            return 1;
        }
        const uint32_t e = npu_xorshift32(&seed) % (OVERLAP_BYTES / 4u);
        uint32_t sum = 0;
        for (uint32_t chip = 0; chip < chips; ++chip) sum += coll_input(chip, e);
        if (r[e] != sum) {
            printf("FAILED: all-reduce element %u = 0x%08x, expected 0x%08x\n", (unsigned)e, (unsigned)r[e],
                   (unsigned)sum);
            return 1;
        }
    }
    return 0;
}

/* One phase on every tile: the collective's tiles meet the other chips' same tiles, then the chip's tiles start
 * together; each tile does its part (if the phase has one for it) and records its start and end. */
static void phase(uint32_t which, const struct npu_coll* coll, const struct npu_gemm_args* args,
                  const struct npu_gemm_plan* plan, uint32_t hart, uint32_t harts, uint32_t coll_tiles) {
    const int in_coll = hart < coll_tiles;
    if (in_coll) npu_coll_barrier(coll, hart);
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    if (in_coll && which != GEMM_ALONE) {
        npu_allreduce_ring(coll, COLL, OVERLAP_BYTES / 4u, NPU_DTYPE_INT32, hart, coll_tiles);
    } else if (!in_coll && which != COLL_ALONE) {
        for (uint32_t r = 0; r < OVERLAP_REPEAT; ++r)
            npu_gemm_planned(args, plan, hart - coll_tiles, harts - coll_tiles);
    }
    times(which, hart)[0] = start;
    times(which, hart)[1] = npu_read_mcycle();
    npu_barrier();
}

/* The group's time in a phase: its earliest start to its latest end. */
static uint64_t group_cycles(uint32_t which, uint32_t first, uint32_t last) {
    uint64_t start = UINT64_MAX, end = 0;
    for (uint32_t t = first; t < last; ++t) {
        if (times(which, t)[0] < start) start = times(which, t)[0];
        if (times(which, t)[1] > end) end = times(which, t)[1];
    }
    return end - start;
}

static void print_ratio(const char* what, uint64_t together, uint64_t alone) {
    const uint64_t milli = alone ? together * 1000u / alone : 0;
    printf("%s %u.%03ux", what, (unsigned)(milli / 1000u), (unsigned)(milli % 1000u));
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    const uint32_t coll_tiles = OVERLAP_COLL_TILES;
    if (harts <= coll_tiles || harts > MAX_TILES ||
        END + 16u * PHASES * MAX_TILES > NPUEMU_GLOBAL_MEM_BASE + npu_global_memory_bytes()) {
        if (hart == 0) {
            printf("overlap: needs more than %u tiles (has %u) and %u MiB of global memory\n", (unsigned)coll_tiles,
                   (unsigned)harts, (unsigned)((END - NPUEMU_GLOBAL_MEM_BASE) >> 20) + 1u);
        }
        return 1;
    }
    const struct npu_coll coll = {SCRATCH, OVERLAP_CHUNK_BYTES};
    const struct npu_gemm_args args = {.a = A_BUF,
                                       .b = B_BUF,
                                       .c = C_BUF,
                                       .m = OVERLAP_M,
                                       .n = OVERLAP_N,
                                       .k = OVERLAP_K,
                                       .lda = OVERLAP_K,
                                       .ldb = OVERLAP_N,
                                       .ldc = OVERLAP_N * 4u,
                                       .dtype = NPU_DTYPE_INT8};
    struct npu_gemm_plan plan = {0};
    if (hart >= coll_tiles) npu_gemm_plan(&args, harts - coll_tiles, &plan);
    if (hart == 0) {
        fill_random(A_BUF, ALIGN(OVERLAP_M * OVERLAP_K), 2024u + chip);
        fill_random(B_BUF, ALIGN(OVERLAP_K * OVERLAP_N), 4048u + chip);
        fill_coll(chip);
    }
    phase(GEMM_ALONE, &coll, &args, &plan, hart, harts, coll_tiles);
    if (hart == 0) { /* keep phase 1's C, and clear C: phase 3 must write it again */
        copy(C_BUF, C_REF, ALIGN(OVERLAP_M * OVERLAP_N * 4u));
        clear(C_BUF, ALIGN(OVERLAP_M * OVERLAP_N * 4u));
    }
    phase(COLL_ALONE, &coll, &args, &plan, hart, harts, coll_tiles);
    if (hart == 0) { /* keep phase 2's sums, and the input again */
        copy(COLL, COLL_REF, ALIGN(OVERLAP_BYTES));
        fill_coll(chip);
    }
    phase(BOTH, &coll, &args, &plan, hart, harts, coll_tiles);
    if (hart != 0) return 0;

    unsigned failures = differ(C_BUF, C_REF, OVERLAP_M * OVERLAP_N * 4u, "GEMM C");
    failures += differ(COLL, COLL_REF, OVERLAP_BYTES, "all-reduce");
    failures += check_samples(chips);
    if (chip == 0) {
        const uint64_t gemm_alone = group_cycles(GEMM_ALONE, coll_tiles, harts);
        const uint64_t coll_alone = group_cycles(COLL_ALONE, 0, coll_tiles);
        const uint64_t gemm_both = group_cycles(BOTH, coll_tiles, harts);
        const uint64_t coll_both = group_cycles(BOTH, 0, coll_tiles);
        printf(
            "overlap: %u chip(s); all-reduce of %u bytes (INT32, ring, %u-byte chunks) on the first %u tile(s); GEMM "
            "%ux%ux%u INT8 x %u on tiles %u-%u\n",
            (unsigned)chips, (unsigned)OVERLAP_BYTES, (unsigned)OVERLAP_CHUNK_BYTES, (unsigned)coll_tiles,
            (unsigned)OVERLAP_M, (unsigned)OVERLAP_N, (unsigned)OVERLAP_K, (unsigned)OVERLAP_REPEAT,
            (unsigned)coll_tiles, (unsigned)(harts - 1u));
        printf(
            "overlap: gemm alone %llu cycles, all-reduce alone %llu cycles; together gemm %llu cycles, "
            "all-reduce %llu cycles\n",
            (unsigned long long)gemm_alone, (unsigned long long)coll_alone, (unsigned long long)gemm_both,
            (unsigned long long)coll_both);
        print_ratio("overlap: slowdown gemm", gemm_both, gemm_alone);
        print_ratio(", all-reduce", coll_both, coll_alone);
        printf("\n");
    }
    if (!failures) {
        printf(
            "overlap: chip %u: results bit-identical together and alone; sampled GEMM and all-reduce elements as "
            "expected\n",
            (unsigned)chip);
    }
    return (int)failures;
}
