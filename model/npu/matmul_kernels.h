// The arithmetic of one matmul instruction, exactly as the systolic array computes it (docs/npu.md):
//   C[i][j] (+)= sum over k of A[i][k] * W[k][j]
// INT8 x INT8 -> INT32: exact products, wrapping two's-complement INT32 sums.
// BF16 x BF16 -> FP32: each product is exact in FP32; each column starts from +0.0 at the top of the array and adds
// the products in k order (FP32, round to nearest even); with `accumulate`, the column's result is then added to the
// accumulator's value (FP32, round to nearest even).
// Pure functions on host memory, shared by the model and the RTL cross-check.
#pragma once

#include <cstdint>

namespace npuemu::npu {

struct MatmulShape {
    uint32_t m = 0, k = 0, n = 0;
    uint64_t act_stride_bytes = 0;  // between activation rows
    uint64_t acc_stride_bytes = 0;  // between accumulator rows
    bool accumulate = false;
};

// weights: k x n, row-major, dense (as held in the array).
void matmul_int8(const uint8_t* act, const int8_t* weights, uint8_t* acc, const MatmulShape& shape);
void matmul_bf16(const uint8_t* act, const uint16_t* weights, uint8_t* acc, const MatmulShape& shape);

}  // namespace npuemu::npu
