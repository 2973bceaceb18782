// One NPU instruction as a queue holds it: what it is, its operand registers, and where it came from.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "npu_isa_table.h"

namespace npuemu::npu {

struct NpuInstruction {
    const isa::InstructionInfo* info = nullptr;
    uint32_t rs1 = 0, rs2 = 0, rs3 = 0;
    uint32_t pc = 0;  // of the issuing custom instruction

    std::string describe() const {
        char text[96];
        std::snprintf(text, sizeof text, "%s (issued at pc 0x%08x)", info ? info->mnemonic : "?", pc);
        return text;
    }
};

}  // namespace npuemu::npu
