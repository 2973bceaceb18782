/* What the SDK's collectives (npuemu/collectives.h) share: the semaphore flags, the flow-export labels, the copy
 * and address helpers and the vector-unit reduction of a chunk. Private to sdk/src/collectives. */
#ifndef NPUEMU_COLL_INTERNAL_H
#define NPUEMU_COLL_INTERNAL_H

#include <stdint.h>

#include "npuemu/collectives.h"

/* Semaphore flags (NPU_COLL_FLAG_FIRST .. NPU_COLL_FLAG_LAST). A flag is signalled by one peer only within one
 * collective call; see collectives.h for when calls of different algorithms need a barrier between them. */
enum {
    COLL_FLAG_DATA = 8,        /* +slot (or +step): a chunk landed in our slot (doorbell from the sender) */
    COLL_FLAG_CREDIT = 12,     /* +slot (or +step): the receiver freed the slot we write (doorbell from it) */
    COLL_FLAG_LOADED = 16,     /* our own chunk is in the work area (DMA -> VECTOR) */
    COLL_FLAG_ADDED = 17,      /* the sum is in the work area (VECTOR -> DMA) */
    COLL_FLAG_GATHERED = 18,   /* a chunk landed in its final place in our buffer (doorbell from the sender) */
    COLL_FLAG_READY = 19,      /* the next chip across the nodes is past the in-node reduce-scatter (hierarchical) */
    COLL_FLAG_BARRIER = 20,    /* +round: the barrier's doorbells, rounds 0..7 (round 7 only beyond 128 chips) */
    COLL_FLAG_NODE_READY = 27, /* the next chip in the node is past the all-reduce across nodes (hierarchical, at
                                  most 128 chips, so never at once with barrier round 7) */
};

/* The flow export's label of a collective call (dma.tag): its kind in the top byte, this hart's call count below. */
enum {
    COLL_KIND_REDUCE_SCATTER = 1,
    COLL_KIND_ALLGATHER = 2,
    COLL_KIND_BARRIER = 3,
    COLL_KIND_ALLREDUCE_DOUBLING = 4,
    COLL_KIND_BROADCAST = 5,
    COLL_KIND_ALLTOALL = 6,
    COLL_KIND_ALLREDUCE_HIERARCHICAL = 7,
};
uint32_t coll_next_label(uint32_t kind);

/* The members of a ring: chips first, first + stride, ..., first + (size - 1) stride (each with the same tile and
 * buffer address), or with `tiles` set, those tiles of this chip, member i's buffer at the buffer + i x
 * buffer_stride. */
struct coll_group {
    uint32_t first, stride, size;
    uint32_t tiles, buffer_stride;
};

/* A member of a group as another member sees it: its chip (NPU_CHIP_SELF across tiles), its tile, and where its
 * buffer is relative to ours (0 across chips: the same address on every chip). */
struct coll_peer {
    uint32_t chip, tile, buffer_delta;
};

/* Member `position` (taken mod size) of `group` as a peer of member `from`, hart `tile`. */
struct coll_peer coll_peer_of(struct coll_group group, uint32_t from, uint32_t position, uint32_t tile);

/* Every chip of the system as one group (position: the chip id). */
struct coll_group coll_all_chips(void);

/* The ring reduce-scatter and all-gather (collectives.h) over `group`, us at `position` in it (hart `tile`), on
 * our slice (buffer, count) already cut; their copies tagged `label`, step_base + ring step. They return with
 * their last semaphore taken but the queues possibly still busy (the caller fences). */
void coll_reduce_scatter_ring(const struct npu_coll* coll, struct coll_group group, uint32_t position, uint32_t tile,
                              uint32_t buffer, uint32_t count, uint32_t dtype, uint32_t label, uint32_t step_base);
void coll_allgather_ring(const struct npu_coll* coll, struct coll_group group, uint32_t position, uint32_t tile,
                         uint32_t buffer, uint32_t count, uint32_t element_bytes, uint32_t label, uint32_t step_base);

/* The direct all-to-all (collectives.h) over `group`, us at `position` (hart `tile`): bytes [first_byte,
 * first_byte + 4 elements) of block d (block_bytes apart) of our send buffer go to the same bytes of block
 * `position` of member d's receive buffer, in chunks that take the members in turn; a doorbell after the last chunk
 * to each member, and we wait for size - 1 of them. Tagged `label`, step: the distance to the member. Returns with
 * the DMA queue fenced. */
void coll_alltoall_direct(const struct npu_coll* coll, struct coll_group group, uint32_t position, uint32_t tile,
                          uint32_t send, uint32_t receive, uint32_t block_bytes, uint32_t first_byte, uint32_t elements,
                          uint32_t label);

/* Bytes of one element of `dtype` (INT32, FP32: 4; BF16: 2). */
uint32_t coll_element_bytes(uint32_t dtype);

/* This hart's slice of `count` elements of `element_bytes`: moves *buffer to its first element, *count to its
 * length. */
void coll_slice(uint32_t* buffer, uint32_t* count, uint32_t element_bytes, uint32_t hart, uint32_t harts);

/* One dense copy of `bytes` on the DMA queue, to chip dst_chip (NPU_CHIP_SELF: here). */
void coll_copy(uint32_t src, uint32_t dst, uint32_t bytes, uint32_t dst_chip);

/* A scratchpad address of this tile as tile `tile` of another chip's DMA reaches it (its tile window). */
uint32_t coll_scratch_remote(uint32_t tile, uint32_t address);

/* Chunks of `chunk_elements` that `elements` take, and the length of chunk `chunk`. */
static inline uint32_t coll_chunks(uint32_t elements, uint32_t chunk_elements) {
    return (elements + chunk_elements - 1) / chunk_elements;
}
static inline uint32_t coll_chunk_length(uint32_t elements, uint32_t chunk_elements, uint32_t chunk) {
    const uint32_t rest = elements - chunk * chunk_elements;
    return rest < chunk_elements ? rest : chunk_elements;
}

/* Elements of `dtype` in one chunk of coll->chunk_bytes. */
static inline uint32_t coll_chunk_elements(const struct npu_coll* coll, uint32_t dtype) {
    return coll->chunk_bytes / coll_element_bytes(dtype);
}

/* own = own + incoming for `elements` elements of `dtype` (own in global memory, incoming in this tile's
 * scratchpad), on the DMA and VECTOR queues through the work area; the rounding is collectives.h's. Issued after
 * whatever the DMA queue holds; returns once issued. */
void coll_reduce_chunk(const struct npu_coll* coll, uint32_t own, uint32_t incoming, uint32_t elements, uint32_t dtype);

#endif
