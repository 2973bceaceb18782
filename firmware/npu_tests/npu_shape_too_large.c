/* A weight block with more rows than the array has: the run stops naming tile, queue and instruction. */
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    const struct npu_geometry geo = npu_read_geometry();
    npu_mx_config(NPU_DTYPE_INT8, 0, 0);
    npu_mx_load_weights(NPUEMU_SCRATCHPAD_BASE, geo.rows + 1, geo.cols, 0, geo.cols);
    npu_fence(1u << NPU_QUEUE_MATRIX);
    return 0;
}
