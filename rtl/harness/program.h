// Instruction streams for the matrix unit, as the cross-check runs them through the model and the RTL: what each
// instruction is, what came out (per-instruction cycles and the accumulator), and the random generator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npuemu::rtlcheck {

enum class Dtype { Int8, Bf16 };
const char* dtype_name(Dtype dtype);
inline unsigned dtype_bytes(Dtype dtype) { return dtype == Dtype::Int8 ? 1 : 2; }

// Element `index` of a buffer as a 16-bit lane of the RTL's ports: INT8 sign-extended, BF16 as is.
inline uint16_t lane(const std::vector<uint8_t>& buffer, size_t index, Dtype dtype) {
    if (dtype == Dtype::Int8) return static_cast<uint16_t>(static_cast<int16_t>(static_cast<int8_t>(buffer[index])));
    return static_cast<uint16_t>(buffer[2 * index] | (buffer[2 * index + 1] << 8));
}
inline void set_lane(std::vector<uint8_t>& buffer, size_t index, Dtype dtype, uint16_t value) {
    if (dtype == Dtype::Int8) {
        buffer[index] = static_cast<uint8_t>(value);
    } else {
        buffer[2 * index] = static_cast<uint8_t>(value);
        buffer[2 * index + 1] = static_cast<uint8_t>(value >> 8);
    }
}

struct Instr {
    enum class Op { LoadWeights, Matmul } op = Op::LoadWeights;
    // Elements are stored as the model's memories hold them: INT8 bytes, or BF16 in host byte order.
    // load_weights: a k x n block, row-major.
    uint32_t k = 0, n = 0;
    std::vector<uint8_t> weights;
    // matmul: m rows of `k` activations (k of the weights it uses), results to accumulator rows addr .. addr + m - 1.
    uint32_t m = 0, addr = 0;
    bool accumulate = false;
    std::vector<uint8_t> act;
    // Lanes beyond k (activations) or n (weights) carry this junk on the RTL's ports: the RTL must ignore them.
    uint16_t junk = 0;

    bool is_load() const { return op == Op::LoadWeights; }
    std::string describe() const;
};

struct Program {
    uint32_t rows = 0, cols = 0;  // the array
    Dtype dtype = Dtype::Int8;
    std::string scenario;
    std::vector<Instr> instrs;
    uint32_t acc_rows = 0;           // accumulator rows the program may touch: 0 .. acc_rows - 1
    std::vector<uint32_t> acc_init;  // acc_rows x cols, before the program
};

// What an instruction did, in cycles from 0 (every instruction is available at cycle 0, no memory stalls).
//   load_weights: begin = first weight row taken, end = completion = the weights are usable (begin + k).
//   matmul:       begin = first activation row taken, end = the stream can take the next matmul (begin + m),
//                 completion = one cycle after the last result was written (begin + m + k + n - 1).
struct InstrTiming {
    uint64_t begin = 0, end = 0, completion = 0;
    bool operator==(const InstrTiming& o) const {
        return begin == o.begin && end == o.end && completion == o.completion;
    }
};

struct Outcome {
    std::vector<InstrTiming> timing;  // per instruction
    std::vector<uint32_t> acc;        // acc_rows x cols, after the program
    uint64_t cycles = 0;              // the last completion
    std::string error;                // the RTL did not finish the program (then timing and acc are partial)
};

// A random program for case `index` of a run with `seed`: the scenario and the data type rotate with the index so any
// run of a few dozen cases covers them all; `dtype` fixes the data type if it is not null.
Program generate_program(uint64_t seed, uint64_t index, uint32_t rows, uint32_t cols, const Dtype* dtype);

// GEMM C (M x N) = A (M x K) x B (K x N), tiled onto the array: for each block of `cols` output columns, for each
// chunk of `rows` of K, load the B chunk and stream all M rows of A, accumulating over the chunks (double-buffered:
// each load overlaps the stream before it). Deterministic data from `seed`.
Program gemm_program(uint32_t M, uint32_t K, uint32_t N, uint32_t rows, uint32_t cols, Dtype dtype, uint64_t seed);

// The whole program as text, one instruction per line, with the expected and (if given) the RTL's timing.
std::string listing(const Program& program, const Outcome* expected, const Outcome* actual);

}  // namespace npuemu::rtlcheck
