/* Recursive-doubling all-reduce across chips (npuemu/collectives.h): log2(chips) steps, in each of which a chip
 * swaps its whole slice with the chip whose id differs in bit `step` and adds what it receives. Chip counts that
 * are not a power of two fold first: chip m + e (m the largest power of two below the count) hands its slice to
 * chip e, which adds it, and gets the result back at the end.
 *
 * Receive areas: step k's chunks land in area k of the partner's scratchpad (areas 0 .. NPU_COLL_SLOTS - 1 of
 * coll->scratch), the fold's in area log2(m); area k is written by one peer only (the partner of step k), so one
 * credit semaphore per area keeps the sender from overwriting a chunk still being added. The loops run chunk by
 * chunk through every step, so chunk j's later steps overlap chunk j + 1's earlier ones. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

struct doubling {
    const struct npu_coll* coll;
    uint32_t tile, chip, chips;
    uint32_t power; /* the largest power of two <= chips */
    uint32_t steps; /* log2(power) */
    uint32_t elements_per_chunk;
};

static uint32_t area_here(const struct doubling* d, uint32_t area) {
    return d->coll->scratch + area * d->coll->chunk_bytes;
}

/* Sends the chunk at `src` into area `area` of chip `to` once that area is free, and rings its doorbell. */
static void send_chunk(const struct doubling* d, uint32_t src, uint32_t bytes, uint32_t to, uint32_t area) {
    npu_wait(NPU_QUEUE_DMA, COLL_FLAG_CREDIT + area);
    coll_copy(src, coll_scratch_remote(d->tile, area_here(d, area)), bytes, to);
    npu_dma_doorbell(to, d->tile, COLL_FLAG_DATA + area);
}

/* Waits for the chunk in area `area`, adds it to ours at `own` and frees the area for chip `from`. */
static void add_chunk(const struct doubling* d, uint32_t own, uint32_t elements, uint32_t dtype, uint32_t from,
                      uint32_t area) {
    npu_wait(NPU_QUEUE_DMA, COLL_FLAG_DATA + area);
    coll_reduce_chunk(d->coll, own, area_here(d, area), elements, dtype);
    npu_dma_doorbell(from, d->tile, COLL_FLAG_CREDIT + area);
}

void npu_allreduce_doubling(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t dtype, uint32_t hart,
                            uint32_t harts) {
    struct doubling d = {coll, hart, npu_chip_id(), npu_chip_count(), 1, 0, 0};
    if (d.chips < 2) return;
    if (d.chips > NPU_COLL_DOUBLING_MAX_CHIPS) {
        npu_allreduce_ring(coll, buffer, count, dtype, hart, harts);
        return;
    }
    while (d.power * 2u <= d.chips) {
        d.power *= 2u;
        ++d.steps;
    }
    const uint32_t element_bytes = coll_element_bytes(dtype);
    d.elements_per_chunk = coll_chunk_elements(coll, dtype);
    coll_slice(&buffer, &count, element_bytes, hart, harts);
    const uint32_t extra = d.chips - d.power, fold = d.steps;
    const int folds_in = d.chip < extra, folds_out = d.chip >= d.power;
    /* One credit per area we write: each partner's area is free when a call begins (the previous call took its
     * last credits back). */
    const uint32_t areas_written = folds_out ? 0 : d.steps;
    for (uint32_t k = 0; k < areas_written; ++k) npu_signal(NPU_QUEUE_DMA, COLL_FLAG_CREDIT + k);
    if (folds_out) npu_signal(NPU_QUEUE_DMA, COLL_FLAG_CREDIT + fold);
    const uint32_t label = coll_next_label(COLL_KIND_ALLREDUCE_DOUBLING);
    const uint32_t chunks = coll_chunks(count, d.elements_per_chunk);
    for (uint32_t j = 0; j < chunks; ++j) {
        const uint32_t elements = coll_chunk_length(count, d.elements_per_chunk, j);
        const uint32_t bytes = element_bytes * elements;
        const uint32_t own = buffer + element_bytes * j * d.elements_per_chunk;
        if (folds_out) { /* step 0: our chunk to chip - power; the sum comes back after its last step */
            npu_dma_tag(label, 0);
            send_chunk(&d, own, bytes, d.chip - d.power, fold);
            continue;
        }
        if (folds_in) {
            npu_dma_tag(label, 0);
            add_chunk(&d, own, elements, dtype, d.chip + d.power, fold);
        }
        for (uint32_t k = 0; k < d.steps; ++k) {
            const uint32_t partner = d.chip ^ (1u << k);
            npu_dma_tag(label, k + (extra ? 1u : 0u));
            send_chunk(&d, own, bytes, partner, k);
            add_chunk(&d, own, elements, dtype, partner, k);
        }
        if (folds_in) { /* the sum to the folded chip, in place in its buffer */
            npu_dma_tag(label, d.steps + 1u);
            coll_copy(own, own, bytes, d.chip + d.power);
            npu_dma_doorbell(d.chip + d.power, d.tile, COLL_FLAG_GATHERED);
        }
    }
    if (folds_out) {
        npu_wait(NPU_QUEUE_DMA, COLL_FLAG_CREDIT + fold);
        for (uint32_t j = 0; j < chunks; ++j) npu_wait(NPU_QUEUE_DMA, COLL_FLAG_GATHERED);
    }
    for (uint32_t k = 0; k < areas_written; ++k) npu_wait(NPU_QUEUE_DMA, COLL_FLAG_CREDIT + k);
    npu_dma_tag(0, 0);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}
