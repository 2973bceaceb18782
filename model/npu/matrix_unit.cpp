#include "model/npu/matrix_unit.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

#include "model/npu/dtype_codes.h"
#include "model/npu/matmul_kernels.h"

namespace npuemu::npu {

MatrixUnit::MatrixUnit(sc_core::sc_module_name name, uint32_t tile_id, const MatrixUnitConfig& config,
                       const TileClock& clock, InstructionQueue& queue, Semaphores& semaphores, FaultSink fault_sink,
                       BankedMemory& scratchpad, BankedMemory& accumulator)
    : QueueUnit(name, tile_id, clock, queue, semaphores, std::move(fault_sink)),
      config_(config),
      scratchpad_(scratchpad),
      accumulator_(accumulator) {
    stats_.counter("macs", macs_, StatUnit::Count, "multiply-accumulates");
    stats_.counter("matmuls", matmuls_, StatUnit::Count, "mx.matmul instructions");
    stats_.counter("latency_cycles", latency_cycles_, StatUnit::Cycles,
                   "sum over matmuls of fill + stream + drain cycles");
    stats_.counter("weight_load_cycles", weight_load_cycles_, StatUnit::Cycles,
                   "cycles of weight preloads (in the background)");
    const uint64_t array_pes = uint64_t(config.rows) * config.cols;
    const uint64_t period_ps = clock.period().value();
    stats_.derived(
        "mac_utilization",
        [this, array_pes, period_ps] {
            const double elapsed = static_cast<double>(sc_core::sc_time_stamp().value() / period_ps);
            return elapsed > 0 ? static_cast<double>(macs_) / (elapsed * array_pes) : 0.0;
        },
        StatUnit::Ratio, "MACs / (array PEs x elapsed cycles)");
    // SystolicTiming keeps absolute cycle stamps: re-express them when DVFS changes the period.
    clock.on_change([this](sc_core::sc_time old_period, sc_core::sc_time new_period) {
        timing_.rescale(old_period.value(), new_period.value());
    });
}

void MatrixUnit::attach_tracer(trace::Tracer& tracer, const std::string& process, unsigned process_id,
                               const std::string& thread, unsigned thread_id) {
    QueueUnit::attach_tracer(tracer, process, process_id, thread, thread_id);
    weights_track_ = tracer.declare_track(process, process_id, thread + " weights", thread_id + 100);
}

void MatrixUnit::execute(const NpuInstruction& instruction, sc_core::sc_time& completion) {
    switch (instruction.info->op) {
        case isa::Op::MxConfig: configure(instruction); break;
        case isa::Op::MxLoadWeights:
            load_weights(instruction);
            completion = cycles(timing_.weights_ready());  // a fence waits for the background load too
            break;
        case isa::Op::MxMatmul: matmul(instruction, completion); break;
        default: fail(instruction, "not a matrix-unit instruction");
    }
}

void MatrixUnit::configure(const NpuInstruction& instruction) {
    const auto args = isa::unpack_mx_config(instruction.rs1, instruction.rs2, instruction.rs3);
    if (args.dtype != kInt8 && args.dtype != kBf16) {
        fail(instruction, std::string("the matrix unit takes INT8 or BF16 inputs, not ") + isa::dtype_name(args.dtype));
        return;
    }
    dtype_ = args.dtype;
    act_stride_ = args.act_stride;
    acc_stride_ = args.acc_stride;
}

void MatrixUnit::load_weights(const NpuInstruction& instruction) {
    const auto args = isa::unpack_mx_load_weights(instruction.rs1, instruction.rs2, instruction.rs3);
    const unsigned elem = isa::dtype_bytes(dtype_);
    if (args.k == 0 || args.k > config_.rows || args.n == 0 || args.n > config_.cols) {
        fail(instruction, "weight block " + std::to_string(args.k) + " x " + std::to_string(args.n) +
                              " does not fit the " + std::to_string(config_.rows) + " x " +
                              std::to_string(config_.cols) + " array (k from 1 to rows, n from 1 to cols)");
        return;
    }
    // As stored: k rows of n elements, or (transposed) n rows of k elements.
    const uint32_t stored_rows = args.transpose ? args.n : args.k;
    const uint64_t stored_row_bytes = uint64_t(args.transpose ? args.k : args.n) * elem;
    if (!scratchpad_.contains(args.weights, stored_row_bytes, stored_rows, args.stride)) {
        char address[16];
        std::snprintf(address, sizeof address, "%08x", args.weights);
        fail(instruction, "the weight block (" + std::to_string(stored_rows) + " rows of " +
                              std::to_string(stored_row_bytes) + " bytes, stride " + std::to_string(args.stride) +
                              ") at 0x" + address + " is not inside the scratchpad");
        return;
    }
    shadow_.k = args.k;
    shadow_.n = args.n;
    shadow_.dtype = dtype_;
    // Timing-only mode keeps no weight values (the block's shape and dtype are all the timing needs).
    shadow_.values.assign(compute_values_ ? uint64_t(args.k) * args.n * elem : 0, 0);
    const uint8_t* base = scratchpad_.host(args.weights);
    for (uint32_t kk = 0; compute_values_ && kk < args.k; ++kk) {
        uint8_t* row = &shadow_.values[uint64_t(kk) * args.n * elem];
        if (!args.transpose) {
            std::memcpy(row, base + kk * args.stride, stored_row_bytes);  // a stored row is a row of the block
            continue;
        }
        for (uint32_t j = 0; j < args.n; ++j)
            std::memcpy(row + uint64_t(j) * elem, base + j * args.stride + uint64_t(kk) * elem, elem);
    }
    // The weight path loads in the background, after the previous load; the scratchpad banks may hold it back.
    const uint64_t now = now_cycles();
    const sc_core::sc_time earliest = cycles(std::max(now, timing_.load_earliest()));
    const uint64_t span = uint64_t(stored_rows - 1) * args.stride + stored_row_bytes;
    const auto banks =
        scratchpad_.reserve(args.weights, span, uint64_t(args.k) * args.n * elem, earliest, clock_.period());
    const auto load = timing_.load_weights(to_cycles(banks.begin), std::max<uint32_t>(args.k, banks.busy_cycles));
    weight_load_cycles_ += load.ready - load.begin;
    sram_bytes_ += uint64_t(args.k) * args.n * elem;
    if (tracer_) {
        tracer_->span(weights_track_, "mx.load_weights", cycles(load.begin).value(), cycles(load.ready).value(),
                      "{\"k\":" + std::to_string(args.k) + ",\"n\":" + std::to_string(args.n) +
                          ",\"transpose\":" + std::to_string(args.transpose) + "}");
    }
    shadow_pending_ = true;
}

void MatrixUnit::matmul(const NpuInstruction& instruction, sc_core::sc_time& completion) {
    const auto args = isa::unpack_mx_matmul(instruction.rs1, instruction.rs2, instruction.rs3);
    if (!shadow_pending_ && active_.k == 0) {
        fail(instruction, "no weights loaded (mx.load_weights must come first)");
        return;
    }
    const WeightBlock& weights = shadow_pending_ ? shadow_ : active_;
    if (weights.dtype != dtype_) {
        fail(instruction, "the weights were loaded as " + std::string(isa::dtype_name(weights.dtype)) +
                              " but mx.config now says " + isa::dtype_name(dtype_));
        return;
    }
    if (args.m == 0) {
        fail(instruction, "m must be at least 1");
        return;
    }
    const unsigned elem = isa::dtype_bytes(dtype_);
    const uint64_t act_row_bytes = uint64_t(weights.k) * elem;
    const uint64_t acc_row_bytes = uint64_t(weights.n) * 4;
    const uint64_t act_stride = act_stride_ ? act_stride_ : act_row_bytes;
    const uint64_t acc_stride = acc_stride_ ? acc_stride_ : acc_row_bytes;
    if (!scratchpad_.contains(args.act, act_row_bytes, args.m, act_stride)) {
        fail(instruction, "the activations (" + std::to_string(args.m) + " rows of " + std::to_string(act_row_bytes) +
                              " bytes) are not inside the scratchpad");
        return;
    }
    if (!accumulator_.contains(args.acc, acc_row_bytes, args.m, acc_stride)) {
        fail(instruction, "the results (" + std::to_string(args.m) + " rows of " + std::to_string(acc_row_bytes) +
                              " bytes) are not inside the accumulator");
        return;
    }
    if (shadow_pending_) {
        // The shadow block becomes the active one; its buffers serve the next load (no copy, no allocation).
        std::swap(active_, shadow_);
        shadow_pending_ = false;
        if (compute_values_ && dtype_ == kInt8)
            active_.packed.load_int8(reinterpret_cast<const int8_t*>(active_.values.data()), active_.k, active_.n);
        else if (compute_values_)
            active_.packed.load_bf16(reinterpret_cast<const uint16_t*>(active_.values.data()), active_.k, active_.n);
    }
    const uint64_t earliest = std::max(now_cycles(), timing_.matmul_earliest(active_.k));
    // Activations stream out of the scratchpad during the stream; results go into the accumulator as they drain.
    const auto act_banks = scratchpad_.reserve(args.act, uint64_t(args.m - 1) * act_stride + act_row_bytes,
                                               args.m * act_row_bytes, cycles(earliest), clock_.period());
    const auto acc_banks = accumulator_.reserve(args.acc, uint64_t(args.m - 1) * acc_stride + acc_row_bytes,
                                                args.m * acc_row_bytes, act_banks.begin, clock_.period());
    const uint64_t bank_begin = to_cycles(std::max(act_banks.begin, acc_banks.begin));
    const uint64_t stream_cycles = std::max<uint64_t>(act_banks.busy_cycles, acc_banks.busy_cycles);
    const SystolicTiming::Matmul timing = timing_.matmul(bank_begin, args.m, active_.k, active_.n, stream_cycles);
    if (timing.begin > earliest) bank_stall_cycles_ += timing.begin - earliest;
    if (cycles(timing.begin) > sc_core::sc_time_stamp()) wait(cycles(timing.begin) - sc_core::sc_time_stamp());

    MatmulShape shape;
    shape.m = args.m;
    shape.k = active_.k;
    shape.n = active_.n;
    shape.act_stride_bytes = act_stride;
    shape.acc_stride_bytes = acc_stride;
    shape.accumulate = args.accumulate;
    if (!compute_values_) {
        // Timing-only mode: the accumulator keeps what it held.
    } else if (dtype_ == kInt8) {
        matmul_int8(scratchpad_.host(args.act), active_.packed, accumulator_.host(args.acc), shape);
    } else {
        matmul_bf16(scratchpad_.host(args.act), active_.packed, accumulator_.host(args.acc), shape);
    }

    completion = cycles(timing.completion);
    if (tracer_) {
        trace_busy(cycles(timing.begin).value(), cycles(timing.stream_end).value());
        trace_span("mx.matmul", cycles(timing.begin).value(), cycles(timing.stream_end).value(),
                   "{\"m\":" + std::to_string(args.m) + ",\"k\":" + std::to_string(active_.k) +
                       ",\"n\":" + std::to_string(active_.n) + ",\"accumulate\":" + std::to_string(args.accumulate) +
                       ",\"latency_cycles\":" + std::to_string(timing.completion - timing.begin) + "}");
    }
    busy_cycles_ += timing.stream_end - timing.begin;
    latency_cycles_ += timing.completion - timing.begin;
    macs_ += uint64_t(args.m) * active_.k * active_.n;
    if (dtype_ == kInt8) int8_macs_ += uint64_t(args.m) * active_.k * active_.n;
    sram_bytes_ += uint64_t(args.m) * (act_row_bytes + acc_row_bytes * (args.accumulate ? 2 : 1));
    ++matmuls_;
}

}  // namespace npuemu::npu
