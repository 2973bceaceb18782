// The timing of the weight-stationary systolic array, in cycles, with no SystemC: the matrix unit uses it, and the
// RTL cross-check (rtl/) compares the verilated array against it instruction by instruction.
//   load_weights(k): the k weight rows shift in, one per cycle, after the previous load: [begin, begin + k).
//     Loads go to shadow weights, so a load overlaps the stream of the matmul before it.
//   matmul(m, k, n): the stream begins when the array has taken the previous stream and its weights are in;
//     activation row i enters at begin + i (skewed across the k rows), so the array is busy streaming for
//     m cycles; result (i, j) leaves the bottom of column j at begin + i + j + k - 1 and is written one cycle
//     later, so the last result is written at begin + m + k + n - 2: the latency is m + k + n - 1 cycles
//     (fill k - 1 + stream m + drain n - 1 + write 1).
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
        const uint64_t begin = std::max(earliest, weights_ready_);
        weights_ready_ = begin + k;
        return {begin, weights_ready_};
    }

    Matmul matmul(uint64_t earliest, uint32_t m, uint32_t k, uint32_t n, uint64_t stream_cycles = 0) {
        const uint64_t begin = std::max({earliest, stream_free_, weights_ready_});
        const uint64_t stream = std::max<uint64_t>(m, stream_cycles);
        stream_free_ = begin + stream;
        return {begin, stream_free_, begin + stream + k + n - 1};
    }

    // The clock's period changed: keep the stamps at the same times, in the new cycles (rounded up).
    void rescale(uint64_t old_period_ps, uint64_t new_period_ps) {
        auto convert = [&](uint64_t stamp) { return (stamp * old_period_ps + new_period_ps - 1) / new_period_ps; };
        weights_ready_ = convert(weights_ready_);
        stream_free_ = convert(stream_free_);
    }
    static uint64_t matmul_latency(uint32_t m, uint32_t k, uint32_t n) { return uint64_t(m) + k + n - 1; }
    uint64_t weights_ready() const { return weights_ready_; }
    uint64_t stream_free() const { return stream_free_; }

private:
    uint64_t weights_ready_ = 0;
    uint64_t stream_free_ = 0;
};

}  // namespace npuemu::npu
