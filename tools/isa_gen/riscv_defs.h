// isa/riscv.yaml (CSR numbers, CSR bits, trap causes) into the SDK's npuemu/riscv.h and the model's riscv_defs.h.
#pragma once

#include <string>

namespace isa_gen {

struct RiscvHeaders {
    std::string sdk;    // C macros: NPU_CSR_<NAME>, the bits' and causes' sdk names
    std::string model;  // npuemu::core::csr constants, ExceptionCause/InterruptCause, exception_name/interrupt_name
};

// Throws std::runtime_error naming the entry for a missing field or a duplicate name or code.
RiscvHeaders riscv_headers(const std::string& yaml_path, const std::string& banner);

}  // namespace isa_gen
