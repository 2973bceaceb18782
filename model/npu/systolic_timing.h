// The timing of the weight-stationary systolic array, in cycles, with no SystemC: the matrix unit uses it, and the
// RTL cross-check (rtl/, build/bin/npuemu-rtlcheck) compares the verilated array against it instruction by
// instruction, cycle for cycle.
//   load_weights(k): the k weight rows shift in, one per cycle: [begin, begin + k). It begins when the previous load
//     has finished and the matmul before it (in program order) has begun. Loads go to shadow weights, so a load
//     overlaps the stream of the matmul before it; it cannot begin before that matmul, which still has to take the
//     previous load's weights out of the shadow registers (the swap runs through the array with the matmul's first
//     activations, and the new weights shift down the columns right behind it).
//   matmul(m, k, n): the stream begins when the array has taken the previous stream and its weights are in;
//     activation row i enters at begin + i (skewed across the k rows), so the array is busy streaming for
//     m cycles; result (i, j) leaves the bottom of column j at begin + i + j + k - 1 and is written one cycle
//     later, so the last result is written at begin + m + k + n - 2: the latency is m + k + n - 1 cycles
//     (fill k - 1 + stream m + drain n - 1 + write 1).
//     Each column writes one result per cycle, and results leave at row k - 1: a matmul with a smaller k than the one
//     before it would have its first results leave while the previous one's last results are still in the rows
//     below. So a matmul also begins no earlier than (previous stream end + previous k - k): its first result
//     is written in column j one cycle after the previous matmul's last one. With k equal or growing, this is no
//     constraint.
// `earliest` carries outside constraints (the instruction's arrival, memory bank stalls); `stream_cycles` may exceed
// m when the scratchpad cannot deliver a row per cycle.
#pragma once

#include <algorithm>
#include <cstdint>

namespace npuemu::npu {

class SystolicTiming {
public:
    struct Load {
        uint64_t begin, ready;  // the weights are usable from `ready` on
    };
    struct Matmul {
        uint64_t begin;       // first activation row enters
        uint64_t stream_end;  // the array can take the next stream
        uint64_t completion;  // the last result is in the accumulator (exclusive: begin + latency)
    };

    Load load_weights(uint64_t earliest, uint32_t k) {
        const uint64_t begin = std::max(earliest, load_earliest());
        weights_ready_ = begin + k;
        return {begin, weights_ready_};
    }

    Matmul matmul(uint64_t earliest, uint32_t m, uint32_t k, uint32_t n, uint64_t stream_cycles = 0) {
        const uint64_t begin = std::max(earliest, matmul_earliest(k));
        const uint64_t stream = std::max<uint64_t>(m, stream_cycles);
        stream_free_ = begin + stream;
        results_free_ = stream_free_ + k;
        matmul_begin_ = begin;
        return {begin, stream_free_, begin + stream + k + n - 1};
    }

    // The first cycle a load, or a matmul using k weight rows, could begin at, given the instructions before it.
    uint64_t load_earliest() const { return std::max(weights_ready_, matmul_begin_); }
    uint64_t matmul_earliest(uint32_t k) const {
        return std::max({stream_free_, weights_ready_, results_free_ > k ? results_free_ - k : 0});
    }

    // The clock's period changed: keep the stamps at the same times, in the new cycles (rounded up).
    void rescale(uint64_t old_period_ps, uint64_t new_period_ps) {
        auto convert = [&](uint64_t stamp) { return (stamp * old_period_ps + new_period_ps - 1) / new_period_ps; };
        weights_ready_ = convert(weights_ready_);
        stream_free_ = convert(stream_free_);
        results_free_ = convert(results_free_);
        matmul_begin_ = convert(matmul_begin_);
    }
    static uint64_t matmul_latency(uint32_t m, uint32_t k, uint32_t n) { return uint64_t(m) + k + n - 1; }
    uint64_t weights_ready() const { return weights_ready_; }
    uint64_t stream_free() const { return stream_free_; }

private:
    uint64_t weights_ready_ = 0;  // the newest load's weights are in
    uint64_t stream_free_ = 0;    // the previous stream has entered
    uint64_t results_free_ = 0;   // previous stream end + its k: begin + k must reach it
    uint64_t matmul_begin_ = 0;   // the previous matmul began
};

}  // namespace npuemu::npu
