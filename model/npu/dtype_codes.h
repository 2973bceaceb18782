// The NPU data-type codes as the unsigned values instruction operands carry (isa::Dtype from the generated table).
// One copy: the matrix and vector units both compare operand fields against them.
#pragma once

#include "npu_isa_table.h"

namespace npuemu::npu {

constexpr unsigned kInt8 = static_cast<unsigned>(isa::Dtype::INT8);
constexpr unsigned kBf16 = static_cast<unsigned>(isa::Dtype::BF16);
constexpr unsigned kInt32 = static_cast<unsigned>(isa::Dtype::INT32);
constexpr unsigned kFp32 = static_cast<unsigned>(isa::Dtype::FP32);

}  // namespace npuemu::npu
