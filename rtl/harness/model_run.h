// The model's side of the cross-check: the matrix unit's timing (SystolicTiming) and arithmetic (matmul_int8,
// matmul_bf16) — the same code the SystemC unit runs — applied to a program with every instruction available at
// cycle 0 and no memory stalls.
#pragma once

#include "rtl/harness/program.h"

namespace npuemu::rtlcheck {

Outcome run_model(const Program& program);

}  // namespace npuemu::rtlcheck
