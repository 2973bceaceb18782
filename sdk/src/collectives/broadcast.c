/* Broadcast across chips (npuemu/collectives.h): a pipelined chain root -> root + 1 -> ... -> root + chips - 1.
 * Each chunk goes straight to its place in the next chip's buffer with a doorbell, and a chip forwards chunk j as
 * soon as chunk j has arrived, so every link of the chain streams (one link's bandwidth end to end; chips - 1 hops
 * of latency for the first chunk). */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

void npu_broadcast(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t root, uint32_t hart,
                   uint32_t harts) {
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    if (chips < 2) return;
    coll_slice(&buffer, &count, 4u, hart, harts);
    const uint32_t position = (chip + chips - root % chips) % chips; /* 0: the root */
    const uint32_t next = (chip + 1u) % chips;
    const uint32_t elements_per_chunk = coll->chunk_bytes / 4u, chunks = coll_chunks(count, elements_per_chunk);
    npu_dma_tag(coll_next_label(COLL_KIND_BROADCAST), position);
    for (uint32_t j = 0; j < chunks; ++j) {
        if (position > 0) npu_wait(NPU_QUEUE_DMA, COLL_FLAG_GATHERED);
        if (position + 1u == chips) continue; /* the chain's end */
        const uint32_t at = buffer + 4u * j * elements_per_chunk;
        coll_copy(at, at, 4u * coll_chunk_length(count, elements_per_chunk, j), next);
        npu_dma_doorbell(next, hart, COLL_FLAG_GATHERED);
    }
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}
