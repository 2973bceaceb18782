// The tile's DMA engine: 1-D/2-D/3-D strided copies between any memories the tile can address (global memory, its
// own SRAMs, other tiles' SRAMs), split into bursts. Data moves at once through DMI. A copy occupies the channel for
//   sum over bursts of ceil(burst_bytes / bandwidth_bytes_per_cycle)
// cycles (stretched by the local scratchpad/accumulator banks it touches, after waiting for them to be free), and
// its data has landed latency_cycles after it leaves the channel: requests are pipelined, so queued copies overlap
// their latencies and stream at the bandwidth, while npu.signal and npu.fence wait for the data to land.
// (The memory issue replaces latency and bandwidth with the mesh and HBM models.)
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <vector>

#include "model/config/chip_config.h"
#include "model/npu/banked_memory.h"
#include "model/npu/queue_unit.h"

namespace npuemu::npu {

class DmaEngine : public QueueUnit {
public:
    tlm_utils::simple_initiator_socket<DmaEngine> socket;

    DmaEngine(sc_core::sc_module_name name, uint32_t tile_id, const config::DmaConfig& config,
              const TileClock& clock, InstructionQueue& queue, Semaphores& semaphores, FaultSink fault_sink,
              std::vector<BankedMemory*> local_memories);

    const uint64_t* bytes_counter() const { return &bytes_; }
    const uint64_t* copies_counter() const { return &copies_; }
    const uint64_t* bursts_counter() const { return &bursts_; }

protected:
    void execute(const NpuInstruction& instruction, sc_core::sc_time& completion) override;

private:
    struct Window {
        uint64_t base = 0, last = 0;
        uint8_t* host = nullptr;
    };
    // Host pointer to [addr, addr + bytes), or null if no single memory holds it.
    uint8_t* host_pointer(uint32_t addr, uint64_t bytes);
    void copy(const NpuInstruction& instruction, sc_core::sc_time& completion);
    BankedMemory* local_memory(uint32_t addr) const;

    config::DmaConfig config_;
    std::vector<BankedMemory*> local_memories_;
    std::vector<Window> windows_;
    sc_core::sc_time channel_free_;

    // Shape and strides from dma.shape / dma.*_stride.
    uint64_t row_bytes_ = 0;
    uint32_t rows_ = 1, planes_ = 1;
    uint64_t src_row_stride_ = 0, src_plane_stride_ = 0, dst_row_stride_ = 0, dst_plane_stride_ = 0;

    uint64_t bytes_ = 0;
    uint64_t copies_ = 0;
    uint64_t bursts_ = 0;
};

}  // namespace npuemu::npu
