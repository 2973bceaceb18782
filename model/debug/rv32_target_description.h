// The target description GDB reads (qXfer:features:read:target.xml): an RV32 core with x0..x31 and pc
// (org.gnu.gdb.riscv.cpu) and the machine-mode CSRs the ISS implements (org.gnu.gdb.riscv.csr), each CSR at GDB's
// register number 65 + its CSR number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npuemu::debug {

struct CsrDescription {
    const char* name;
    uint16_t number;
};

// The CSRs of model/core/csr_numbers.h that Rv32Hart::read_csr answers, in CSR-number order.
const std::vector<CsrDescription>& rv32_csrs();
std::string rv32_target_description_xml();

}  // namespace npuemu::debug
