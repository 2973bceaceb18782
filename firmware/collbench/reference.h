/* collbench's inputs and the results a collective must give, computed on the control core in the orders
 * npuemu/collectives.h documents. */
#ifndef COLLBENCH_REFERENCE_H
#define COLLBENCH_REFERENCE_H

#include <stdint.h>

#include "npuemu/npu_isa.h"

#define BUFFER 0x82000000u /* in global memory, the same on every chip; all-to-all receives after the send buffer */

/* The collectives and algorithms collbench runs (bit i of COLL_CASES selects case i). */
enum coll_case {
    ALLREDUCE_RING,
    REDUCE_SCATTER_RING,
    ALLGATHER_RING,
    ALLREDUCE_DOUBLING,
    BROADCAST_CHAIN,
    ALLTOALL_DIRECT,
    ALLREDUCE_HIERARCHICAL,
    ALLREDUCE_TILES, /* from here on across the tiles of each chip, not across chips */
    REDUCE_SCATTER_TILES,
    ALLGATHER_TILES,
    BROADCAST_TILES,
    ALLTOALL_TILES,
    COLL_CASE_COUNT
};
extern const char* const coll_case_names[COLL_CASE_COUNT];

/* Where all-to-all receives `count` elements' worth (count elements in total per chip). */
static inline uint32_t alltoall_receive(uint32_t count) { return BUFFER + 4u * count; }

/* Whether `which` runs across the tiles of each chip (every tile a member with its own buffer). */
static inline int tiles_case(enum coll_case which) { return which >= ALLREDUCE_TILES; }

/* Across tiles, tile t's buffer is at BUFFER + t x tiles_stride(count, dtype); all-to-all's receive buffers follow
 * the send buffers of all `harts` tiles. */
static inline uint32_t tiles_stride(uint32_t count, uint32_t element_bytes) {
    return (count * element_bytes + 255u) & ~255u;
}
static inline uint32_t tiles_alltoall_receive(uint32_t count, uint32_t harts) {
    return BUFFER + harts * tiles_stride(count, 4u);
}

/* Fills this chip's buffer(s) for `which` with its input (and marks what the collective must overwrite). */
void prepare(enum coll_case which, uint32_t chip, uint32_t count, uint32_t dtype);

/* Checks the result after `which` (every element, or a spread of them); returns 1 if wrong and says so. */
unsigned check(enum coll_case which, uint32_t count, uint32_t root, uint32_t chip, uint32_t chips, uint32_t harts,
               uint32_t dtype, int every);

#endif
