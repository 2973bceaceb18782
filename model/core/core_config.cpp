#include "model/core/core_config.h"

namespace npuemu::core {

const KeyTable<CoreConfig>& core_config_keys() {
    static const KeyTable<CoreConfig> keys = {
        uint_key("quantum_cycles", &CoreConfig::quantum_cycles, 1, 10'000'000, "cycles",
                 "temporal-decoupling quantum: how far a core runs ahead of simulated time before it syncs"),
    };
    return keys;
}

const KeyTable<CpiTable>& cpi_table_keys() {
    static const KeyTable<CpiTable> keys = {
        uint_key("alu", &CpiTable::alu_cycles, 1, 1000, "cycles", "integer ALU instructions"),
        uint_key("mul", &CpiTable::mul_cycles, 1, 1000, "cycles", "mul, mulh, mulhsu, mulhu"),
        uint_key("div", &CpiTable::div_cycles, 1, 1000, "cycles", "div, divu, rem, remu"),
        uint_key("load", &CpiTable::load_cycles, 1, 1000, "cycles", "loads (memory latency beyond it comes on top)"),
        uint_key("store", &CpiTable::store_cycles, 1, 1000, "cycles", "stores"),
        uint_key("branch_taken", &CpiTable::branch_taken_cycles, 1, 1000, "cycles", "a taken branch"),
        uint_key("branch_not_taken", &CpiTable::branch_not_taken_cycles, 1, 1000, "cycles", "a branch not taken"),
        uint_key("jump", &CpiTable::jump_cycles, 1, 1000, "cycles", "jal, jalr"),
        uint_key("csr", &CpiTable::csr_cycles, 1, 1000, "cycles", "CSR instructions"),
        uint_key("system", &CpiTable::system_cycles, 1, 1000, "cycles", "ecall, ebreak, mret, trap entry"),
        uint_key("fence", &CpiTable::fence_cycles, 1, 1000, "cycles", "fence, fence.i"),
        uint_key("npu_issue", &CpiTable::npu_issue_cycles, 1, 1000, "cycles",
                 "handing an instruction to an NPU queue (stalls come on top)"),
    };
    return keys;
}

}  // namespace npuemu::core
