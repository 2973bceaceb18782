/* Direct all-to-all (npuemu/collectives.h), across chips or across the tiles of one chip: every member puts block d
 * of its send buffer straight into block `position` of member d's receive buffer. The chunks go round the
 * destinations (chunk j to position + 1, position + 2, ..., then chunk j + 1), so every link (or every path through
 * the mesh) out of the member has work at once; a doorbell after each block tells its destination, which waits for
 * size - 1 of them. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

void coll_alltoall_direct(const struct npu_coll* coll, struct coll_group group, uint32_t position, uint32_t tile,
                          uint32_t send, uint32_t receive, uint32_t block_bytes, uint32_t first_byte, uint32_t elements,
                          uint32_t label) {
    const uint32_t members = group.size;
    const uint32_t elements_per_chunk = coll->chunk_bytes / 4u, chunks = coll_chunks(elements, elements_per_chunk);
    for (uint32_t j = 0; j < chunks; ++j) {
        const uint32_t offset = first_byte + 4u * j * elements_per_chunk;
        const uint32_t bytes = 4u * coll_chunk_length(elements, elements_per_chunk, j);
        for (uint32_t distance = 0; distance < members; ++distance) {
            const uint32_t to = (position + distance) % members;
            const struct coll_peer peer = coll_peer_of(group, position, to, tile);
            npu_dma_tag(label, distance);
            coll_copy(send + to * block_bytes + offset, receive + peer.buffer_delta + position * block_bytes + offset,
                      bytes, distance ? peer.chip : NPU_CHIP_SELF);
            if (distance && j + 1u == chunks) npu_dma_doorbell(peer.chip, peer.tile, COLL_FLAG_GATHERED);
        }
    }
    if (chunks) {
        for (uint32_t distance = 1; distance < members; ++distance) npu_wait(NPU_QUEUE_DMA, COLL_FLAG_GATHERED);
    }
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}

void npu_alltoall(const struct npu_coll* coll, uint32_t send, uint32_t receive, uint32_t count, uint32_t hart,
                  uint32_t harts) {
    uint32_t first = 0, length = count; /* this hart's slice of each block */
    coll_slice(&first, &length, 4u, hart, harts);
    coll_alltoall_direct(coll, coll_all_chips(), npu_chip_id(), hart, send, receive, 4u * count, first, length,
                         coll_next_label(COLL_KIND_ALLTOALL));
}
