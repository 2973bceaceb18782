/* Activations that run past the end of the scratchpad. */
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    const struct npu_geometry geo = npu_read_geometry();
    npu_mx_config(NPU_DTYPE_INT8, 0, 0);
    npu_mx_load_weights(NPUEMU_SCRATCHPAD_BASE, geo.rows, geo.cols, 0, geo.cols);
    npu_mx_matmul(NPUEMU_SCRATCHPAD_BASE + geo.scratchpad_bytes - 8, NPUEMU_ACCUMULATOR_BASE, 4, 0);
    npu_fence(1u << NPU_QUEUE_MATRIX);
    return 0;
}
