/* The reduction step every reducing collective shares: own = own + incoming on the vector unit, chunk by chunk. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

void coll_reduce_chunk(const struct npu_coll* coll, uint32_t own, uint32_t incoming, uint32_t elements,
                       uint32_t dtype) {
    const uint32_t work = coll->scratch + NPU_COLL_SLOTS * coll->chunk_bytes;
    const uint32_t bytes = 4u * elements;
    coll_copy(own, work, bytes, NPU_CHIP_SELF);
    npu_signal(NPU_QUEUE_DMA, COLL_FLAG_LOADED);
    npu_wait(NPU_QUEUE_VECTOR, COLL_FLAG_LOADED);
    npu_vx_shape(elements, 1, dtype, dtype, 0, 0);
    npu_vx_strides(bytes, bytes, bytes);
    npu_vx_add(work, work, incoming);
    npu_signal(NPU_QUEUE_VECTOR, COLL_FLAG_ADDED);
    npu_wait(NPU_QUEUE_DMA, COLL_FLAG_ADDED);
    coll_copy(work, own, bytes, NPU_CHIP_SELF);
}
