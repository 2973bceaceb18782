/* The MATRIX queue waits on flag 7, which nothing ever signals; the core then fences: a deadlock to report. */
#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

int main(void) {
    if (npu_hart_id() != 0) return 0;
    npu_wait(NPU_QUEUE_MATRIX, 7);
    npu_fence(1u << NPU_QUEUE_MATRIX);
    return 0;
}
