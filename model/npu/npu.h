// A tile's NPU: the DMA, MATRIX and VECTOR queues and their units, the semaphores that order them, the banked
// scratchpad and accumulator as the units see them, and the status registers. The control core hands it custom
// instructions through issue(), which stalls the core while the target queue is full, or for npu.fence and
// npu.barrier.
#pragma once

#include <systemc>

#include <array>
#include <memory>
#include <string>

#include "model/common/stats.h"
#include "model/npu/npu_config.h"
#include "model/core/hart_bus.h"
#include "model/npu/banked_memory.h"
#include "model/npu/dma_engine.h"
#include "model/npu/doorbell_receiver.h"
#include "model/npu/instruction_queue.h"
#include "model/npu/matrix_unit.h"
#include "model/npu/npu_status_registers.h"
#include "model/npu/semaphores.h"
#include "model/npu/tile_barrier.h"
#include "model/npu/vector_unit.h"
#include "model/power/energy_model.h"

namespace npuemu::npu {

class Npu : public sc_core::sc_module {
public:
    // register_latency: an access to the status registers.
    Npu(sc_core::sc_module_name name, uint32_t tile_id, const NpuConfig& config, const TileClock& clock,
        sc_core::sc_time register_latency, uint8_t* scratchpad_host,
        uint8_t* accumulator_host, TileBarrier& barrier, FaultSink fault_sink, mem::TimedMemoryPort* memory_port);

    // From the core's thread. Unknown encodings answer Illegal; everything else is accepted (errors in operands
    // surface when the queue executes the instruction).
    core::CoprocessorStatus issue(uint32_t instruction, uint32_t rs1, uint32_t rs2, uint32_t rs3, uint32_t& rd,
                                  uint32_t pc);

    DmaEngine& dma() { return dma_; }
    // Where doorbells for this tile arrive (from any tile of any chip).
    DoorbellReceiver& doorbells() { return doorbells_; }
    uint64_t macs() const { return matrix_.macs(); }
    // What the NPU has done so far, for the power model (core instructions are the tile's to add).
    power::Activity activity() const;
    NpuStatusRegisters& status_registers() { return status_; }
    uint32_t busy_mask() const;
    // What this tile's queues and core wait on, for a deadlock report; empty if nothing.
    std::string describe_waits() const;
    void attach_tracer(trace::Tracer& tracer);

private:
    void fence(uint32_t queue_mask);
    void bind_status_registers();

    uint32_t tile_id_;
    NpuConfig config_;
    const TileClock& clock_;
    TileBarrier& barrier_;
    FaultSink fault_sink_;
    StatsGroup stats_{*this};  // before the units: their groups go below it
    std::array<InstructionQueue, isa::kQueueCount> queues_;
    // Any queue changed: what npu.fence waits on. A single event, not an or-list: a core that never leaves a fence
    // (a deadlock) must not hold heap memory on its thread's stack.
    sc_core::sc_event any_queue_changed_;
    Semaphores semaphores_;
    DoorbellReceiver doorbells_;
    BankedMemory scratchpad_;
    BankedMemory accumulator_;
    DmaEngine dma_;
    MatrixUnit matrix_;
    VectorUnit vector_;
    NpuStatusRegisters status_;
    std::string core_waits_on_;  // "npu.fence", "npu.barrier" or a full queue, while the core is stalled

    uint64_t issued_ = 0;
    uint64_t queue_full_stall_cycles_ = 0;
    uint64_t fence_stall_cycles_ = 0;
    uint64_t barrier_stall_cycles_ = 0;
};

}  // namespace npuemu::npu
