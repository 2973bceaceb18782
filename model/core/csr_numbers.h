// Machine-mode CSR addresses, bits and trap causes of the RISC-V privileged spec (v1.12) that the control core
// implements: generated from isa/riscv.yaml (the SDK's npuemu/riscv.h comes from the same file), plus what only the
// model needs.
#pragma once

#include <cstdint>

#include "riscv_defs.h"

namespace npuemu::core::csr {

constexpr uint32_t kInterruptBits = kMsip | kMtip | kMeip;

// misa: MXL=1 (32-bit), extensions I and M.
constexpr uint32_t kMisaValue = (1u << 30) | (1u << ('I' - 'A')) | (1u << ('M' - 'A'));

}  // namespace npuemu::core::csr
