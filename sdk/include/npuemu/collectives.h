/* Collectives across the chips of a system (`npuemu run --system`), in firmware: the cost of a collective is what
 * the chip-to-chip links, the DMA engines and the vector units make of it, nothing is done by the model on the
 * side. Buffers are in global memory (HBM) at the same address on every chip. SPMD like the kernels: harts
 * 0 .. harts-1 of every chip call the collective with their id; hart h works on slice h of the buffer (elements
 * [h*count/harts, (h+1)*count/harts)) with the same hart of the other chips, so `harts` rings run side by side
 * and share the links.
 *
 * Ring algorithms (as NCCL's): reduce-scatter and all-gather each take chips - 1 steps around the ring chip ->
 * chip + 1; an all-reduce is a reduce-scatter followed by an all-gather. The data of a step moves in chunks of
 * `chunk_bytes`: a chunk for a reduction lands in one of NPU_COLL_SLOTS slots in the next chip's scratchpad
 * (credits, returned by doorbell, keep the sender from overwriting a slot still in use), is added to the receiver's
 * own chunk on its vector unit and written back; an all-gather chunk goes straight to its place in the next chip's
 * buffer, and waits only for its own data (a step's chunk j for chunk j of the step before), so each link has a
 * step's chunks queued.
 *
 * Summation order, exactly (what a host reference must do for FP32): segment s of a slice is
 *   x[s+1] + x[s+2] + ... + x[s+chips] (chip indices mod chips), added left to right in FP32 (or INT32, wrapping),
 * where x[c] is chip c's segment s. Segment s of a slice of n elements holds its elements [s*n/chips,
 * (s+1)*n/chips) (integer division).
 *
 * Element types of the reductions: INT32 (wrapping), FP32 (each addition rounded to nearest even) and BF16 (2-byte
 * elements on the wire and in the buffers). A BF16 reduction step, i.e. each hop of a partial sum, is
 *   sum = bf16(fp32(a) + fp32(b)): both widened exactly, added in FP32 (rounded to nearest even), and the FP32 sum
 * rounded to BF16 to nearest even (vx.convert), once per step: a sum of n terms is rounded n - 1 times in FP32
 * and n - 1 times to BF16, in the order each algorithm documents here.
 *
 * Recursive doubling (npu_allreduce_doubling, for small messages: log2(chips) steps instead of the ring's
 * 2 (chips - 1), each moving the whole slice): in step k chip c swaps its slice with chip c ^ 2^k and adds. With m
 * the largest power of two <= chips and e = chips - m, chips m .. chips - 1 first hand their slice to chip c - m,
 * which adds it, and get the sum back at the end. The sum of an element is the pairwise tree
 *   v[c] = x[c] (+ x[c + m] if c < e), then for k = 0 .. log2(m) - 1: v[c] = v[c] + v[c ^ 2^k]; the result is v[0]
 * (the same on every chip: IEEE addition is commutative). At most NPU_COLL_DOUBLING_MAX_CHIPS chips; more fall
 * back to the ring.
 *
 * Hierarchical (npu_allreduce_hierarchical, nodes of chips_per_node chips joined by a switch): a ring
 * reduce-scatter inside each node, then a ring all-reduce of each chip's segment among the chips with the same
 * place in every node, then a ring all-gather inside the node. With P = chips per node and N nodes, element i in
 * segment s of its slice (the slice cut in P parts) and sub-segment t of that segment (cut in N parts) is
 *   y[n] = x[nP + (s+1) % P] + x[nP + (s+2) % P] + ... + x[nP + (s+P) % P]   (node n's sum, left to right), then
 *   y[(t+1) % N] + y[(t+2) % N] + ... + y[(t+N) % N]                          (left to right).
 * With one node, chips not a multiple of the node count or more than NPU_COLL_HIERARCHICAL_MAX_CHIPS chips it is
 * the flat ring.
 *
 * Broadcast: a pipelined chain from the root through root + 1, root + 2, ... (chunks go straight to their place).
 * All-to-all (direct): block d of every chip's send buffer goes straight to block `chip` of chip d's receive
 * buffer, the chunks of a hart taking the destinations in turn.
 *
 * The _tiles calls (below) run the same collectives across the tiles of one chip, each tile a member with its own
 * buffer; on a system every chip's tiles run their own at once.
 *
 * Semaphore flags 8..27 of the participating tiles are the collectives'; firmware must not use them meanwhile.
 * Between two collective calls on the same harts, call npu_coll_barrier (collbench does): a call writes into other
 * chips' buffers and rings their semaphores, and another chip may still be in the previous call.
 *
 * Copies and doorbells carry a dma.tag for the flow export (npuemu run --flows): collective = kind << 24 | the
 * hart's call count, kind 1 ring reduce-scatter, 2 ring all-gather (a ring all-reduce is one of each), 3 barrier,
 * 4 recursive-doubling all-reduce, 5 broadcast, 6 all-to-all, 7 hierarchical all-reduce; step = the ring step, the
 * barrier's round; doubling: with a fold 0 the fold, 1 .. log2(m) the swaps, log2(m) + 1 the sum's return, else
 * 0 .. log2(m) - 1 the swaps; broadcast: the sender's place in the chain (across tiles: 0); all-to-all: the
 * distance chip -> destination; hierarchical: phase << 8 | ring step, phase 0 the reduce-scatter in the node, 1 the
 * reduce-scatter and 2 the all-gather across nodes, 3 the all-gather in the node. The tag is 0, 0 again when a
 * collective returns. */
#ifndef NPUEMU_COLLECTIVES_H
#define NPUEMU_COLLECTIVES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NPU_COLL_FLAG_FIRST 8u
#define NPU_COLL_FLAG_LAST 27u
#define NPU_COLL_SLOTS 4u
#define NPU_COLL_DOUBLING_MAX_CHIPS 16u
#define NPU_COLL_HIERARCHICAL_MAX_CHIPS 128u

struct npu_coll {
    /* In each taking part tile's scratchpad: (NPU_COLL_SLOTS + 1) x chunk_bytes (receive slots and a work area);
     * for BF16 reductions (NPU_COLL_SLOTS + 5) x chunk_bytes (two FP32 areas of 2 x chunk_bytes after those). */
    uint32_t scratch;
    uint32_t chunk_bytes; /* a multiple of 4, at most 4 x 65535 (BF16 reductions: 2 x 65535) */
};

/* Hart `hart` of every chip has reached the barrier (a dissemination barrier over doorbells, log2(chips) rounds,
 * between the tiles `hart` of the chips). */
void npu_coll_barrier(const struct npu_coll* coll, uint32_t hart);

/* Sum of `count` elements (NPU_DTYPE_INT32, NPU_DTYPE_FP32 or NPU_DTYPE_BF16) over all chips, in place at `buffer`
 * on every chip. The other reducing collectives take the same types. */
void npu_allreduce_ring(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t dtype, uint32_t hart,
                        uint32_t harts);
/* Leaves segment `chip id` of each slice's sum in place (the rest of the slice holds partial sums). */
void npu_reduce_scatter_ring(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t dtype,
                             uint32_t hart, uint32_t harts);
/* Every chip's segment `chip id` of each slice of `buffer` (4-byte elements) copied to every chip. */
void npu_allgather_ring(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t hart, uint32_t harts);

/* Across the tiles of this chip (over the mesh), harts 0 .. harts - 1 each calling with its id: tile t's buffer of
 * `count` elements is at buffer + t x buffer_stride (global memory, or any address every tile's DMA reaches; the
 * buffers must not overlap). The reductions are the chips' rings with tiles as members: the summation order and
 * rounding above with tiles for chips (one slice: the whole buffer; segment s of the buffer holds elements
 * [s*count/harts, (s+1)*count/harts)). Semaphore flags, labels and the barrier rule are the chips' (between two calls
 * that write into each other's buffers, a barrier of the tiles: npu_barrier).
 *
 * All-reduce: the sum in every tile's buffer. */
void npu_allreduce_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                         uint32_t dtype, uint32_t hart, uint32_t harts);
/* Reduce-scatter: segment `hart` of tile hart's buffer holds the sum (the rest of the buffer partial sums). */
void npu_reduce_scatter_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                              uint32_t dtype, uint32_t hart, uint32_t harts);
/* All-gather (4-byte elements): segment t of tile t's buffer copied to segment t of every tile's buffer. */
void npu_allgather_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                         uint32_t hart, uint32_t harts);
/* Broadcast (4-byte elements): tile root's buffer (root taken mod harts) copied to every tile's. Not a chain: every
 * tile's DMA reaches the root's buffer, so after the root's doorbell each tile copies it into its own buffer in
 * chunks of chunk_bytes (each tile from its own place on, wrapping around, so that the tiles spread over the
 * memory) and rings the root back, which returns once all have it. One step instead of a chain's
 * harts - 1, and the same global-memory traffic as a chain of global-memory buffers (each tile reads and writes the
 * buffer once); a chain through the scratchpads would halve that traffic for two copies per tile's DMA engine
 * (docs/systems.md compares them). */
void npu_broadcast_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                         uint32_t root, uint32_t hart, uint32_t harts);
/* Direct all-to-all (4-byte elements): block d (`count` elements at send + t x buffer_stride + 4 count d) of tile t's
 * send buffer lands as block t of tile d's receive buffer (receive + d x buffer_stride + 4 count t); the chip's
 * algorithm, a tile's chunks taking the destinations in turn. No buffer may overlap another. */
void npu_alltoall_tiles(const struct npu_coll* coll, uint32_t send, uint32_t receive, uint32_t buffer_stride,
                        uint32_t count, uint32_t hart, uint32_t harts);
/* Sum of `count` elements over all chips by recursive doubling (small messages; see above). */
void npu_allreduce_doubling(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t dtype, uint32_t hart,
                            uint32_t harts);
/* Sum of `count` elements over all chips in two levels (nodes; see above). */
void npu_allreduce_hierarchical(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t dtype,
                                uint32_t hart, uint32_t harts);
/* `count` 4-byte elements at `buffer` on chip `root` copied to `buffer` on every chip. */
void npu_broadcast(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t root, uint32_t hart,
                   uint32_t harts);
/* Block d (`count` 4-byte elements at send + 4 count d) of every chip's send buffer lands as block `chip` of chip
 * d's receive buffer (receive + 4 count chip); the buffers must not overlap. */
void npu_alltoall(const struct npu_coll* coll, uint32_t send, uint32_t receive, uint32_t count, uint32_t hart,
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
