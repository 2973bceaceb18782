/* Access to this tile's PMU registers (register map `pmu` in isa/npu_isa.yaml, generated into npuemu/npu_isa.h). */
#ifndef FIRMWARE_PMU_H
#define FIRMWARE_PMU_H

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

static inline uint32_t pmu_read(uint32_t offset) { return npu_mmio_read32(PMU_BASE + offset); }
static inline void pmu_write(uint32_t offset, uint32_t value) { npu_mmio_write32(PMU_BASE + offset, value); }

#endif
