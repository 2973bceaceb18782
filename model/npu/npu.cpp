#include "model/npu/npu.h"

#include "model/common/hierarchy_names.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::npu {

namespace {

constexpr unsigned kDma = static_cast<unsigned>(isa::Queue::DMA);
constexpr unsigned kMatrix = static_cast<unsigned>(isa::Queue::MATRIX);
constexpr unsigned kVector = static_cast<unsigned>(isa::Queue::VECTOR);

}  // namespace

Npu::Npu(sc_core::sc_module_name name, uint32_t tile_id, const NpuConfig& config, const TileClock& clock,
         sc_core::sc_time register_latency, uint8_t* scratchpad_host,
         uint8_t* accumulator_host, TileBarrier& barrier, FaultSink fault_sink, mem::TimedMemoryPort* memory_port)
    : sc_module(name),
      tile_id_(tile_id),
      config_(config),
      clock_(clock),
      barrier_(barrier),
      fault_sink_(fault_sink),
      queues_{InstructionQueue(kDma, config.queue_depth), InstructionQueue(kMatrix, config.queue_depth),
              InstructionQueue(kVector, config.queue_depth)},
      doorbells_("doorbells", semaphores_),
      scratchpad_("scratchpad", config.scratchpad, scratchpad_host, NPUEMU_SCRATCHPAD_BASE),
      accumulator_("accumulator", config.accumulator, accumulator_host, NPUEMU_ACCUMULATOR_BASE),
      dma_("dma", tile_id, config.dma, clock, queues_[kDma],
           semaphores_, fault_sink, {&scratchpad_, &accumulator_}, memory_port),
      matrix_("matrix", tile_id, config.matrix, clock,
              queues_[kMatrix], semaphores_, fault_sink, scratchpad_, accumulator_),
      vector_("vector", tile_id, config.vector, clock,
              queues_[kVector], semaphores_, fault_sink, {&scratchpad_, &accumulator_}),
      status_("status", register_latency) {
    bind_status_registers();
    dma_.set_arithmetic(config.arithmetic);
    matrix_.set_arithmetic(config.arithmetic);
    vector_.set_arithmetic(config.arithmetic);
    for (auto& queue : queues_) queue.also_notify(any_queue_changed_);
    stats_.counter("issued", issued_, StatUnit::Count, "NPU instructions the core issued");
    stats_.counter("queue_full_stall_cycles", queue_full_stall_cycles_, StatUnit::Cycles,
                   "core cycles stalled on a full NPU queue");
    stats_.counter("fence_stall_cycles", fence_stall_cycles_, StatUnit::Cycles, "core cycles waiting in npu.fence");
    stats_.counter("barrier_stall_cycles", barrier_stall_cycles_, StatUnit::Cycles,
                   "core cycles waiting in npu.barrier");
}

void Npu::bind_status_registers() {
    using Reg = isa::npu_status::Reg;
    RegisterBank& bank = status_.bank();
    auto value = [&bank](Reg reg, std::function<uint64_t()> read) {
        bank.on_read(reg, [read](unsigned, int64_t) { return read(); });
    };
    value(Reg::QUEUE_BUSY, [this] { return busy_mask(); });
    value(Reg::DMA_DEPTH, [this] { return queues_[kDma].size(); });
    value(Reg::MATRIX_DEPTH, [this] { return queues_[kMatrix].size(); });
    value(Reg::VECTOR_DEPTH, [this] { return queues_[kVector].size(); });
    value(Reg::ARRAY_ROWS, [this] { return config_.matrix.rows; });
    value(Reg::ARRAY_COLS, [this] { return config_.matrix.cols; });
    value(Reg::SCRATCHPAD_BYTES, [this] { return config_.scratchpad.size_bytes; });
    value(Reg::ACCUMULATOR_BYTES, [this] { return config_.accumulator.size_bytes; });
    value(Reg::SCRATCHPAD_BANKS, [this] { return config_.scratchpad.banks; });
    value(Reg::ACCUMULATOR_BANKS, [this] { return config_.accumulator.banks; });
    value(Reg::VECTOR_LANES, [this] { return config_.vector.lanes; });
    bank.on_read(Reg::FLAG_BASE, [this](unsigned flag, int64_t) -> uint64_t { return semaphores_.value(flag); });
    bank.check_complete();
}

void Npu::attach_tracer(trace::Tracer& tracer) {
    // The tile's process is named by its place below the top module: "tile3" on a chip that runs alone, "chip2.tile3"
    // in a system of chips.
    const sc_core::sc_object* top = this;
    while (top->get_parent_object()) top = top->get_parent_object();
    const sc_core::sc_object* owner = get_parent_object() ? get_parent_object() : this;
    const std::string tile = owner == top ? std::string(owner->basename()) : name_below(*top, *owner);
    const unsigned pid = tracer.process_id(tile);
    dma_.attach_tracer(tracer, tile, pid, "DMA", 1);
    matrix_.attach_tracer(tracer, tile, pid, "MATRIX", 2);
    vector_.attach_tracer(tracer, tile, pid, "VECTOR", 3);
}

power::Activity Npu::activity() const {
    power::Activity a;
    a.int8_macs = matrix_.int8_macs();
    a.bf16_macs = matrix_.bf16_macs();
    a.vector_elements = vector_.elements();
    a.dma_bytes = dma_.bytes();
    // The vector unit reads and writes about three FP32 words per element; the DMA writes what it moves locally.
    a.sram_bytes = matrix_.sram_bytes() + 12 * a.vector_elements + a.dma_bytes;
    return a;
}

uint32_t Npu::busy_mask() const {
    uint32_t mask = 0;
    for (const auto& queue : queues_) if (queue.busy()) mask |= 1u << queue.id();
    return mask;
}

void Npu::fence(uint32_t queue_mask) {
    for (;;) {
        bool holds_work = false;
        sc_core::sc_time completion = sc_core::SC_ZERO_TIME;
        for (const auto& queue : queues_) {
            if (!(queue_mask & (1u << queue.id()))) continue;
            holds_work = holds_work || queue.holds_work();
            completion = std::max(completion, queue.completion_time());
        }
        if (!holds_work) {
            // Everything issued; wait for the last results to land (a matmul draining out of the array).
            if (completion > sc_core::sc_time_stamp()) sc_core::wait(completion - sc_core::sc_time_stamp());
            return;
        }
        sc_core::wait(any_queue_changed_);
    }
}

core::CoprocessorStatus Npu::issue(uint32_t instruction, uint32_t rs1, uint32_t rs2, uint32_t rs3, uint32_t& rd,
                                   uint32_t pc) {
    const isa::InstructionInfo* info = isa::decode(instruction);
    if (!info) return core::CoprocessorStatus::Illegal;
    ++issued_;
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const uint64_t period = clock_.period().value();
    auto stalled_cycles = [&] { return (sc_core::sc_time_stamp() - start).value() / period; };
    switch (info->queue) {
        case isa::Queue::CORE:
            if (info->op == isa::Op::NpuFence) {
                core_waits_on_ = "npu.fence";
                fence(isa::unpack_fence(rs1, rs2, rs3).queue_mask);
                fence_stall_cycles_ += stalled_cycles();
            } else if (info->op == isa::Op::NpuBarrier) {
                core_waits_on_ = "npu.barrier";
                barrier_.arrive_and_wait();
                barrier_stall_cycles_ += stalled_cycles();
            } else if (info->op == isa::Op::NpuStatus) {
                rd = busy_mask();
            }
            core_waits_on_.clear();
            return core::CoprocessorStatus::Ok;
        default: break;
    }
    unsigned queue_id = static_cast<unsigned>(info->queue);
    if (info->queue == isa::Queue::Named) {
        queue_id = rs1 & 3;  // the `queue` field of npu.signal / npu.wait
        if (queue_id >= isa::kQueueCount) {
            char text[128];
            std::snprintf(text, sizeof text, "tile %u: %s (pc 0x%08x) names queue %u; queues are 0 (DMA), 1 (MATRIX), 2 (VECTOR)",
                          tile_id_, info->mnemonic, pc, queue_id);
            fault_sink_(text);
            return core::CoprocessorStatus::Ok;
        }
    }
    InstructionQueue& queue = queues_[queue_id];
    if (queue.full()) {
        core_waits_on_ = std::string("a full ") + isa::queue_name(queue_id) + " queue";
        while (queue.full()) sc_core::wait(queue.changed());
        queue_full_stall_cycles_ += stalled_cycles();
        core_waits_on_.clear();
    }
    queue.push(NpuInstruction{info, rs1, rs2, rs3, pc});
    return core::CoprocessorStatus::Ok;
}

std::string Npu::describe_waits() const {
    std::string text;
    for (const auto& queue : queues_) {
        if (queue.waiting_on_flag >= 0) {
            text += std::string(text.empty() ? "" : "; ") + "tile " + std::to_string(tile_id_) + " " +
                    isa::queue_name(queue.id()) + " queue waits on flag " + std::to_string(queue.waiting_on_flag) +
                    " (value 0, and no queue will signal it)";
        }
    }
    if (!core_waits_on_.empty()) {
        text += std::string(text.empty() ? "" : "; ") + "tile " + std::to_string(tile_id_) + " core waits on " +
                core_waits_on_;
    }
    return text;
}

}  // namespace npuemu::npu
