/* Hart 0 copies to a chip the system does not have (dma.chips with the chip count as id): the DMA must report it,
 * naming the chip and the system's size. */
#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    npu_dma_chips(NPU_CHIP_SELF, npu_chip_count());
    npu_dma_shape(64, 0, 1, 1);
    npu_dma_copy(NPUEMU_SCRATCHPAD_BASE, 0x82000000u);
    npu_fence(1u << NPU_QUEUE_DMA);
    return 0;
}
