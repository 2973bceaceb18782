#include "tools/isa_gen/riscv_defs.h"

#include "tools/isa_gen/text.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <set>
#include <sstream>
#include <stdexcept>

namespace isa_gen {

namespace {

std::string field(const YAML::Node& node, const char* key, const std::string& where) {
    if (!node[key]) throw std::runtime_error(where + ": missing '" + key + "'");
    return node[key].as<std::string>();
}

void unique(std::set<std::string>& seen, const std::string& name, const std::string& where) {
    if (!seen.insert(name).second) throw std::runtime_error(where + ": '" + name + "' appears twice");
}

void causes(const YAML::Node& list, const char* kind, const char* enum_name, const char* function,
            std::ostringstream& sdk, std::ostringstream& model, std::set<std::string>& names) {
    std::set<std::string> codes;
    std::ostringstream cases;
    model << "enum class " << enum_name << " : uint32_t {\n";
    for (const auto& c : list) {
        const std::string where = std::string("isa/riscv.yaml ") + kind;
        const std::string sdk_name = field(c, "sdk", where), model_name = field(c, "model", where);
        const std::string code = field(c, "code", where), text = field(c, "text", where);
        unique(names, sdk_name, where);
        unique(codes, code, where + " " + model_name + " code");
        sdk << "#define " << sdk_name << " " << code << "u /* " << text << " */\n";
        model << "    " << model_name << " = " << code << ",  // " << text << "\n";
        cases << "        case " << code << ": return \"" << text << "\";\n";
    }
    model << "};\ninline const char* " << function << "(uint32_t code) {\n    switch (code) {\n"
          << cases.str() << "        default: return \"unknown " << kind << "\";\n    }\n}\n\n";
}

}  // namespace

RiscvHeaders riscv_headers(const std::string& yaml_path, const std::string& banner) {
    const YAML::Node root = YAML::LoadFile(yaml_path);
    std::ostringstream sdk, model;
    std::set<std::string> names;
    sdk << "/* RISC-V machine-mode CSRs, bits and trap causes of the control core. " << banner << " */\n"
        << "#ifndef NPUEMU_RISCV_H\n#define NPUEMU_RISCV_H\n\n";
    model << "// RISC-V machine-mode CSRs, bits and trap causes of the control core. " << banner
          << "\n#pragma once\n\n#include <cstdint>\n\nnamespace npuemu::core {\n\nnamespace csr {\n";
    for (const auto& c : root["csrs"]) {
        std::string name = field(c, "name", "isa/riscv.yaml csr");
        const unsigned number = c["number"].as<unsigned>();
        unique(names, name, "isa/riscv.yaml csrs");
        std::string upper = name, camel = name;
        for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        camel[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(camel[0])));
        sdk << "#define NPU_CSR_" << upper << " " << hex(number) << "\n";
        model << "constexpr uint16_t k" << camel << " = " << hex(number) << ";\n";
    }
    sdk << "\n";
    model << "\n";
    for (const auto& b : root["bits"]) {
        const std::string where = "isa/riscv.yaml bits";
        const std::string sdk_name = field(b, "sdk", where), model_name = field(b, "model", where);
        unique(names, sdk_name, where);
        const auto value = b["value"].as<unsigned long long>();
        sdk << "#define " << sdk_name << " " << hex(value) << "u /* " << field(b, "doc", where) << " */\n";
        model << "constexpr uint32_t " << model_name << " = " << hex(value) << "u;  // " << field(b, "doc", where)
              << "\n";
    }
    sdk << "\n";
    model << "\n}  // namespace csr\n\n";
    causes(root["exceptions"], "exception", "ExceptionCause", "exception_name", sdk, model, names);
    sdk << "\n";
    causes(root["interrupts"], "interrupt", "InterruptCause", "interrupt_name", sdk, model, names);
    sdk << "\n#endif\n";
    model << "}  // namespace npuemu::core\n";
    return {sdk.str(), model.str()};
}

}  // namespace isa_gen
