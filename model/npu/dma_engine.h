// The tile's DMA engine: 1-D/2-D/3-D strided copies between any memories the tile can address (global memory, its
// own SRAMs, other tiles' SRAMs), split into bursts of at most burst_bytes that end at burst_bytes boundaries of
// the remote address (rows that continue each other there are one stream). Data moves at once through DMI; timing
// is the memory system's:
//   - the engine gives each burst a slot of ceil(bytes / bandwidth_bytes_per_cycle) cycles, back to back, and the
//     burst leaves the tile latency_cycles (the engine's pipeline) after its slot starts;
//   - a burst whose source or destination lies outside the tile crosses the mesh to global memory (HBM) or to the
//     other tile and lands when the memory system says (a read's data back, a write acknowledged); a copy between
//     two outside memories reads into the engine, then writes out;
//   - at most max_outstanding_bursts bursts are in flight: a burst's slot waits for the landing of the burst
//     max_outstanding_bursts before it (Little's law: latency x bandwidth needs enough requests in flight);
//   - the local side's scratchpad/accumulator banks are reserved for the copy (a conflict delays its start; slow
//     banks delay its completion).
// A transposing copy (dma.shape's transpose field) reads its source rows as a plain copy does and writes the
// transposed block into this tile's local memory at the same rate (the transposer sits at the engine's write port).
// A copy's completion (what npu.signal and npu.fence wait for) is its last burst's landing, learned from the memory
// system after the engine has moved on: the engine streams the next copy meanwhile.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include <deque>
#include <vector>

#include "model/mem/memory_port.h"
#include "model/npu/banked_memory.h"
#include "model/common/fast_divisor.h"
#include "model/npu/npu_config.h"
#include "model/npu/queue_unit.h"

namespace npuemu::npu {

class DmaEngine : public QueueUnit, private mem::AccessListener {
public:
    tlm_utils::simple_initiator_socket<DmaEngine> socket;

    // port: the tile's way to the mesh and global memory (nullptr: every memory counts as local, no fabric timing).
    DmaEngine(sc_core::sc_module_name name, uint32_t tile_id, const DmaConfig& config, const TileClock& clock,
              InstructionQueue& queue, Semaphores& semaphores, FaultSink fault_sink,
              std::vector<BankedMemory*> local_memories, mem::TimedMemoryPort* port);

    uint64_t bytes() const { return bytes_; }

protected:
    void execute(const NpuInstruction& instruction, sc_core::sc_time& completion) override;

private:
    struct Window {
        uint64_t base = 0, last = 0;
        uint8_t* host = nullptr;
    };
    static constexpr uint64_t kUnknown = UINT64_MAX;
    // A burst in flight, in a ring of max_outstanding_bursts slots indexed by burst sequence number.
    struct Burst {
        uint64_t sequence = kUnknown;
        uint64_t copy = 0;  // the copy's async ticket
        uint64_t landed_ps = kUnknown;
        bool write_leg_pending = false;  // read into the engine first, then write this out
        uint64_t write_address = 0;
        uint32_t bytes = 0;
    };
    struct CopyInFlight {
        uint64_t ticket = 0;
        uint32_t outstanding = 0;  // bursts not yet landed
        bool all_issued = false;
        uint64_t latest_ps = 0;  // latest landing so far, and the floor set by the local banks
        bool resolved = false;
        // For the trace slice, written once the copy has landed.
        uint64_t begin_ps = 0, channel_end_ps = 0, total_bytes = 0, src = 0, dst = 0;
        uint32_t rows = 0, planes = 0;
        // For the flow export: a copy that involves another chip.
        bool between_chips = false;
        uint32_t src_chip = 0, dst_chip = 0, collective = 0, step = 0;
    };

    // Host pointer to [addr, addr + bytes), or null if no single memory holds it (addr may be on another chip).
    uint8_t* host_pointer(uint64_t addr, uint64_t bytes);
    // The base of chip field `chip`'s addresses as this engine reaches them: 0 for this chip, (chip + 1) * 2^32
    // for another; false (and a fault) for a chip the system does not have.
    bool chip_base(const NpuInstruction& instruction, uint32_t chip, uint64_t& base);
    std::string doorbell_problem(const SignalToken& token) const override;
    void ring_doorbell(sc_core::sc_time due, const SignalToken& token) override;
    void label_doorbell(SignalToken& token) const override {
        token.collective = tag_collective_;
        token.step = tag_step_;
    }
    void copy(const NpuInstruction& instruction, sc_core::sc_time& completion);
    // A transposing copy's checks and data movement (its timing is copy()'s); false after a fault.
    bool move_transposed(const NpuInstruction& instruction, uint64_t src, uint64_t src_row_stride,
                         uint64_t src_plane_stride, uint64_t dst, uint64_t dst_row_stride, uint64_t dst_plane_stride);
    BankedMemory* local_memory(uint64_t addr) const;
    // Waits until the burst `sequence` has a known landing (its slot is needed); returns that landing.
    uint64_t wait_for_landing(uint64_t sequence);
    void access_done(uint64_t cookie, uint64_t landed_ps) override;
    void burst_landed(Burst& burst, uint64_t landed_ps);
    CopyInFlight& copy_in_flight(uint64_t ticket);
    void maybe_resolve(CopyInFlight& copy);
    void trace_copy(const CopyInFlight& copy);

    DmaConfig config_;
    std::vector<BankedMemory*> local_memories_;
    mem::TimedMemoryPort* port_;
    std::vector<Window> windows_;
    sc_core::sc_time channel_free_;

    std::vector<Burst> ring_;
    FastDivisor ring_slots_;       // ring_.size()
    FastDivisor burst_bytes_;      // config_.burst_bytes
    FastDivisor bytes_per_cycle_;  // config_.bandwidth_bytes_per_cycle
    Burst& slot_of(uint64_t sequence) { return ring_[ring_slots_.remainder(sequence)]; }
    uint64_t next_burst_ = 0;
    uint64_t waiting_for_ = kUnknown;  // the burst whose landing the engine's thread waits for
    sc_core::sc_event landing_known_;
    std::deque<CopyInFlight> copies_in_flight_;  // by ticket, oldest first

    // Shape and strides from dma.shape / dma.*_stride.
    uint64_t row_bytes_ = 0;
    uint32_t rows_ = 1, planes_ = 1;
    uint32_t transpose_bytes_ = 0;  // dma.shape's transpose: element bytes of transposing copies, 0 for plain ones
    std::vector<uint8_t> transpose_staging_;
    uint64_t src_row_stride_ = 0, src_plane_stride_ = 0, dst_row_stride_ = 0, dst_plane_stride_ = 0;
    // Chips from dma.chips (kThisChip: this one).
    static constexpr uint32_t kThisChip = 0xFFFF;
    uint32_t src_chip_ = kThisChip, dst_chip_ = kThisChip;
    uint32_t tag_collective_ = 0, tag_step_ = 0;  // dma.tag

    uint64_t bytes_ = 0;
    uint64_t remote_bytes_ = 0;
    uint64_t copies_ = 0;
    uint64_t bursts_ = 0;
    uint64_t credit_stall_cycles_ = 0;
};

}  // namespace npuemu::npu
