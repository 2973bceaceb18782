#include "model/npu/dma_engine.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include "model/common/format.h"
#include "model/npu/dma_transpose.h"

namespace npuemu::npu {

DmaEngine::DmaEngine(sc_core::sc_module_name name, uint32_t tile_id, const DmaConfig& config, const TileClock& clock,
                     InstructionQueue& queue, Semaphores& semaphores, FaultSink fault_sink,
                     std::vector<BankedMemory*> local_memories, mem::TimedMemoryPort* port)
    : QueueUnit(name, tile_id, clock, queue, semaphores, std::move(fault_sink)),
      socket("socket"),
      config_(config),
      local_memories_(std::move(local_memories)),
      port_(port),
      ring_(std::max<uint32_t>(config.max_outstanding_bursts, 1)),
      ring_slots_(ring_.size()),
      burst_bytes_(config.burst_bytes),
      bytes_per_cycle_(config.bandwidth_bytes_per_cycle) {
    stats_.counter("bytes", bytes_, StatUnit::Bytes, "bytes copied");
    stats_.counter("copies", copies_, StatUnit::Count, "dma.copy instructions");
    stats_.counter("bursts", bursts_, StatUnit::Count, "bursts");
    stats_.counter("remote_bytes", remote_bytes_, StatUnit::Bytes,
                   "bytes of bursts that crossed the mesh (global memory, other tiles)");
    stats_.counter("credit_stall_cycles", credit_stall_cycles_, StatUnit::Cycles,
                   "cycles the engine waited because max_outstanding_bursts were in flight");
}

uint8_t* DmaEngine::host_pointer(uint64_t addr, uint64_t bytes) {
    const uint64_t last = addr + bytes - 1;
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

BankedMemory* DmaEngine::local_memory(uint64_t addr) const {
    if (addr >= mem::TimedMemoryPort::kChipWindowBytes) return nullptr;  // on another chip
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
            transpose_bytes_ = args.transpose;
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
        case isa::Op::DmaChips: {
            const auto args = isa::unpack_dma_chips(instruction.rs1, instruction.rs2, instruction.rs3);
            src_chip_ = args.src_chip;
            dst_chip_ = args.dst_chip;
            return;
        }
        case isa::Op::DmaTag: {
            const auto args = isa::unpack_dma_tag(instruction.rs1, instruction.rs2, instruction.rs3);
            tag_collective_ = args.collective;
            tag_step_ = args.step;
            return;
        }
        case isa::Op::DmaCopy: copy(instruction, completion); return;
        default: fail(instruction, "not a DMA instruction");
    }
}

namespace {

// An address as the user wrote it: on this chip, or "0x... on chip c" for another chip's window.
std::string describe_address(uint64_t address) {
    if (address < mem::TimedMemoryPort::kChipWindowBytes) return hex(address);
    return hex(address % mem::TimedMemoryPort::kChipWindowBytes) + " on chip " +
           std::to_string(address / mem::TimedMemoryPort::kChipWindowBytes - 1);
}

// The first edge of a clock with this period and an edge at edge_ps that is not before time_ps.
uint64_t align_to_clock(uint64_t time_ps, uint64_t edge_ps, uint64_t period_ps) {
    if (time_ps <= edge_ps) return time_ps;
    return edge_ps + (time_ps - edge_ps + period_ps - 1) / period_ps * period_ps;
}

}  // namespace

bool DmaEngine::chip_base(const NpuInstruction& instruction, uint32_t chip, uint64_t& base) {
    base = 0;
    const uint32_t count = port_ ? port_->chip_count() : 1;
    const uint32_t self = port_ ? port_->chip_id() : 0;
    if (chip == kThisChip || chip == self) return true;
    if (chip >= count) {
        fail(instruction, "chip " + std::to_string(chip) + " (set by dma.chips) does not exist: the system has " +
                              std::to_string(count) + " chip(s)");
        return false;
    }
    base = (uint64_t(chip) + 1) * mem::TimedMemoryPort::kChipWindowBytes;
    return true;
}

std::string DmaEngine::doorbell_problem(const SignalToken& token) const {
    if (!port_) return "a doorbell needs the chip's memory system (this DMA engine has none)";
    return port_->doorbell_problem(token.chip == kThisChip ? port_->chip_id() : token.chip, token.tile);
}

void DmaEngine::ring_doorbell(sc_core::sc_time due, const SignalToken& token) {
    port_->send_doorbell(due.value() + clock_.period().value() * config_.latency_cycles,
                         token.chip == kThisChip ? port_->chip_id() : token.chip, token.tile, token.flag,
                         token.collective, token.step);
}

void DmaEngine::copy(const NpuInstruction& instruction, sc_core::sc_time& completion) {
    const auto args = isa::unpack_dma_copy(instruction.rs1, instruction.rs2, instruction.rs3);
    if (row_bytes_ == 0) {
        fail(instruction, "the row size is 0 (dma.shape must come first)");
        return;
    }
    uint64_t src_base = 0, dst_base = 0;
    if (!chip_base(instruction, src_chip_, src_base) || !chip_base(instruction, dst_chip_, dst_base)) return;
    const bool transposed = transpose_bytes_ != 0;
    if (transposed && (!transpose_element_supported(transpose_bytes_) || row_bytes_ % transpose_bytes_ != 0)) {
        fail(instruction, transpose_element_supported(transpose_bytes_)
                              ? "a transposing copy's row of " + std::to_string(row_bytes_) +
                                    " bytes is not a whole number of " + std::to_string(transpose_bytes_) +
                                    "-byte elements"
                              : "dma.shape's transpose field is " + std::to_string(transpose_bytes_) +
                                    " (1 and 2: element bytes; 0: a plain copy)");
        return;
    }
    // A transposed block's destination rows are the source's columns, each holding one element of every row.
    const uint64_t dst_rows = transposed ? row_bytes_ / transpose_bytes_ : rows_;
    const uint64_t dst_row_bytes = transposed ? uint64_t(rows_) * transpose_bytes_ : row_bytes_;
    const uint64_t src_row_stride = src_row_stride_ ? src_row_stride_ : row_bytes_;
    const uint64_t dst_row_stride = dst_row_stride_ ? dst_row_stride_ : dst_row_bytes;
    const uint64_t src_plane_stride = src_plane_stride_ ? src_plane_stride_ : src_row_stride * rows_;
    const uint64_t dst_plane_stride = dst_plane_stride_ ? dst_plane_stride_ : dst_row_stride * dst_rows;
    if (transposed && (dst_chip_ != kThisChip || !local_memory(args.dst))) {
        fail(instruction, "a transposing copy's destination " + describe_address(dst_base + args.dst) +
                              " is not this tile's scratchpad or accumulator (the transposer writes the local banks)");
        return;
    }
    if (transposed && !move_transposed(instruction, src_base + args.src, src_row_stride, src_plane_stride, args.dst,
                                       dst_row_stride, dst_plane_stride)) {
        return;
    }
    // Addresses on their chip, then as the engine reaches them (another chip's in its window).
    auto local_src_of = [&](uint32_t p, uint32_t r) { return args.src + p * src_plane_stride + r * src_row_stride; };
    auto local_dst_of = [&](uint32_t p, uint32_t r) { return args.dst + p * dst_plane_stride + r * dst_row_stride; };
    auto src_of = [&](uint32_t p, uint32_t r) { return src_base + local_src_of(p, r); };
    auto dst_of = [&](uint32_t p, uint32_t r) { return dst_base + local_dst_of(p, r); };
    // The data moves now (not in timing-only mode, which checks the rows all the same); what follows is when it lands.
    bool any_remote = false;
    for (uint32_t p = 0; p < planes_ && !transposed; ++p) {
        for (uint32_t r = 0; r < rows_; ++r) {
            const uint64_t src = src_of(p, r), dst = dst_of(p, r);
            uint8_t* from = local_src_of(p, r) + row_bytes_ <= mem::TimedMemoryPort::kChipWindowBytes
                                ? host_pointer(src, row_bytes_)
                                : nullptr;
            uint8_t* to = local_dst_of(p, r) + row_bytes_ <= mem::TimedMemoryPort::kChipWindowBytes
                              ? host_pointer(dst, row_bytes_)
                              : nullptr;
            if (!from || !to) {
                fail(instruction,
                     "row " + std::to_string(r) + " of plane " + std::to_string(p) + " (" + std::to_string(row_bytes_) +
                         " bytes from " + describe_address(src) + " to " + describe_address(dst) +
                         ") is not inside one memory: " + (from ? "destination" : "source") + " unmapped or a device" +
                         (src_base || dst_base ? " (another chip's tiles are reached through its tile "
                                                 "windows, not the local window)"
                                               : ""));
                return;
            }
            if (compute_values_) std::memmove(to, from, row_bytes_);
            any_remote =
                any_remote || (port_ && (port_->is_remote(src, row_bytes_) || port_->is_remote(dst, row_bytes_)));
        }
    }
    if (transposed) {
        for (uint32_t p = 0; p < planes_; ++p) {
            for (uint32_t r = 0; r < rows_; ++r)
                any_remote = any_remote || (port_ && port_->is_remote(src_of(p, r), row_bytes_));
        }
    }
    const uint64_t total_bytes = row_bytes_ * rows_ * planes_;
    // The local side's banks: wait for them, and they may be slower than the engine. The channel takes a copy once
    // the previous one has left it; bursts stay in flight, so copies stream back to back.
    const sc_core::sc_time now = std::max(sc_core::sc_time_stamp(), channel_free_);
    sc_core::sc_time begin = now;
    uint64_t bank_cycles = 0;
    auto reserve_local = [&](uint64_t addr, uint64_t plane_stride, uint64_t row_stride, uint64_t rows,
                             uint64_t row_bytes) {
        if (BankedMemory* memory = local_memory(addr)) {
            const uint64_t span = std::min<uint64_t>((planes_ - 1) * plane_stride + (rows - 1) * row_stride + row_bytes,
                                                     memory->size_bytes() - (addr - memory->local_base()));
            auto res = memory->reserve(addr, span, total_bytes, now, clock_.period());
            begin = std::max(begin, res.begin);
            bank_cycles = std::max(bank_cycles, res.busy_cycles);
        }
    };
    reserve_local(src_base + args.src, src_plane_stride, src_row_stride, rows_, row_bytes_);
    reserve_local(dst_base + args.dst, dst_plane_stride, dst_row_stride, dst_rows, dst_row_bytes);
    if (now > sc_core::sc_time_stamp()) wait(now - sc_core::sc_time_stamp());
    wait_for_banks(begin);

    const uint64_t period_ps = clock_.period().value();
    const uint64_t begin_ps = sc_core::sc_time_stamp().value();
    const uint64_t latency_ps = period_ps * config_.latency_cycles;
    if (tracer_) trace_busy_edge(begin_ps, true);
    CopyInFlight* in_flight = nullptr;
    if (any_remote) {
        copies_in_flight_.push_back(CopyInFlight{});
        in_flight = &copies_in_flight_.back();
        in_flight->ticket = begin_async();
    }
    const uint64_t ticket = in_flight ? in_flight->ticket : 0;
    uint64_t slot_ps = begin_ps;
    uint64_t latest_local_ps = begin_ps;
    // Rows that continue each other on the remote side (a dense block) form one segment, cut into bursts as one
    // stream, as an engine walking the addresses would. Segments are made as they are issued: a shape of up to
    // 65535 x 65535 rows must not need a plan in host memory.
    struct Segment {
        uint64_t src, dst, bytes;
        bool src_remote, dst_remote;
    };
    auto issue = [&](const Segment& row) {
        // Bursts end at burst_bytes boundaries of the remote address (bursts do not straddle them, as AXI's do not
        // cross 4 KiB), a local copy's at the row's.
        const uint64_t remote = row.src_remote ? row.src : row.dst_remote ? row.dst : 0;
        for (uint64_t done = 0, bytes = 0; done < row.bytes; done += bytes) {
            const uint64_t to_boundary = config_.burst_bytes - burst_bytes_.remainder(remote + done);
            bytes = std::min<uint64_t>(to_boundary, row.bytes - done);
            const uint64_t slot_cycles = bytes_per_cycle_.quotient(bytes + config_.bandwidth_bytes_per_cycle - 1);
            const uint64_t sequence = next_burst_++;
            Burst& burst = slot_of(sequence);
            if (burst.sequence != kUnknown) {
                // The slot's previous burst must have landed: at most ring_.size() bursts in flight.
                const uint64_t credit_ps = wait_for_landing(burst.sequence);
                if (credit_ps > slot_ps) {
                    // The engine sees the credit at its next clock edge (landings come on other clocks: HBM, mesh).
                    const uint64_t aligned_ps = align_to_clock(credit_ps, begin_ps, period_ps);
                    credit_stall_cycles_ += (aligned_ps - slot_ps) / period_ps;
                    slot_ps = aligned_ps;
                }
            }
            slot_ps =
                std::max<uint64_t>(slot_ps, align_to_clock(simcontext()->time_stamp().value(), begin_ps, period_ps));
            const uint64_t issue_ps = slot_ps + latency_ps;
            burst = Burst{};
            burst.sequence = sequence;
            burst.copy = ticket;
            ++bursts_;
            if (!row.src_remote && !row.dst_remote) {
                burst.landed_ps = issue_ps + slot_cycles * period_ps;
                latest_local_ps = std::max(latest_local_ps, burst.landed_ps);
            } else {
                ++in_flight->outstanding;
                remote_bytes_ += bytes;
                if (row.src_remote) {
                    burst.write_leg_pending = row.dst_remote;
                    burst.write_address = row.dst + done;
                    burst.bytes = static_cast<uint32_t>(bytes);
                    port_->start(mem::TimedAccess{row.src + done, static_cast<uint32_t>(bytes), false, issue_ps,
                                                  mem::Requester::Dma},
                                 *this, sequence);
                } else {
                    port_->start(mem::TimedAccess{row.dst + done, static_cast<uint32_t>(bytes), true, issue_ps,
                                                  mem::Requester::Dma},
                                 *this, sequence);
                }
            }
            slot_ps += slot_cycles * period_ps;
        }
    };
    Segment segment{};
    bool have_segment = false;
    for (uint32_t p = 0; p < planes_; ++p) {
        for (uint32_t r = 0; r < rows_; ++r) {
            // A transposing copy streams its source rows; its destination is local (written by the transposer).
            const uint64_t src = src_of(p, r), dst = transposed ? dst_base + args.dst : dst_of(p, r);
            const bool src_remote = port_ && port_->is_remote(src, row_bytes_);
            const bool dst_remote = !transposed && port_ && port_->is_remote(dst, row_bytes_);
            if (have_segment && segment.src_remote == src_remote && segment.dst_remote == dst_remote &&
                (src_remote || dst_remote) && (!src_remote || segment.src + segment.bytes == src) &&
                (!dst_remote || segment.dst + segment.bytes == dst)) {
                segment.bytes += row_bytes_;
                continue;
            }
            if (have_segment) issue(segment);
            segment = Segment{src, dst, row_bytes_, src_remote, dst_remote};
            have_segment = true;
        }
    }
    if (have_segment) issue(segment);
    channel_free_ = sc_core::sc_time::from_value(slot_ps);
    busy_cycles_ += (slot_ps - begin_ps) / period_ps;
    if (tracer_) trace_busy_edge(slot_ps, false);
    bytes_ += total_bytes;
    ++copies_;
    // Data that leaves or enters the local banks cannot be done before they have moved it.
    const uint64_t floor_ps = std::max(latest_local_ps, begin_ps + (bank_cycles + config_.latency_cycles) * period_ps);
    CopyInFlight local;
    CopyInFlight& copy = in_flight ? *in_flight : local;
    copy.begin_ps = begin_ps;
    copy.channel_end_ps = slot_ps;
    copy.total_bytes = total_bytes;
    copy.src = src_base + args.src;
    copy.dst = dst_base + args.dst;
    if (src_base || dst_base) {
        const uint32_t self = port_ ? port_->chip_id() : 0;
        copy.between_chips = true;
        copy.src_chip = src_base ? static_cast<uint32_t>(src_base / mem::TimedMemoryPort::kChipWindowBytes - 1) : self;
        copy.dst_chip = dst_base ? static_cast<uint32_t>(dst_base / mem::TimedMemoryPort::kChipWindowBytes - 1) : self;
        copy.collective = tag_collective_;
        copy.step = tag_step_;
    }
    copy.rows = rows_;
    copy.planes = planes_;
    copy.latest_ps = std::max(copy.latest_ps, floor_ps);
    if (in_flight) {
        in_flight->all_issued = true;
        maybe_resolve(*in_flight);  // may release and drop it
        completion = sc_core::sc_time_stamp();
    } else {
        if (tracer_) trace_copy(copy);
        completion = sc_core::sc_time::from_value(copy.latest_ps);
    }
}

bool DmaEngine::move_transposed(const NpuInstruction& instruction, uint64_t src, uint64_t src_row_stride,
                                uint64_t src_plane_stride, uint64_t dst, uint64_t dst_row_stride,
                                uint64_t dst_plane_stride) {
    const uint32_t element_bytes = transpose_bytes_;
    const uint64_t cols = row_bytes_ / element_bytes, dst_row_bytes = uint64_t(rows_) * element_bytes;
    std::vector<const uint8_t*> from(rows_);
    std::vector<uint8_t*> to(cols);
    for (uint32_t p = 0; p < planes_; ++p) {
        for (uint32_t r = 0; r < rows_; ++r) {
            const uint64_t at = src + p * src_plane_stride + r * src_row_stride;
            from[r] = at % mem::TimedMemoryPort::kChipWindowBytes + row_bytes_ <= mem::TimedMemoryPort::kChipWindowBytes
                          ? host_pointer(at, row_bytes_)
                          : nullptr;
            if (!from[r]) {
                fail(instruction, "source row " + std::to_string(r) + " of plane " + std::to_string(p) + " (" +
                                      std::to_string(row_bytes_) + " bytes at " + describe_address(at) +
                                      ") of a transposing copy is not inside one memory");
                return false;
            }
        }
        for (uint64_t c = 0; c < cols; ++c) {
            const uint64_t at = dst + p * dst_plane_stride + c * dst_row_stride;
            BankedMemory* memory = local_memory(at);
            to[c] = memory && memory->contains(static_cast<uint32_t>(at), dst_row_bytes, 1, 0)
                        ? host_pointer(at, dst_row_bytes)
                        : nullptr;
            if (!to[c]) {
                fail(instruction, "destination row " + std::to_string(c) + " of plane " + std::to_string(p) + " (" +
                                      std::to_string(dst_row_bytes) + " bytes at " + hex(at) +
                                      ") of a transposing copy is not inside this tile's scratchpad or accumulator");
                return false;
            }
        }
        if (compute_values_) transpose_block(from, to, element_bytes, transpose_staging_);
    }
    return true;
}

uint64_t DmaEngine::wait_for_landing(uint64_t sequence) {
    const Burst& burst = slot_of(sequence);
    while (burst.landed_ps == kUnknown) {
        waiting_for_ = sequence;
        wait(landing_known_);
    }
    waiting_for_ = kUnknown;
    return burst.landed_ps;
}

void DmaEngine::access_done(uint64_t cookie, uint64_t landed_ps) {
    Burst& burst = slot_of(cookie);
    if (burst.write_leg_pending) {
        // The read leg has brought the data into the engine; now it goes out to its destination.
        burst.write_leg_pending = false;
        port_->start(mem::TimedAccess{burst.write_address, burst.bytes, true, landed_ps, mem::Requester::Dma}, *this,
                     cookie);
        return;
    }
    burst_landed(burst, landed_ps);
}

void DmaEngine::burst_landed(Burst& burst, uint64_t landed_ps) {
    burst.landed_ps = landed_ps;
    CopyInFlight& copy = copy_in_flight(burst.copy);
    --copy.outstanding;
    copy.latest_ps = std::max(copy.latest_ps, landed_ps);
    const uint64_t sequence = burst.sequence;
    maybe_resolve(copy);
    if (waiting_for_ == sequence) landing_known_.notify(sc_core::SC_ZERO_TIME);
}

DmaEngine::CopyInFlight& DmaEngine::copy_in_flight(uint64_t ticket) {
    return copies_in_flight_.at(ticket - copies_in_flight_.front().ticket);
}

void DmaEngine::maybe_resolve(CopyInFlight& copy) {
    if (copy.resolved || !copy.all_issued || copy.outstanding > 0) return;
    copy.resolved = true;
    if (tracer_) trace_copy(copy);
    if (copy.between_chips) {
        mem::FlowRecord flow;
        flow.src_chip = copy.src_chip;
        flow.dst_chip = copy.dst_chip;
        flow.tile = tile_id_;
        flow.bytes = copy.total_bytes;
        flow.issue_ps = copy.begin_ps;
        flow.done_ps = copy.latest_ps;
        flow.collective = copy.collective;
        flow.step = copy.step;
        port_->record_flow(flow);
    }
    finish_async(copy.ticket, sc_core::sc_time::from_value(copy.latest_ps));
    while (!copies_in_flight_.empty() && copies_in_flight_.front().resolved) copies_in_flight_.pop_front();
}

void DmaEngine::trace_copy(const CopyInFlight& copy) {
    trace_span("dma.copy", copy.begin_ps, copy.channel_end_ps,
               "{\"bytes\":" + std::to_string(copy.total_bytes) + ",\"src\":\"" + hex(copy.src) + "\",\"dst\":\"" +
                   hex(copy.dst) + "\",\"rows\":" + std::to_string(copy.rows) + ",\"planes\":" +
                   std::to_string(copy.planes) + ",\"landed_ps\":" + std::to_string(copy.latest_ps) + "}");
}

}  // namespace npuemu::npu
