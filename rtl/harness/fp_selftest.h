// The RTL's FP units (rtl/npu_arith_pkg.sv, through the verilated npu_fp_check) against the host's IEEE 754 arithmetic:
// fp32_add against float addition, bf16_mul against the FP32 product of two BF16 values, on corner cases and random
// operands. Returns the number of mismatches (the first few are printed).
#pragma once

#include <cstdint>

namespace npuemu::rtlcheck {

uint64_t fp_selftest(uint64_t vectors, uint64_t seed, uint64_t* checked);

}  // namespace npuemu::rtlcheck
