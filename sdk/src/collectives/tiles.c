/* Collectives across the tiles of one chip (npuemu/collectives.h): the algorithms of the chips' collectives over the
 * mesh, every tile a member with its own buffer (tile t's at buffer + t x stride), as the chips are members across
 * chips. The broadcast is the exception: every tile's DMA reaches the root's buffer directly, so each tile pulls it
 * (why not a chain: collectives.h). */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

static struct coll_group tile_group(uint32_t harts, uint32_t buffer_stride) {
    const struct coll_group tiles = {0, 1, harts, 1, buffer_stride};
    return tiles;
}

/* The ring halves on this tile's buffer; each returns with its queues fenced. */
static void reduce_scatter(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                           uint32_t dtype, uint32_t hart, uint32_t harts) {
    coll_reduce_scatter_ring(coll, tile_group(harts, buffer_stride), hart, hart, buffer + hart * buffer_stride, count,
                             dtype, coll_next_label(COLL_KIND_REDUCE_SCATTER), 0);
    npu_dma_tag(0, 0);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}
static void allgather(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                      uint32_t element_bytes, uint32_t hart, uint32_t harts) {
    coll_allgather_ring(coll, tile_group(harts, buffer_stride), hart, hart, buffer + hart * buffer_stride, count,
                        element_bytes, coll_next_label(COLL_KIND_ALLGATHER), 0);
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}

void npu_allreduce_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                         uint32_t dtype, uint32_t hart, uint32_t harts) {
    if (harts < 2) return;
    reduce_scatter(coll, buffer, buffer_stride, count, dtype, hart, harts);
    allgather(coll, buffer, buffer_stride, count, coll_element_bytes(dtype), hart, harts);
}

void npu_reduce_scatter_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                              uint32_t dtype, uint32_t hart, uint32_t harts) {
    if (harts < 2) return;
    reduce_scatter(coll, buffer, buffer_stride, count, dtype, hart, harts);
}

void npu_allgather_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                         uint32_t hart, uint32_t harts) {
    if (harts < 2) return;
    allgather(coll, buffer, buffer_stride, count, 4u, hart, harts);
}

void npu_broadcast_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                         uint32_t root, uint32_t hart, uint32_t harts) {
    if (harts < 2) return;
    root %= harts;
    npu_dma_tag(coll_next_label(COLL_KIND_BROADCAST), 0);
    if (hart == root) { /* tell every tile the data is there, and keep it until they have it */
        for (uint32_t t = 0; t < harts; ++t) {
            if (t != root) npu_dma_doorbell(NPU_CHIP_SELF, t, COLL_FLAG_READY);
        }
        for (uint32_t t = 1; t < harts; ++t) npu_wait(NPU_QUEUE_DMA, COLL_FLAG_GATHERED);
    } else {
        const uint32_t from = buffer + root * buffer_stride, to = buffer + hart * buffer_stride;
        const uint32_t elements_per_chunk = coll->chunk_bytes / 4u, chunks = coll_chunks(count, elements_per_chunk);
        /* Each tile starts at its own place in the buffer and wraps around: tiles copying the same chunk at once
         * crowd the same HBM channels (16 MiB on the default chip: 17.3 GB/s in step, 24.1 GB/s spread). */
        const uint32_t start = chunks > 1u ? npu_coll_segment_first(chunks, harts, (hart + harts - root) % harts) : 0u;
        npu_wait(NPU_QUEUE_DMA, COLL_FLAG_READY);
        for (uint32_t i = 0; i < chunks; ++i) {
            const uint32_t j = (start + i) % chunks, offset = 4u * j * elements_per_chunk;
            coll_copy(from + offset, to + offset, 4u * coll_chunk_length(count, elements_per_chunk, j), NPU_CHIP_SELF);
        }
        npu_dma_doorbell(NPU_CHIP_SELF, root, COLL_FLAG_GATHERED); /* rings once every copy has landed */
    }
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}

void npu_alltoall_tiles(const struct npu_coll* coll, uint32_t send, uint32_t receive, uint32_t buffer_stride,
                        uint32_t count, uint32_t hart, uint32_t harts) {
    coll_alltoall_direct(coll, tile_group(harts, buffer_stride), hart, hart, send + hart * buffer_stride,
                         receive + hart * buffer_stride, 4u * count, 0, count, coll_next_label(COLL_KIND_ALLTOALL));
}
