/* A DMA copy whose source runs past the end of global memory: the DMA queue reports it and the run ends. */
#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    const uint32_t end = NPUEMU_GLOBAL_MEM_BASE + npu_global_memory_bytes();
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_dma_shape(4096, 0, 1, 1);
    npu_dma_copy(end - 1024, NPUEMU_SCRATCHPAD_BASE); /* the last 1 KiB and 3 KiB beyond */
    npu_fence(1u << NPU_QUEUE_DMA);
    return 0;
}
