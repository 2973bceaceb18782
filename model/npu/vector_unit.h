// The vector unit: element-wise and row-reduction ops over scratchpad and accumulator rows.
// Timing: latency + rows * ceil(cols / lanes) cycles (latency: pipeline, or transcendental for exp/gelu/recip/
// rsqrt), stretched if its memories' banks cannot keep up, after waiting for the banks it touches to be free.
#pragma once

#include <vector>

#include "model/npu/npu_config.h"
#include "model/npu/banked_memory.h"
#include "model/npu/queue_unit.h"
#include "model/npu/vector_ops.h"

namespace npuemu::npu {

class VectorUnit : public QueueUnit {
public:
    VectorUnit(sc_core::sc_module_name name, uint32_t tile_id, const VectorUnitConfig& config,
               const TileClock& clock, InstructionQueue& queue, Semaphores& semaphores, FaultSink fault_sink,
               std::vector<BankedMemory*> memories);

    uint64_t elements() const { return elements_; }

protected:
    void execute(const NpuInstruction& instruction, sc_core::sc_time& completion) override;

private:
    BankedMemory* memory_for(uint32_t addr, const OperandExtent& extent, uint64_t stride) const;

    VectorUnitConfig config_;
    std::vector<BankedMemory*> memories_;
    VectorShape shape_;
    uint64_t elements_ = 0;
};

}  // namespace npuemu::npu
