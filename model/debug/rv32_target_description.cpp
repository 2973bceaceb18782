#include "model/debug/rv32_target_description.h"

#include "model/core/csr_numbers.h"
#include "model/debug/debug_target.h"

namespace npuemu::debug {

const std::vector<CsrDescription>& rv32_csrs() {
    namespace csr = core::csr;
    static const std::vector<CsrDescription> list = {
        {"mstatus", csr::kMstatus},     {"misa", csr::kMisa},           {"mie", csr::kMie},
        {"mtvec", csr::kMtvec},         {"mscratch", csr::kMscratch},   {"mepc", csr::kMepc},
        {"mcause", csr::kMcause},       {"mtval", csr::kMtval},         {"mip", csr::kMip},
        {"mcycle", csr::kMcycle},       {"minstret", csr::kMinstret},   {"mcycleh", csr::kMcycleh},
        {"minstreth", csr::kMinstreth}, {"cycle", csr::kCycle},         {"time", csr::kTime},
        {"instret", csr::kInstret},     {"cycleh", csr::kCycleh},       {"timeh", csr::kTimeh},
        {"instreth", csr::kInstreth},   {"mvendorid", csr::kMvendorid}, {"marchid", csr::kMarchid},
        {"mimpid", csr::kMimpid},       {"mhartid", csr::kMhartid},     {"mconfigptr", csr::kMconfigptr},
    };
    return list;
}

std::string rv32_target_description_xml() {
    static const char* const kAbiNames[32] = {"zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2",
                                              "fp",   "s1", "a0", "a1", "a2",  "a3",  "a4", "a5",
                                              "a6",   "a7", "s2", "s3", "s4",  "s5",  "s6", "s7",
                                              "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
    std::string xml =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
        "<target version=\"1.0\">\n"
        "  <architecture>riscv:rv32</architecture>\n"
        "  <feature name=\"org.gnu.gdb.riscv.cpu\">\n";
    for (unsigned i = 0; i < 32; ++i) {
        const char* type = i == 1 ? "code_ptr" : (i == 2 || i == 8) ? "data_ptr" : "int";
        xml += "    <reg name=\"" + std::string(kAbiNames[i]) + "\" bitsize=\"32\" type=\"" + type + "\" regnum=\"" +
               std::to_string(i) + "\"/>\n";
    }
    xml += "    <reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"" + std::to_string(kRegPc) + "\"/>\n";
    xml += "  </feature>\n  <feature name=\"org.gnu.gdb.riscv.csr\">\n";
    for (const auto& csr : rv32_csrs()) {
        xml += "    <reg name=\"" + std::string(csr.name) + "\" bitsize=\"32\" regnum=\"" +
               std::to_string(kRegFirstCsr + csr.number) + "\" save-restore=\"no\" type=\"int\" group=\"csr\"/>\n";
    }
    xml += "  </feature>\n</target>\n";
    return xml;
}

}  // namespace npuemu::debug
