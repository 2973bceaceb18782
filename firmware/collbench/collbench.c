/* Collectives across the chips of a system, nccl-tests style: for each collective, algorithm and size, the time on
 * chip 0 (from a barrier to its own completion), the algorithm bandwidth (bytes / time) and the bus bandwidth
 * (nccl-tests' PERFORMANCE.md: all-reduce x 2(n-1)/n, reduce-scatter, all-gather and all-to-all x (n-1)/n,
 * broadcast x 1; bytes = the whole buffer of one chip, or of one tile across tiles, as nccl-tests' size), and a
 * check of the result against the same values computed on the control core in the documented orders
 * (npuemu/collectives.h, reference.c).
 *
 * Images from this source (COLL_CASES: bit i selects case i of enum coll_case, all by default):
 *   collbench  sizes 4 KiB, 16 KiB, ... up to COLL_MAX_BYTES (or what global memory holds), FP32; every element of
 *              sizes up to 64 KiB checked, 257 elements spread over larger ones (checking 64 MiB on a simulated
 *              control core would take longer than the collective; across tiles the first and the last tile's
 *              buffer); broadcasts from chip 0 (tile 0);
 *   collcheck  (COLL_CHECK) ragged element counts, INT32, FP32 and BF16 (the reductions), small chunks (many per
 *              segment), broadcasts from varied roots, every element checked: the correctness tests.
 * Every hart of every chip takes part, each with its slice of the buffer (across tiles: with its own buffer); hart 0
 * fills and checks.
 * Exit status: the number of wrong results. Runs alone too (1 chip: the collectives have nothing to do, the checks
 * still hold). */
#include <stdint.h>
#include <stdio.h>

#include "npuemu/collectives.h"
#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"
#include "reference.h"

#define SCRATCH (NPUEMU_SCRATCHPAD_BASE + 0x10000u)
#ifndef COLL_MIN_BYTES
#define COLL_MIN_BYTES 4096u
#endif
#ifndef COLL_MAX_BYTES
#define COLL_MAX_BYTES (256u << 20)
#endif
#ifndef COLL_CASES
#define COLL_CASES ((1u << COLL_CASE_COUNT) - 1u)
#endif
#ifndef COLL_CHUNK_BYTES
#define COLL_CHUNK_BYTES 16384u
#endif

/* Every hart: the same hart of every chip meets at a barrier, then the chip's harts start together; chip 0's hart
 * 0 times from there until every hart of its chip is done. */
static uint64_t run(const struct npu_coll* coll, enum coll_case which, uint32_t count, uint32_t root, uint32_t dtype,
                    uint32_t hart, uint32_t harts) {
    const uint32_t chips = npu_chip_count();
    const uint32_t stride = tiles_stride(count, dtype == NPU_DTYPE_BF16 ? 2u : 4u); /* across tiles */
    npu_coll_barrier(coll, hart);
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    switch (which) {
        case ALLREDUCE_RING: npu_allreduce_ring(coll, BUFFER, count, dtype, hart, harts); break;
        case REDUCE_SCATTER_RING: npu_reduce_scatter_ring(coll, BUFFER, count, dtype, hart, harts); break;
        case ALLGATHER_RING: npu_allgather_ring(coll, BUFFER, count, hart, harts); break;
        case ALLREDUCE_DOUBLING: npu_allreduce_doubling(coll, BUFFER, count, dtype, hart, harts); break;
        case BROADCAST_CHAIN: npu_broadcast(coll, BUFFER, count, root, hart, harts); break;
        case ALLREDUCE_HIERARCHICAL: npu_allreduce_hierarchical(coll, BUFFER, count, dtype, hart, harts); break;
        case ALLREDUCE_TILES: npu_allreduce_tiles(coll, BUFFER, stride, count, dtype, hart, harts); break;
        case REDUCE_SCATTER_TILES: npu_reduce_scatter_tiles(coll, BUFFER, stride, count, dtype, hart, harts); break;
        case ALLGATHER_TILES: npu_allgather_tiles(coll, BUFFER, stride, count, hart, harts); break;
        case BROADCAST_TILES: npu_broadcast_tiles(coll, BUFFER, stride, count, root, hart, harts); break;
        case ALLTOALL_TILES:
            npu_alltoall_tiles(coll, BUFFER, tiles_alltoall_receive(count, harts), stride, count / harts, hart, harts);
            break;
        case ALLTOALL_DIRECT: npu_alltoall(coll, BUFFER, alltoall_receive(count), count / chips, hart, harts); break;
        default: break;
    }
    npu_barrier();
    return npu_read_mcycle() - start;
}

#ifndef COLL_CHECK
/* nccl-tests' bus bandwidth factor (x 1000) of `which` over n members (chips, or tiles). */
static uint64_t bus_factor_milli(enum coll_case which, uint32_t n) {
    switch (which) {
        case ALLREDUCE_RING:
        case ALLREDUCE_DOUBLING:
        case ALLREDUCE_HIERARCHICAL:
        case ALLREDUCE_TILES: return 2000u * (n - 1u) / n;
        case BROADCAST_CHAIN:
        case BROADCAST_TILES: return 1000u;
        default: return 1000u * (n - 1u) / n;
    }
}
#endif

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    struct npu_coll coll = {SCRATCH, COLL_CHUNK_BYTES};
    unsigned failures = 0;
#ifdef COLL_CHECK
    static const uint32_t counts[] = {1, 5, 1000, 4097};
    coll.chunk_bytes = 1024u; /* many chunks per segment */
    for (int which = 0; which < COLL_CASE_COUNT; ++which) {
        if (!(COLL_CASES & (1u << which))) continue;
        for (uint32_t d = 0; d < 3; ++d) {
            static const uint32_t dtypes[] = {NPU_DTYPE_INT32, NPU_DTYPE_FP32, NPU_DTYPE_BF16};
            static const char* const dtype_names[] = {"int32", "fp32", "bf16"};
            const uint32_t dtype = dtypes[d];
            /* Broadcast and all-to-all move 4-byte words whatever they are; the all-gather has no BF16 form. */
            if (d && (which == BROADCAST_CHAIN || which == ALLTOALL_DIRECT || which == BROADCAST_TILES ||
                      which == ALLTOALL_TILES)) {
                continue;
            }
            if (dtype == NPU_DTYPE_BF16 && (which == ALLGATHER_RING || which == ALLGATHER_TILES)) continue;
            const uint32_t members = tiles_case((enum coll_case)which) ? harts : chips;
            for (uint32_t c = 0; c < sizeof counts / sizeof counts[0]; ++c) {
                /* All-to-all: counts[c] elements per block; broadcast: a different root each time. */
                const uint32_t count =
                    which == ALLTOALL_DIRECT || which == ALLTOALL_TILES ? counts[c] * members : counts[c];
                const uint32_t root = (3u * c + 1u) % members;
                if (hart == 0) prepare((enum coll_case)which, chip, count, dtype);
                npu_barrier();
                run(&coll, (enum coll_case)which, count, root, dtype, hart, harts);
                if (hart != 0) continue;
                const unsigned wrong = check((enum coll_case)which, count, root, chip, chips, harts, dtype, 1);
                failures += wrong;
                if (chip == 0 && !wrong) {
                    printf("%s %s %u elements", coll_case_names[which], dtype_names[d], (unsigned)count);
                    if (which == BROADCAST_CHAIN) printf(" from chip %u", (unsigned)root);
                    if (which == BROADCAST_TILES) printf(" from tile %u", (unsigned)root);
                    printf(": every element as expected\n");
                }
            }
        }
    }
#else
    const uint32_t clock_mhz = npu_clock_khz() / 1000u;
    /* What global memory holds from BUFFER on (all-to-all needs twice the size). */
    const uint32_t room = npu_global_memory_bytes() - (BUFFER - NPUEMU_GLOBAL_MEM_BASE);
    if (chip == 0 && hart == 0) {
        printf(
            "# %u chip(s) x %u tiles (across chips: a ring or butterfly per tile; \"tiles\": the tiles of a chip are "
            "the members, bytes per tile), chunks of %u bytes, FP32; time on chip 0 at %u MHz\n",
            (unsigned)chips, (unsigned)harts, (unsigned)coll.chunk_bytes, (unsigned)clock_mhz);
        printf("# %-24s %10s %10s %12s %10s %10s %s\n", "collective algorithm", "bytes", "elements", "time_us",
               "algbw_GBps", "busbw_GBps", "check");
    }
    for (int which = 0; which < COLL_CASE_COUNT; ++which) {
        if (!(COLL_CASES & (1u << which))) continue;
        const uint32_t max_bytes = which == ALLTOALL_DIRECT            ? room / 2u
                                   : which == ALLTOALL_TILES           ? room / (2u * harts)
                                   : tiles_case((enum coll_case)which) ? room / harts
                                                                       : room;
        for (uint32_t bytes = COLL_MIN_BYTES; bytes <= COLL_MAX_BYTES && bytes <= max_bytes; bytes *= 4u) {
            const uint32_t count = bytes / 4u;
            if (hart == 0) prepare((enum coll_case)which, chip, count, NPU_DTYPE_FP32);
            npu_barrier();
            const uint64_t cycles = run(&coll, (enum coll_case)which, count, 0, NPU_DTYPE_FP32, hart, harts);
            if (hart != 0) continue;
            const unsigned wrong = check((enum coll_case)which, count, 0, chip, chips, harts, NPU_DTYPE_FP32, 0);
            failures += wrong;
            if (chip == 0) {
                const uint64_t ns = cycles * 1000u / clock_mhz;
                const uint64_t alg_mbps = ns ? (uint64_t)bytes * 1000u / ns : 0;
                const uint32_t members = tiles_case((enum coll_case)which) ? harts : chips; /* in the collective */
                const uint64_t bus_mbps = alg_mbps * bus_factor_milli((enum coll_case)which, members) / 1000u;
                printf("  %-24s %10u %10u %8u.%03u %6u.%03u %6u.%03u %s\n", coll_case_names[which], (unsigned)bytes,
                       (unsigned)count, (unsigned)(ns / 1000u), (unsigned)(ns % 1000u), (unsigned)(alg_mbps / 1000u),
                       (unsigned)(alg_mbps % 1000u), (unsigned)(bus_mbps / 1000u), (unsigned)(bus_mbps % 1000u),
                       wrong ? "WRONG" : "ok");
            }
        }
    }
#endif
    return (int)failures;
}
