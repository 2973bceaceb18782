// The systolic matrix unit: a rows x cols weight-stationary array with shadow weights. Its timing is
// SystolicTiming's (model/npu/systolic_timing.h, the same dataflow as rtl/), plus the scratchpad and accumulator
// banks: a stream waits for the banks it reads and writes, and lasts longer than m cycles if they cannot keep up.
#pragma once

#include <cstdint>
#include <vector>

#include "model/npu/banked_memory.h"
#include "model/npu/matmul_kernels.h"
#include "model/npu/npu_config.h"
#include "model/npu/queue_unit.h"
#include "model/npu/systolic_timing.h"

namespace npuemu::npu {

class MatrixUnit : public QueueUnit {
public:
    MatrixUnit(sc_core::sc_module_name name, uint32_t tile_id, const MatrixUnitConfig& config, const TileClock& clock,
               InstructionQueue& queue, Semaphores& semaphores, FaultSink fault_sink, BankedMemory& scratchpad,
               BankedMemory& accumulator);

    uint64_t macs() const { return macs_; }
    uint64_t int8_macs() const { return int8_macs_; }
    uint64_t bf16_macs() const { return macs_ - int8_macs_; }
    uint64_t sram_bytes() const { return sram_bytes_; }  // activations and weights read, results written
    const MatrixUnitConfig& config() const { return config_; }

    void attach_tracer(trace::Tracer& tracer, const std::string& process, unsigned process_id,
                       const std::string& thread, unsigned thread_id) override;

protected:
    void execute(const NpuInstruction& instruction, sc_core::sc_time& completion) override;

private:
    void configure(const NpuInstruction& instruction);
    void load_weights(const NpuInstruction& instruction);
    void matmul(const NpuInstruction& instruction, sc_core::sc_time& completion);

    MatrixUnitConfig config_;
    BankedMemory& scratchpad_;
    BankedMemory& accumulator_;

    // mx.config state
    unsigned dtype_ = 0;  // isa::Dtype INT8 or BF16
    uint64_t act_stride_ = 0;
    uint64_t acc_stride_ = 0;

    // Weights: the shadow block being (or last) loaded, and the block the array computes with.
    struct WeightBlock {
        std::vector<uint8_t> values;  // k x n, dense, in the block's dtype, as loaded
        MatmulWeights packed;         // the same, packed for the host kernels on the first matmul that uses them
        uint32_t k = 0, n = 0;
        unsigned dtype = 0;
    };
    WeightBlock shadow_;
    WeightBlock active_;
    bool shadow_pending_ = false;  // loaded, not yet taken by a matmul
    SystolicTiming timing_;        // in cycles of this unit's clock
    uint32_t weights_track_ = trace::kNoSignal;

    uint64_t macs_ = 0;
    uint64_t int8_macs_ = 0;
    uint64_t sram_bytes_ = 0;
    uint64_t matmuls_ = 0;
    uint64_t latency_cycles_ = 0;  // sum over matmuls of m + k + n - 1 (plus bandwidth stretch)
    uint64_t weight_load_cycles_ = 0;
};

}  // namespace npuemu::npu
