/* Ring collectives across chips (npuemu/collectives.h): the instruction streams. Everything is queued on the
 * participating tile's DMA and VECTOR queues, ordered by semaphores and doorbells; the core only issues and, at
 * the end, fences. */
#include "npuemu/collectives.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

#define SLOTS NPU_COLL_SLOTS
enum {
    FLAG_DATA = 8,       /* +slot: a chunk landed in our slot (doorbell from the previous chip) */
    FLAG_CREDIT = 12,    /* +slot: the next chip freed its slot (doorbell from the next chip) */
    FLAG_LOADED = 16,    /* our own chunk is in the work area (DMA -> VECTOR) */
    FLAG_ADDED = 17,     /* the sum is in the work area (VECTOR -> DMA) */
    FLAG_GATHERED = 18,  /* an all-gather chunk landed in our buffer (doorbell from the previous chip) */
    FLAG_BARRIER = 20,   /* +round: the barrier's doorbells, rounds 0..7 */
};

/* The flow export's label of a collective call (dma.tag): its kind in the top byte, this hart's call count below. */
enum { KIND_REDUCE_SCATTER = 1, KIND_ALLGATHER = 2, KIND_BARRIER = 3 };
static _Thread_local uint32_t calls;
static uint32_t next_label(uint32_t kind) { return (kind << 24) | (++calls & 0xFFFFFFu); }

struct ring {
    const struct npu_coll *coll;
    uint32_t tile;  /* this hart's tile, the same on every chip */
    uint32_t chip, chips, next, previous;
    uint32_t elements_per_chunk;
    uint32_t sent, received;  /* reduction chunks so far: they take the slots in turn */
};

static struct ring ring_of(const struct npu_coll *coll, uint32_t hart) {
    struct ring r;
    r.coll = coll;
    r.tile = hart;
    r.chip = npu_chip_id();
    r.chips = npu_chip_count();
    r.next = (r.chip + 1) % r.chips;
    r.previous = (r.chip + r.chips - 1) % r.chips;
    r.elements_per_chunk = coll->chunk_bytes / 4u;
    r.sent = r.received = 0;
    return r;
}

/* Segment `s` (taken mod chips) of the buffer: its address and element count. */
static uint32_t segment_address(const struct ring *r, uint32_t buffer, uint32_t count, uint32_t s) {
    return buffer + 4u * npu_coll_segment_first(count, r->chips, s % r->chips);
}
static uint32_t segment_count(const struct ring *r, uint32_t count, uint32_t s) {
    return npu_coll_segment_length(count, r->chips, s % r->chips);
}
static uint32_t chunks_of(const struct ring *r, uint32_t elements) {
    return (elements + r->elements_per_chunk - 1) / r->elements_per_chunk;
}
static uint32_t chunk_elements(const struct ring *r, uint32_t elements, uint32_t chunk) {
    const uint32_t rest = elements - chunk * r->elements_per_chunk;
    return rest < r->elements_per_chunk ? rest : r->elements_per_chunk;
}

/* One dense copy of `bytes` on the DMA queue, to chip dst_chip (NPU_CHIP_SELF: here). */
static void copy(uint32_t src, uint32_t dst, uint32_t bytes, uint32_t dst_chip) {
    if (dst_chip != NPU_CHIP_SELF) npu_dma_chips(NPU_CHIP_SELF, dst_chip);
    npu_dma_shape(bytes, 0, 1, 1);
    npu_dma_copy(src, dst);
    if (dst_chip != NPU_CHIP_SELF) npu_dma_chips(NPU_CHIP_SELF, NPU_CHIP_SELF);
}

/* Slot `slot` of the participating tile's scratchpad: here, and as another chip's DMA addresses it. */
static uint32_t slot_here(const struct ring *r, uint32_t slot) { return r->coll->scratch + slot * r->coll->chunk_bytes; }
static uint32_t slot_remote(const struct ring *r, uint32_t slot) {
    return NPUEMU_TILE_SRAM_GLOBAL_BASE + r->tile * NPUEMU_TILE_LOCAL_WINDOW_BYTES +
           NPUEMU_TILE_SCRATCHPAD_OFFSET + (slot_here(r, slot) - NPUEMU_SCRATCHPAD_BASE);
}
static uint32_t work_area(const struct ring *r) { return r->coll->scratch + SLOTS * r->coll->chunk_bytes; }

/* Sends a partial sum chunk into the next chip's free slot and tells it so. */
static void send_partial(struct ring *r, uint32_t src, uint32_t elements) {
    const uint32_t slot = r->sent++ % SLOTS;
    npu_wait(NPU_QUEUE_DMA, FLAG_CREDIT + slot);
    copy(src, slot_remote(r, slot), 4u * elements, r->next);
    npu_dma_doorbell(r->next, r->tile, FLAG_DATA + slot);
}

/* Adds the chunk in our next slot to our own chunk at `own` (written back in place), then frees the slot. */
static void reduce_received(struct ring *r, uint32_t own, uint32_t elements, uint32_t dtype) {
    const uint32_t slot = r->received++ % SLOTS;
    const uint32_t bytes = 4u * elements;
    npu_wait(NPU_QUEUE_DMA, FLAG_DATA + slot);
    copy(own, work_area(r), bytes, NPU_CHIP_SELF);
    npu_signal(NPU_QUEUE_DMA, FLAG_LOADED);
    npu_wait(NPU_QUEUE_VECTOR, FLAG_LOADED);
    npu_vx_shape(elements, 1, dtype, dtype, 0, 0);
    npu_vx_strides(bytes, bytes, bytes);
    npu_vx_add(work_area(r), work_area(r), slot_here(r, slot));
    npu_signal(NPU_QUEUE_VECTOR, FLAG_ADDED);
    npu_wait(NPU_QUEUE_DMA, FLAG_ADDED);
    copy(work_area(r), own, bytes, NPU_CHIP_SELF);
    npu_dma_doorbell(r->previous, r->tile, FLAG_CREDIT + slot);
}

/* This hart's slice: its first element's address and its length. */
static void slice(uint32_t *buffer, uint32_t *count, uint32_t hart, uint32_t harts) {
    const uint32_t first = npu_coll_segment_first(*count, harts, hart);
    *buffer += 4u * first;
    *count = npu_coll_segment_first(*count, harts, hart + 1) - first;
}

void npu_reduce_scatter_ring(const struct npu_coll *coll, uint32_t buffer, uint32_t count, uint32_t dtype,
                             uint32_t hart, uint32_t harts) {
    struct ring r = ring_of(coll, hart);
    if (r.chips < 2) return;
    slice(&buffer, &count, hart, harts);
    /* One credit per slot of the next chip to begin with; the last ones come back at the end. */
    for (uint32_t slot = 0; slot < SLOTS; ++slot) npu_signal(NPU_QUEUE_DMA, FLAG_CREDIT + slot);
    /* Step k: send segment chip - k - 1 on, receive segment chip - k - 2 and add our own to it. After chips - 1
     * steps our segment `chip` holds the sum of every chip's. */
    const uint32_t label = next_label(KIND_REDUCE_SCATTER);
    for (uint32_t k = 0; k + 1 < r.chips; ++k) {
        npu_dma_tag(label, k);
        const uint32_t send = r.chip + 2u * r.chips - k - 1u, receive = r.chip + 2u * r.chips - k - 2u;
        const uint32_t send_count = segment_count(&r, count, send), receive_count = segment_count(&r, count, receive);
        const uint32_t send_chunks = chunks_of(&r, send_count), receive_chunks = chunks_of(&r, receive_count);
        const uint32_t send_at = segment_address(&r, buffer, count, send);
        const uint32_t receive_at = segment_address(&r, buffer, count, receive);
        /* Sends run LEAD chunks ahead of the reductions, so the link has this tile's next chunks while it adds
         * (the chunks of one step are independent; a step's reductions all come before the next step's sends). */
        const uint32_t lead = SLOTS - 1u;
        for (uint32_t j = 0; j < send_chunks || j < receive_chunks + lead; ++j) {
            if (j < send_chunks) {
                send_partial(&r, send_at + 4u * j * r.elements_per_chunk, chunk_elements(&r, send_count, j));
            }
            if (j >= lead && j - lead < receive_chunks) {
                const uint32_t i = j - lead;
                reduce_received(&r, receive_at + 4u * i * r.elements_per_chunk, chunk_elements(&r, receive_count, i),
                                dtype);
            }
        }
    }
    for (uint32_t slot = 0; slot < SLOTS; ++slot) npu_wait(NPU_QUEUE_DMA, FLAG_CREDIT + slot);
    npu_dma_tag(0, 0);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}

void npu_allgather_ring(const struct npu_coll *coll, uint32_t buffer, uint32_t count, uint32_t hart,
                        uint32_t harts) {
    struct ring r = ring_of(coll, hart);
    if (r.chips < 2) return;
    slice(&buffer, &count, hart, harts);
    /* Step k: send segment chip - k on into the same place in the next chip's buffer; receive segment
     * chip - k - 1, which we send on at step k + 1. A chunk waits only for its own data: step 0's chunks (our own
     * segment) leave at once, and chunk j of step k > 0 waits for the doorbell of chunk j of step k - 1 (doorbells
     * count up one semaphore in order, so the n-th wait is the n-th chunk received). Waiting for a receive after
     * every send instead (send j, wait j, send j + 1) made the ring a closed loop with one chunk per tile and link:
     * the chunks of the 32 rings bunched into one wave that went round the ring with one link busy at a time
     * (64 MiB all-reduce on node4: 41% of the link instead of 93%). */
    const uint32_t label = next_label(KIND_ALLGATHER);
    uint32_t waited = 0, received = 0;  /* chunks taken from FLAG_GATHERED; chunks the earlier steps receive */
    for (uint32_t k = 0; k + 1 < r.chips; ++k) {
        npu_dma_tag(label, k);
        const uint32_t send = r.chip + r.chips - k, receive = r.chip + 2u * r.chips - k - 1u;
        const uint32_t send_count = segment_count(&r, count, send);
        const uint32_t send_chunks = chunks_of(&r, send_count);
        const uint32_t send_at = segment_address(&r, buffer, count, send);
        /* Step k sends what step k - 1 received, chunk for chunk (the same segment, the same chunking). */
        const uint32_t before = received;
        for (uint32_t j = 0; j < send_chunks; ++j) {
            while (k > 0 && waited < before - (send_chunks - j - 1u)) {
                npu_wait(NPU_QUEUE_DMA, FLAG_GATHERED);
                ++waited;
            }
            const uint32_t at = send_at + 4u * j * r.elements_per_chunk;
            copy(at, at, 4u * chunk_elements(&r, send_count, j), r.next);
            npu_dma_doorbell(r.next, r.tile, FLAG_GATHERED);
        }
        received += chunks_of(&r, segment_count(&r, count, receive));
    }
    /* The last step's chunks (and any the sends did not need) before returning. */
    for (; waited < received; ++waited) npu_wait(NPU_QUEUE_DMA, FLAG_GATHERED);
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}

void npu_allreduce_ring(const struct npu_coll *coll, uint32_t buffer, uint32_t count, uint32_t dtype, uint32_t hart,
                        uint32_t harts) {
    npu_reduce_scatter_ring(coll, buffer, count, dtype, hart, harts);
    npu_allgather_ring(coll, buffer, count, hart, harts);
}

void npu_coll_barrier(const struct npu_coll *coll, uint32_t hart) {
    (void)coll;
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    const uint32_t label = next_label(KIND_BARRIER);
    for (uint32_t round = 0, distance = 1; distance < chips; ++round, distance *= 2u) {
        npu_dma_tag(label, round);
        npu_dma_doorbell((chip + distance) % chips, hart, FLAG_BARRIER + round);
        npu_wait(NPU_QUEUE_DMA, FLAG_BARRIER + round);
    }
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}
