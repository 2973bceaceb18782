#include "model/npu/vector_unit.h"

#include <algorithm>

namespace npuemu::npu {

VectorUnit::VectorUnit(sc_core::sc_module_name name, uint32_t tile_id, const VectorUnitConfig& config,
                       const TileClock& clock, InstructionQueue& queue, Semaphores& semaphores,
                       FaultSink fault_sink, std::vector<BankedMemory*> memories)
    : QueueUnit(name, tile_id, clock, queue, semaphores, std::move(fault_sink)),
      config_(config),
      memories_(std::move(memories)) {
    stats_.counter("elements", elements_, StatUnit::Count, "elements processed");
}

BankedMemory* VectorUnit::memory_for(uint32_t addr, const OperandExtent& extent, uint64_t stride) const {
    for (BankedMemory* memory : memories_) {
        if (memory->contains(addr, extent.row_bytes, extent.rows, stride)) return memory;
    }
    return nullptr;
}

void VectorUnit::execute(const NpuInstruction& instruction, sc_core::sc_time& completion) {
    const isa::Op op = instruction.info->op;
    if (op == isa::Op::VxShape) {
        const auto args = isa::unpack_vx_shape(instruction.rs1, instruction.rs2, instruction.rs3);
        shape_.cols = args.cols;
        shape_.rows = args.rows;
        shape_.in_dtype = args.in_dtype;
        shape_.out_dtype = args.out_dtype;
        shape_.shift = args.shift;
        shape_.zero_point = static_cast<int8_t>(args.zero_point);
        return;
    }
    if (op == isa::Op::VxStrides) {
        const auto args = isa::unpack_vx_strides(instruction.rs1, instruction.rs2, instruction.rs3);
        shape_.dst_stride = args.dst_stride;
        shape_.a_stride = args.a_stride;
        shape_.b_stride = args.b_stride;
        return;
    }
    if (shape_.rows == 0 || shape_.cols == 0) {
        fail(instruction, "the shape is empty (vx.shape must set rows and cols first)");
        return;
    }
    if (const char* error = vector_op_type_error(op, shape_); *error) {
        fail(instruction, std::string("with ") + isa::dtype_name(shape_.in_dtype) + " -> " +
                              isa::dtype_name(shape_.out_dtype) + ": " + error);
        return;
    }
    // Operands: dst in rs1, a in rs2, b (or a scalar) in rs3.
    const uint32_t dst = instruction.rs1, a = instruction.rs2, b = instruction.rs3;
    VectorShape shape = shape_;
    const OperandExtent dst_ext = dst_extent(op, shape), a_ext = a_extent(op, shape), b_ext = b_extent(op, shape);
    // A zero stride means densely packed rows.
    if (!shape.dst_stride) shape.dst_stride = dst_ext.row_bytes;
    if (!shape.a_stride) shape.a_stride = a_ext.row_bytes;
    if (!shape.b_stride) shape.b_stride = b_ext.row_bytes;
    BankedMemory* dst_memory = memory_for(dst, dst_ext, shape.dst_stride);
    BankedMemory* a_memory = memory_for(a, a_ext, shape.a_stride);
    BankedMemory* b_memory = b_ext.rows ? memory_for(b, b_ext, shape.b_stride) : nullptr;
    const char* missing = !dst_memory ? "the destination" : !a_memory ? "source a" : (b_ext.rows && !b_memory) ? "source b" : nullptr;
    if (missing) {
        fail(instruction, std::string(missing) + " is not inside the scratchpad or the accumulator (" +
                              std::to_string(shape.rows) + " x " + std::to_string(shape.cols) + " " +
                              isa::dtype_name(shape.in_dtype) + ")");
        return;
    }

    const uint64_t compute_cycles =
        (is_transcendental(op) ? config_.transcendental_latency_cycles : config_.pipeline_latency_cycles) +
        uint64_t(shape.rows) * ((shape.cols + config_.lanes - 1) / config_.lanes);
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    auto reserve = [&](BankedMemory* memory, uint32_t addr, const OperandExtent& ext, uint64_t stride) {
        return memory->reserve(addr, uint64_t(ext.rows - 1) * stride + ext.row_bytes, ext.rows * ext.row_bytes, now,
                               clock_.period());
    };
    auto a_res = reserve(a_memory, a, a_ext, shape.a_stride);
    sc_core::sc_time begin = a_res.begin;
    uint64_t bank_cycles = a_res.busy_cycles;
    if (b_memory) {
        auto b_res = reserve(b_memory, b, b_ext, shape.b_stride);
        begin = std::max(begin, b_res.begin);
        bank_cycles = std::max(bank_cycles, b_res.busy_cycles);
    }
    auto d_res = reserve(dst_memory, dst, dst_ext, shape.dst_stride);
    begin = std::max(begin, d_res.begin);
    bank_cycles = std::max(bank_cycles, d_res.busy_cycles);
    wait_for_banks(begin);

    if (compute_values_) {
        run_vector_op(op, shape, dst_memory->host(dst), a_memory->host(a), b_memory ? b_memory->host(b) : nullptr, b);
    }

    const uint64_t busy = std::max(compute_cycles, bank_cycles);
    if (tracer_) {
        const uint64_t start = sc_core::sc_time_stamp().value();
        trace_busy(start, start + cycles(busy).value());
        trace_span(instruction.info->mnemonic, start, start + cycles(busy).value(),
                   "{\"rows\":" + std::to_string(shape.rows) + ",\"cols\":" + std::to_string(shape.cols) + "}");
    }
    wait(cycles(busy));
    busy_cycles_ += busy;
    elements_ += uint64_t(shape.rows) * shape.cols;
    completion = sc_core::sc_time_stamp();
}

}  // namespace npuemu::npu
