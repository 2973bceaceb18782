// Cycles per instruction class: the control core is cycle-approximate, not one cycle per instruction.
#pragma once

#include <cstdint>

namespace npuemu::core {

struct CpiTable {
    uint32_t alu_cycles = 1;
    uint32_t mul_cycles = 3;
    uint32_t div_cycles = 34;
    uint32_t load_cycles = 2;
    uint32_t store_cycles = 1;
    uint32_t branch_taken_cycles = 3;
    uint32_t branch_not_taken_cycles = 1;
    uint32_t jump_cycles = 2;
    uint32_t csr_cycles = 2;
    uint32_t system_cycles = 4;  // ecall, ebreak, mret, trap entry
    uint32_t fence_cycles = 1;
    uint32_t npu_issue_cycles = 1;  // handing an instruction to an NPU queue (stalls come on top)
};

}  // namespace npuemu::core
