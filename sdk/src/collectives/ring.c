/* Ring collectives across chips, or across the tiles of one chip (npuemu/collectives.h): the instruction streams.
 * Everything is queued on the participating tile's DMA and VECTOR queues, ordered by semaphores and doorbells; the
 * core only issues and, at the end, fences. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

#define SLOTS NPU_COLL_SLOTS
enum {
    FLAG_DATA = COLL_FLAG_DATA,
    FLAG_CREDIT = COLL_FLAG_CREDIT,
    FLAG_GATHERED = COLL_FLAG_GATHERED,
    FLAG_BARRIER = COLL_FLAG_BARRIER,
};

struct ring {
    const struct npu_coll* coll;
    uint32_t chip, chips; /* our position in the ring and its length */
    struct coll_peer next, previous;
    uint32_t element_bytes, elements_per_chunk;
    uint32_t sent, received; /* reduction chunks so far: they take the slots in turn */
};

/* The ring through the members of `group`, as member `position` (hart `tile`) sees it. */
static struct ring ring_of(const struct npu_coll* coll, struct coll_group group, uint32_t position, uint32_t tile,
                           uint32_t element_bytes) {
    struct ring r;
    r.coll = coll;
    r.chip = position;
    r.chips = group.size;
    r.next = coll_peer_of(group, position, position + 1u, tile);
    r.previous = coll_peer_of(group, position, position + group.size - 1u, tile);
    r.element_bytes = element_bytes;
    r.elements_per_chunk = coll->chunk_bytes / element_bytes;
    r.sent = r.received = 0;
    return r;
}

/* Segment `s` (taken mod chips) of the buffer: its address and element count. */
static uint32_t segment_address(const struct ring* r, uint32_t buffer, uint32_t count, uint32_t s) {
    return buffer + r->element_bytes * npu_coll_segment_first(count, r->chips, s % r->chips);
}
static uint32_t segment_count(const struct ring* r, uint32_t count, uint32_t s) {
    return npu_coll_segment_length(count, r->chips, s % r->chips);
}
static uint32_t chunks_of(const struct ring* r, uint32_t elements) {
    return (elements + r->elements_per_chunk - 1) / r->elements_per_chunk;
}
static uint32_t chunk_elements(const struct ring* r, uint32_t elements, uint32_t chunk) {
    const uint32_t rest = elements - chunk * r->elements_per_chunk;
    return rest < r->elements_per_chunk ? rest : r->elements_per_chunk;
}

/* Slot `slot` of a participating tile's scratchpad: here, and as the previous member's DMA addresses ours. */
static uint32_t slot_here(const struct ring* r, uint32_t slot) {
    return r->coll->scratch + slot * r->coll->chunk_bytes;
}
static uint32_t slot_remote(const struct coll_peer* peer, const struct ring* r, uint32_t slot) {
    return coll_scratch_remote(peer->tile, slot_here(r, slot));
}

/* Sends a partial sum chunk into the next chip's free slot and tells it so. */
static void send_partial(struct ring* r, uint32_t src, uint32_t elements) {
    const uint32_t slot = r->sent++ % SLOTS;
    npu_wait(NPU_QUEUE_DMA, FLAG_CREDIT + slot);
    coll_copy(src, slot_remote(&r->next, r, slot), r->element_bytes * elements, r->next.chip);
    npu_dma_doorbell(r->next.chip, r->next.tile, FLAG_DATA + slot);
}

/* Adds the chunk in our next slot to our own chunk at `own` (written back in place), then frees the slot. */
static void reduce_received(struct ring* r, uint32_t own, uint32_t elements, uint32_t dtype) {
    const uint32_t slot = r->received++ % SLOTS;
    npu_wait(NPU_QUEUE_DMA, FLAG_DATA + slot);
    coll_reduce_chunk(r->coll, own, slot_here(r, slot), elements, dtype);
    npu_dma_doorbell(r->previous.chip, r->previous.tile, FLAG_CREDIT + slot);
}

void coll_reduce_scatter_ring(const struct npu_coll* coll, struct coll_group group, uint32_t position, uint32_t tile,
                              uint32_t buffer, uint32_t count, uint32_t dtype, uint32_t label, uint32_t step_base) {
    struct ring r = ring_of(coll, group, position, tile, coll_element_bytes(dtype));
    if (r.chips < 2) return;
    /* One credit per slot of the next chip to begin with; the last ones come back at the end. */
    for (uint32_t slot = 0; slot < SLOTS; ++slot) npu_signal(NPU_QUEUE_DMA, FLAG_CREDIT + slot);
    /* Step k: send segment chip - k - 1 on, receive segment chip - k - 2 and add our own to it. After chips - 1
     * steps our segment `chip` holds the sum of every chip's. */
    for (uint32_t k = 0; k + 1 < r.chips; ++k) {
        npu_dma_tag(label, step_base + k);
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
                send_partial(&r, send_at + r.element_bytes * j * r.elements_per_chunk,
                             chunk_elements(&r, send_count, j));
            }
            if (j >= lead && j - lead < receive_chunks) {
                const uint32_t i = j - lead;
                reduce_received(&r, receive_at + r.element_bytes * i * r.elements_per_chunk,
                                chunk_elements(&r, receive_count, i), dtype);
            }
        }
    }
    for (uint32_t slot = 0; slot < SLOTS; ++slot) npu_wait(NPU_QUEUE_DMA, FLAG_CREDIT + slot);
}

void coll_allgather_ring(const struct npu_coll* coll, struct coll_group group, uint32_t position, uint32_t tile,
                         uint32_t buffer, uint32_t count, uint32_t element_bytes, uint32_t label, uint32_t step_base) {
    struct ring r = ring_of(coll, group, position, tile, element_bytes);
    if (r.chips < 2) return;
    /* Step k: send segment chip - k on into the same place in the next chip's buffer; receive segment
     * chip - k - 1, which we send on at step k + 1. A chunk waits only for its own data: step 0's chunks (our own
     * segment) leave at once, and chunk j of step k > 0 waits for the doorbell of chunk j of step k - 1 (doorbells
     * count up one semaphore in order, so the n-th wait is the n-th chunk received). Waiting for a receive after
     * every send instead (send j, wait j, send j + 1) made the ring a closed loop with one chunk per tile and link:
     * the chunks of the 32 rings bunched into one wave that went round the ring with one link busy at a time
     * (64 MiB all-reduce on node4: 41% of the link instead of 93%). */
    uint32_t waited = 0, received = 0; /* chunks taken from FLAG_GATHERED; chunks the earlier steps receive */
    for (uint32_t k = 0; k + 1 < r.chips; ++k) {
        npu_dma_tag(label, step_base + k);
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
            const uint32_t at = send_at + r.element_bytes * j * r.elements_per_chunk;
            coll_copy(at, at + r.next.buffer_delta, r.element_bytes * chunk_elements(&r, send_count, j), r.next.chip);
            npu_dma_doorbell(r.next.chip, r.next.tile, FLAG_GATHERED);
        }
        received += chunks_of(&r, segment_count(&r, count, receive));
    }
    /* The last step's chunks (and any the sends did not need) before returning. */
    for (; waited < received; ++waited) npu_wait(NPU_QUEUE_DMA, FLAG_GATHERED);
}

void npu_reduce_scatter_ring(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t dtype,
                             uint32_t hart, uint32_t harts) {
    if (npu_chip_count() < 2) return;
    coll_slice(&buffer, &count, coll_element_bytes(dtype), hart, harts);
    coll_reduce_scatter_ring(coll, coll_all_chips(), npu_chip_id(), hart, buffer, count, dtype,
                             coll_next_label(COLL_KIND_REDUCE_SCATTER), 0);
    npu_dma_tag(0, 0);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}

void npu_allgather_ring(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t hart, uint32_t harts) {
    if (npu_chip_count() < 2) return;
    coll_slice(&buffer, &count, 4u, hart, harts);
    coll_allgather_ring(coll, coll_all_chips(), npu_chip_id(), hart, buffer, count, 4u,
                        coll_next_label(COLL_KIND_ALLGATHER), 0);
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}

void npu_allreduce_ring(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t dtype, uint32_t hart,
                        uint32_t harts) {
    if (npu_chip_count() < 2) return;
    const uint32_t element_bytes = coll_element_bytes(dtype);
    coll_slice(&buffer, &count, element_bytes, hart, harts);
    coll_reduce_scatter_ring(coll, coll_all_chips(), npu_chip_id(), hart, buffer, count, dtype,
                             coll_next_label(COLL_KIND_REDUCE_SCATTER), 0);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
    coll_allgather_ring(coll, coll_all_chips(), npu_chip_id(), hart, buffer, count, element_bytes,
                        coll_next_label(COLL_KIND_ALLGATHER), 0);
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}

void npu_coll_barrier(const struct npu_coll* coll, uint32_t hart) {
    (void)coll;
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    const uint32_t label = coll_next_label(COLL_KIND_BARRIER);
    for (uint32_t round = 0, distance = 1; distance < chips; ++round, distance *= 2u) {
        npu_dma_tag(label, round);
        npu_dma_doorbell((chip + distance) % chips, hart, FLAG_BARRIER + round);
        npu_wait(NPU_QUEUE_DMA, FLAG_BARRIER + round);
    }
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}
