/* Direct all-to-all across chips (npuemu/collectives.h): every chip puts block d of its send buffer straight into
 * block `chip` of chip d's receive buffer. The chunks go round the destinations (chunk j to chip + 1, chip + 2,
 * ..., then chunk j + 1), so every link out of the chip has work at once; a doorbell after each block tells its
 * destination, which waits for chips - 1 of them. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

void npu_alltoall(const struct npu_coll* coll, uint32_t send, uint32_t receive, uint32_t count, uint32_t hart,
                  uint32_t harts) {
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count();
    const uint32_t block_bytes = 4u * count;
    uint32_t first = 0, length = count; /* this hart's slice of each block */
    coll_slice(&first, &length, 4u, hart, harts);
    const uint32_t elements_per_chunk = coll->chunk_bytes / 4u, chunks = coll_chunks(length, elements_per_chunk);
    const uint32_t label = coll_next_label(COLL_KIND_ALLTOALL);
    for (uint32_t j = 0; j < chunks; ++j) {
        const uint32_t offset = first + 4u * j * elements_per_chunk;
        const uint32_t bytes = 4u * coll_chunk_length(length, elements_per_chunk, j);
        for (uint32_t distance = 0; distance < chips; ++distance) {
            const uint32_t to = (chip + distance) % chips;
            npu_dma_tag(label, distance);
            coll_copy(send + to * block_bytes + offset, receive + chip * block_bytes + offset, bytes,
                      distance ? to : NPU_CHIP_SELF);
            if (distance && j + 1u == chunks) npu_dma_doorbell(to, hart, COLL_FLAG_GATHERED);
        }
    }
    if (chunks) {
        for (uint32_t distance = 1; distance < chips; ++distance) npu_wait(NPU_QUEUE_DMA, COLL_FLAG_GATHERED);
    }
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}
