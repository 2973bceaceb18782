// The arithmetic of the vector unit's instructions on host memory (docs/isa.md for the semantics). FP32 ops use the
// host's IEEE single precision with round to nearest even; exp and tanh come from the host's libm (deterministic on
// one platform; the host references in the tests use the same functions).
#pragma once

#include <cstdint>

#include "npu_isa_table.h"

namespace npuemu::npu {

struct VectorShape {
    uint32_t rows = 1, cols = 1;
    unsigned in_dtype = 3, out_dtype = 3;  // isa::Dtype codes
    uint32_t shift = 0;
    int32_t zero_point = 0;
    uint64_t dst_stride = 0, a_stride = 0, b_stride = 0;
};

// Returns an empty string on success, else why the op cannot run with this shape (wrong types).
const char* vector_op_type_error(isa::Op op, const VectorShape& shape);
// dst, a, b: host pointers to the first row of each operand (b may be null when unused). scalar: rs3's bits.
void run_vector_op(isa::Op op, const VectorShape& shape, uint8_t* dst, const uint8_t* a, const uint8_t* b,
                   uint32_t scalar);

// Bytes per row an operand spans, and number of rows, for the bounds checks and bank reservations.
struct OperandExtent {
    uint64_t row_bytes = 0;
    uint32_t rows = 0;
};
OperandExtent dst_extent(isa::Op op, const VectorShape& shape);
OperandExtent a_extent(isa::Op op, const VectorShape& shape);
OperandExtent b_extent(isa::Op op, const VectorShape& shape);  // rows == 0: op reads no b
bool is_transcendental(isa::Op op);

}  // namespace npuemu::npu
