/* Observes one matmul's latency from the control core: weights preloaded and fenced, then mcycle around
 * "matmul; fence" for several shapes. Prints "m k n cycles" per shape; the test checks that cycles - (m + k + n - 1)
 * is the same constant (the issue and fence overhead) for every shape, i.e. the documented formula. */
#include <stdio.h>

#include "npuemu/hal.h"
#include "npuemu/kernels.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    const struct npu_geometry geo = npu_read_geometry();
    static const uint32_t shapes[][3] = {{1, 1, 1}, {16, 16, 16}, {7, 3, 16}, {64, 16, 5}, {200, 9, 12}, {1, 16, 1}};
    npu_mx_config(NPU_DTYPE_INT8, 0, 0);
    for (unsigned i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
        const uint32_t m = shapes[i][0], k = shapes[i][1] > geo.rows ? geo.rows : shapes[i][1];
        const uint32_t n = shapes[i][2] > geo.cols ? geo.cols : shapes[i][2];
        npu_mx_load_weights(NPUEMU_SCRATCHPAD_BASE, k, n, 0, n);
        npu_fence(1u << NPU_QUEUE_MATRIX);
        const uint32_t t0 = npu_csr_read(mcycle);
        npu_mx_matmul(NPUEMU_SCRATCHPAD_BASE + 0x1000, NPUEMU_ACCUMULATOR_BASE, m, 0);
        npu_fence(1u << NPU_QUEUE_MATRIX);
        const uint32_t t1 = npu_csr_read(mcycle);
        printf("matmul m=%u k=%u n=%u cycles=%u\n", (unsigned)m, (unsigned)k, (unsigned)n, (unsigned)(t1 - t0));
    }
    return 0;
}
