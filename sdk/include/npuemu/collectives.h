/* Collectives across the chips of a system (`npuemu run --system`), in firmware: the cost of a collective is what
 * the chip-to-chip links, the DMA engines and the vector units make of it, nothing is done by the model on the
 * side. Buffers are in global memory (HBM) at the same address on every chip. SPMD like the kernels: harts
 * 0 .. harts-1 of every chip call the collective with their id; hart h works on slice h of the buffer (elements
 * [h*count/harts, (h+1)*count/harts)) with the same hart of the other chips, so `harts` rings run side by side
 * and share the links.
 *
 * Ring algorithms (as NCCL's): reduce-scatter and all-gather each take chips - 1 steps around the ring chip ->
 * chip + 1; an all-reduce is a reduce-scatter followed by an all-gather. The data of a step moves in chunks of
 * `chunk_bytes`: a chunk for a reduction lands in one of NPU_COLL_SLOTS slots in the next chip's scratchpad (credits, returned
 * by doorbell, keep the sender from overwriting a slot still in use), is added to the receiver's own chunk on its
 * vector unit and written back; an all-gather chunk goes straight to its place in the next chip's buffer, and waits
 * only for its own data (a step's chunk j for chunk j of the step before), so each link has a step's chunks queued.
 *
 * Summation order, exactly (what a host reference must do for FP32): segment s of a slice is
 *   x[s+1] + x[s+2] + ... + x[s+chips] (chip indices mod chips), added left to right in FP32 (or INT32, wrapping),
 * where x[c] is chip c's segment s. Segment s of a slice of n elements holds its elements [s*n/chips,
 * (s+1)*n/chips) (integer division).
 *
 * Semaphore flags 8..27 of the participating tiles are the collectives'; firmware must not use them meanwhile.
 * Their copies and doorbells carry a dma.tag for the flow export (npuemu run --flows): collective = kind << 24 |
 * the hart's call count (kind 1 reduce-scatter, 2 all-gather, 3 barrier; an all-reduce is a reduce-scatter and an
 * all-gather), step = the ring step (the barrier's round). The tag is 0, 0 again when a collective returns. */
#ifndef NPUEMU_COLLECTIVES_H
#define NPUEMU_COLLECTIVES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NPU_COLL_FLAG_FIRST 8u
#define NPU_COLL_FLAG_LAST 27u
#define NPU_COLL_SLOTS 4u

struct npu_coll {
    uint32_t scratch;      /* in each taking part tile's scratchpad: (NPU_COLL_SLOTS + 1) x chunk_bytes (receive
                              slots and a work area) */
    uint32_t chunk_bytes;  /* a multiple of 4, at most 4 x 65535 */
};

/* Hart `hart` of every chip has reached the barrier (a dissemination barrier over doorbells, log2(chips) rounds,
 * between the tiles `hart` of the chips). */
void npu_coll_barrier(const struct npu_coll *coll, uint32_t hart);

/* Sum of `count` elements (NPU_DTYPE_INT32 or NPU_DTYPE_FP32) over all chips, in place at `buffer` on every chip. */
void npu_allreduce_ring(const struct npu_coll *coll, uint32_t buffer, uint32_t count, uint32_t dtype, uint32_t hart,
                        uint32_t harts);
/* Leaves segment `chip id` of each slice's sum in place (the rest of the slice holds partial sums). */
void npu_reduce_scatter_ring(const struct npu_coll *coll, uint32_t buffer, uint32_t count, uint32_t dtype,
                             uint32_t hart, uint32_t harts);
/* Every chip's segment `chip id` of each slice of `buffer` (4-byte elements) copied to every chip. */
void npu_allgather_ring(const struct npu_coll *coll, uint32_t buffer, uint32_t count, uint32_t hart,
                        uint32_t harts);

/* Segment s of count elements over `parts` parts: [first, first + length). */
static inline uint32_t npu_coll_segment_first(uint32_t count, uint32_t parts, uint32_t s) {
    return (uint32_t)(((uint64_t)count * s) / parts);
}
static inline uint32_t npu_coll_segment_length(uint32_t count, uint32_t parts, uint32_t s) {
    return npu_coll_segment_first(count, parts, s + 1) - npu_coll_segment_first(count, parts, s);
}

#ifdef __cplusplus
}
#endif

#endif
