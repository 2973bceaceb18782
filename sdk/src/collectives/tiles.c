/* Collectives across the tiles of one chip (npuemu/collectives.h): the ring over the mesh, every tile a member with
 * its own buffer, as the chips are members of the ring across chips. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

void npu_allreduce_tiles(const struct npu_coll* coll, uint32_t buffer, uint32_t buffer_stride, uint32_t count,
                         uint32_t dtype, uint32_t hart, uint32_t harts) {
    if (harts < 2) return;
    const struct coll_group tiles = {0, 1, harts, 1, buffer_stride};
    const uint32_t own = buffer + hart * buffer_stride;
    coll_reduce_scatter_ring(coll, tiles, hart, hart, own, count, dtype, coll_next_label(COLL_KIND_REDUCE_SCATTER), 0);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
    coll_allgather_ring(coll, tiles, hart, hart, own, count, coll_element_bytes(dtype),
                        coll_next_label(COLL_KIND_ALLGATHER), 0);
    npu_dma_tag(0, 0);
    npu_fence(1u << NPU_QUEUE_DMA);
}
