/* Hart 0 rings a doorbell on tile 200 of the next chip, which has far fewer tiles: the DMA must report it. */
#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    npu_dma_doorbell((npu_chip_id() + 1) % npu_chip_count(), 200, 1);
    npu_fence(1u << NPU_QUEUE_DMA);
    return 0;
}
