/* The reduction step every reducing collective shares: own = own + incoming on the vector unit, chunk by chunk.
 * INT32 and FP32 add directly; BF16 widens both to FP32, adds in FP32 and rounds the sum back to BF16 (to nearest,
 * ties to even), once per step, as collectives.h documents. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

/* The vector unit's part for BF16: work (own, BF16) = bf16(fp32(work) + fp32(incoming)), through two FP32 areas
 * after the work area. */
static void add_bf16(const struct npu_coll* coll, uint32_t work, uint32_t incoming, uint32_t elements) {
    const uint32_t own_fp32 = work + coll->chunk_bytes, incoming_fp32 = own_fp32 + 2u * coll->chunk_bytes;
    const uint32_t narrow = 2u * elements, wide = 4u * elements;
    npu_vx_shape(elements, 1, NPU_DTYPE_BF16, NPU_DTYPE_FP32, 0, 0);
    npu_vx_strides(wide, narrow, narrow);
    npu_vx_convert(own_fp32, work);
    npu_vx_convert(incoming_fp32, incoming);
    npu_vx_shape(elements, 1, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 0, 0);
    npu_vx_strides(wide, wide, wide);
    npu_vx_add(own_fp32, own_fp32, incoming_fp32);
    npu_vx_shape(elements, 1, NPU_DTYPE_FP32, NPU_DTYPE_BF16, 0, 0);
    npu_vx_strides(narrow, wide, wide);
    npu_vx_convert(work, own_fp32);
}

void coll_reduce_chunk(const struct npu_coll* coll, uint32_t own, uint32_t incoming, uint32_t elements,
                       uint32_t dtype) {
    const uint32_t work = coll->scratch + NPU_COLL_SLOTS * coll->chunk_bytes;
    const uint32_t bytes = coll_element_bytes(dtype) * elements;
    coll_copy(own, work, bytes, NPU_CHIP_SELF);
    npu_signal(NPU_QUEUE_DMA, COLL_FLAG_LOADED);
    npu_wait(NPU_QUEUE_VECTOR, COLL_FLAG_LOADED);
    if (dtype == NPU_DTYPE_BF16) {
        add_bf16(coll, work, incoming, elements);
    } else {
        npu_vx_shape(elements, 1, dtype, dtype, 0, 0);
        npu_vx_strides(bytes, bytes, bytes);
        npu_vx_add(work, work, incoming);
    }
    npu_signal(NPU_QUEUE_VECTOR, COLL_FLAG_ADDED);
    npu_wait(NPU_QUEUE_DMA, COLL_FLAG_ADDED);
    coll_copy(work, own, bytes, NPU_CHIP_SELF);
}
