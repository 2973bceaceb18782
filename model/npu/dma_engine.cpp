#include "model/npu/dma_engine.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace npuemu::npu {

namespace {
std::string hex(uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%08llx", static_cast<unsigned long long>(value));
    return text;
}
}  // namespace

DmaEngine::DmaEngine(sc_core::sc_module_name name, uint32_t tile_id, const config::DmaConfig& config,
                     const TileClock& clock, InstructionQueue& queue, Semaphores& semaphores,
                     FaultSink fault_sink, std::vector<BankedMemory*> local_memories)
    : QueueUnit(name, tile_id, clock, queue, semaphores, std::move(fault_sink)),
      socket("socket"),
      config_(config),
      local_memories_(std::move(local_memories)) {}

uint8_t* DmaEngine::host_pointer(uint32_t addr, uint64_t bytes) {
    const uint64_t last = uint64_t(addr) + bytes - 1;
    for (const Window& w : windows_) {
        if (addr >= w.base && last <= w.last) return w.host + (addr - w.base);
    }
    tlm::tlm_generic_payload trans;
    tlm::tlm_dmi dmi;
    trans.set_address(addr);
    trans.set_command(tlm::TLM_WRITE_COMMAND);
    if (!socket->get_direct_mem_ptr(trans, dmi) || !dmi.is_read_write_allowed()) return nullptr;
    Window w{dmi.get_start_address(), dmi.get_end_address(), dmi.get_dmi_ptr()};
    if (addr < w.base || last > w.last) return nullptr;
    windows_.push_back(w);
    return w.host + (addr - w.base);
}

BankedMemory* DmaEngine::local_memory(uint32_t addr) const {
    for (BankedMemory* memory : local_memories_) {
        if (memory->contains(addr, 1, 1, 0)) return memory;
    }
    return nullptr;
}

void DmaEngine::execute(const NpuInstruction& instruction, sc_core::sc_time& completion) {
    switch (instruction.info->op) {
        case isa::Op::DmaShape: {
            const auto args = isa::unpack_dma_shape(instruction.rs1, instruction.rs2, instruction.rs3);
            row_bytes_ = args.row_bytes;
            rows_ = std::max<uint32_t>(args.rows, 1);
            planes_ = std::max<uint32_t>(args.planes, 1);
            return;
        }
        case isa::Op::DmaSrcStride: {
            const auto args = isa::unpack_dma_src_stride(instruction.rs1, instruction.rs2, instruction.rs3);
            src_row_stride_ = args.row_stride;
            src_plane_stride_ = args.plane_stride;
            return;
        }
        case isa::Op::DmaDstStride: {
            const auto args = isa::unpack_dma_dst_stride(instruction.rs1, instruction.rs2, instruction.rs3);
            dst_row_stride_ = args.row_stride;
            dst_plane_stride_ = args.plane_stride;
            return;
        }
        case isa::Op::DmaCopy: copy(instruction, completion); return;
        default: fail(instruction, "not a DMA instruction");
    }
}

void DmaEngine::copy(const NpuInstruction& instruction, sc_core::sc_time& completion) {
    const auto args = isa::unpack_dma_copy(instruction.rs1, instruction.rs2, instruction.rs3);
    if (row_bytes_ == 0) {
        fail(instruction, "the row size is 0 (dma.shape must come first)");
        return;
    }
    const uint64_t src_row_stride = src_row_stride_ ? src_row_stride_ : row_bytes_;
    const uint64_t dst_row_stride = dst_row_stride_ ? dst_row_stride_ : row_bytes_;
    const uint64_t src_plane_stride = src_plane_stride_ ? src_plane_stride_ : src_row_stride * rows_;
    const uint64_t dst_plane_stride = dst_plane_stride_ ? dst_plane_stride_ : dst_row_stride * rows_;
    uint64_t transfer_cycles = 0;
    for (uint32_t p = 0; p < planes_; ++p) {
        for (uint32_t r = 0; r < rows_; ++r) {
            const uint64_t src = args.src + p * src_plane_stride + r * src_row_stride;
            const uint64_t dst = args.dst + p * dst_plane_stride + r * dst_row_stride;
            uint8_t* from = src + row_bytes_ <= 0x100000000ull ? host_pointer(static_cast<uint32_t>(src), row_bytes_) : nullptr;
            uint8_t* to = dst + row_bytes_ <= 0x100000000ull ? host_pointer(static_cast<uint32_t>(dst), row_bytes_) : nullptr;
            if (!from || !to) {
                fail(instruction, "row " + std::to_string(r) + " of plane " + std::to_string(p) + " (" +
                                      std::to_string(row_bytes_) + " bytes from " + hex(src) + " to " + hex(dst) +
                                      ") is not inside one memory: " + (from ? "destination" : "source") +
                                      " unmapped or a device");
                return;
            }
            std::memmove(to, from, row_bytes_);
            for (uint64_t done = 0; done < row_bytes_; done += config_.burst_bytes) {
                const uint64_t burst = std::min<uint64_t>(config_.burst_bytes, row_bytes_ - done);
                transfer_cycles += (burst + config_.bandwidth_bytes_per_cycle - 1) / config_.bandwidth_bytes_per_cycle;
                ++bursts_;
            }
        }
    }
    const uint64_t total_bytes = row_bytes_ * rows_ * planes_;
    // The local side's banks: wait for them, and they may be slower than the DMA.
    // The channel takes a copy once the previous one has left it; requests stay in flight, so the latency of one
    // copy overlaps the transfer of the next and back-to-back copies run at the bandwidth.
    const sc_core::sc_time now = std::max(sc_core::sc_time_stamp(), channel_free_);
    sc_core::sc_time begin = now;
    uint64_t bank_cycles = 0;
    auto reserve_local = [&](uint32_t addr, uint64_t plane_stride, uint64_t row_stride) {
        if (BankedMemory* memory = local_memory(addr)) {
            const uint64_t span = std::min<uint64_t>((planes_ - 1) * plane_stride + (rows_ - 1) * row_stride + row_bytes_,
                                                     memory->size_bytes() - (addr - memory->local_base()));
            auto res = memory->reserve(addr, span, total_bytes, now, clock_.period());
            begin = std::max(begin, res.begin);
            bank_cycles = std::max(bank_cycles, res.busy_cycles);
        }
    };
    reserve_local(args.src, src_plane_stride, src_row_stride);
    reserve_local(args.dst, dst_plane_stride, dst_row_stride);
    if (now > sc_core::sc_time_stamp()) wait(now - sc_core::sc_time_stamp());
    wait_for_banks(begin);
    const uint64_t busy = std::max(transfer_cycles, bank_cycles);
    if (tracer_) {
        const uint64_t start = sc_core::sc_time_stamp().value(), end = start + cycles(busy).value();
        trace_busy(start, end);
        trace_span("dma.copy", start, end,
                   "{\"bytes\":" + std::to_string(total_bytes) + ",\"src\":\"" + hex(args.src) + "\",\"dst\":\"" +
                       hex(args.dst) + "\",\"rows\":" + std::to_string(rows_) + ",\"planes\":" +
                       std::to_string(planes_) + ",\"landed_ps\":" +
                       std::to_string(end + cycles(config_.latency_cycles).value()) + "}");
    }
    channel_free_ = sc_core::sc_time_stamp() + cycles(busy);
    completion = channel_free_ + cycles(config_.latency_cycles);
    busy_cycles_ += busy;
    bytes_ += total_bytes;
    ++copies_;
}

}  // namespace npuemu::npu
