#include "npuemu/hal.h"
#include "npuemu/kernels.h"

struct npu_geometry npu_read_geometry(void) {
    struct npu_geometry g;
    g.rows = npu_mmio_read32(NPU_STATUS_BASE + NPU_STATUS_ARRAY_ROWS_OFFSET);
    g.cols = npu_mmio_read32(NPU_STATUS_BASE + NPU_STATUS_ARRAY_COLS_OFFSET);
    g.scratchpad_bytes = npu_mmio_read32(NPU_STATUS_BASE + NPU_STATUS_SCRATCHPAD_BYTES_OFFSET);
    g.accumulator_bytes = npu_mmio_read32(NPU_STATUS_BASE + NPU_STATUS_ACCUMULATOR_BYTES_OFFSET);
    g.scratchpad_banks = npu_mmio_read32(NPU_STATUS_BASE + NPU_STATUS_SCRATCHPAD_BANKS_OFFSET);
    g.accumulator_banks = npu_mmio_read32(NPU_STATUS_BASE + NPU_STATUS_ACCUMULATOR_BANKS_OFFSET);
    g.vector_lanes = npu_mmio_read32(NPU_STATUS_BASE + NPU_STATUS_VECTOR_LANES_OFFSET);
    return g;
}
