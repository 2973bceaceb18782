// isa_gen: turns isa/npu_isa.yaml into the SDK header, the model's decode table, the encoding-probe firmware source
// and docs/isa.md. Run by the build; any inconsistency in the YAML (duplicate encodings, overlapping fields, a field
// outside 32 bits, an unknown queue or opcode) is an error naming the instruction.
// Also isa/riscv.yaml (CSRs, their bits, trap causes) into an SDK and a model header.
//   isa_gen ISA.yaml RISCV.yaml SDK_HEADER REGISTERS_HEADER RISCV_SDK_HEADER MODEL_HEADER RISCV_MODEL_HEADER PROBE_C
//           DOCS_MD
#include <yaml-cpp/yaml.h>

#include "tools/isa_gen/register_maps.h"
#include "tools/isa_gen/riscv_defs.h"
#include "tools/isa_gen/text.h"

#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using isa_gen::hex;
using isa_gen::upper;

struct Field {
    std::string name;
    unsigned hi = 0, lo = 0;
    uint32_t mask() const { return hi - lo == 31 ? 0xFFFFFFFFu : ((1u << (hi - lo + 1)) - 1); }
};

struct Instruction {
    std::string mnemonic;
    std::string opcode_name;
    unsigned opcode = 0;
    bool r4 = false;
    unsigned funct3 = 0;
    unsigned funct = 0;  // funct7 (R) or funct2 (R4)
    std::string queue;
    std::string result;
    std::map<std::string, std::vector<Field>> operands;  // "rs1" -> fields
    std::string semantics;

    std::string c_name() const {  // npu.signal -> npu_signal, dma.copy -> npu_dma_copy
        std::string name = mnemonic;
        for (char& c : name) if (c == '.') c = '_';
        return name.rfind("npu_", 0) == 0 ? name : "npu_" + name;
    }
    std::string camel() const {  // dma.copy -> DmaCopy
        std::string out;
        bool upper = true;
        for (char c : mnemonic) {
            if (c == '.' || c == '_') { upper = true; continue; }
            out += upper ? static_cast<char>(std::toupper(c)) : c;
            upper = false;
        }
        return out;
    }
    std::vector<Field> all_fields() const {
        std::vector<Field> fields;
        for (const char* reg : {"rs1", "rs2", "rs3"}) {
            auto it = operands.find(reg);
            if (it != operands.end()) fields.insert(fields.end(), it->second.begin(), it->second.end());
        }
        return fields;
    }
};

struct Queue { std::string name; unsigned id; std::string doc; };
struct Dtype { std::string name; unsigned code; unsigned bytes; };

struct Isa {
    unsigned version = 0;
    std::vector<Queue> queues;
    std::vector<Dtype> dtypes;
    std::vector<Instruction> instructions;
    std::vector<isa_gen::RegisterMap> register_maps;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw std::runtime_error(where + ": " + what);
}


Field parse_field(const YAML::Node& node, const std::string& where) {
    Field field;
    field.name = node["name"].as<std::string>();
    const std::string bits = node["bits"].as<std::string>();
    const auto colon = bits.find(':');
    if (colon == std::string::npos) fail(where, "bits must be \"hi:lo\", got '" + bits + "'");
    field.hi = std::stoul(bits.substr(0, colon));
    field.lo = std::stoul(bits.substr(colon + 1));
    if (field.hi > 31 || field.lo > field.hi) fail(where, "field " + field.name + " bits " + bits + " out of 31:0");
    return field;
}

Isa load(const std::string& path) {
    const YAML::Node root = YAML::LoadFile(path);
    Isa isa;
    isa.version = root["version"].as<unsigned>();
    for (const auto& q : root["queues"]) isa.queues.push_back({q["name"].as<std::string>(), q["id"].as<unsigned>(), q["doc"].as<std::string>()});
    for (const auto& d : root["dtypes"]) isa.dtypes.push_back({d["name"].as<std::string>(), d["code"].as<unsigned>(), d["bytes"].as<unsigned>()});
    std::map<std::string, std::pair<unsigned, bool>> opcodes;
    for (const auto& o : root["opcodes"]) {
        opcodes[o.first.as<std::string>()] = {o.second["value"].as<unsigned>(), o.second["format"].as<std::string>() == "r4"};
    }
    std::set<std::string> queue_names{"named"};
    for (const auto& q : isa.queues) queue_names.insert(q.name);
    std::set<std::tuple<unsigned, unsigned, unsigned>> encodings;
    std::set<std::string> mnemonics;
    for (const auto& node : root["instructions"]) {
        Instruction in;
        in.mnemonic = node["mnemonic"].as<std::string>();
        const std::string where = path + ": instruction " + in.mnemonic;
        if (!mnemonics.insert(in.mnemonic).second) fail(where, "defined twice");
        in.opcode_name = node["opcode"].as<std::string>();
        auto op = opcodes.find(in.opcode_name);
        if (op == opcodes.end()) fail(where, "unknown opcode " + in.opcode_name);
        in.opcode = op->second.first;
        in.r4 = op->second.second;
        in.funct3 = node["funct3"].as<unsigned>();
        if (in.funct3 > 7) fail(where, "funct3 out of range");
        if (in.r4) {
            if (!node["funct2"]) fail(where, "an R4 instruction needs funct2");
            in.funct = node["funct2"].as<unsigned>();
            if (in.funct > 3) fail(where, "funct2 out of range");
        } else {
            if (!node["funct7"]) fail(where, "an R instruction needs funct7");
            in.funct = node["funct7"].as<unsigned>();
            if (in.funct > 127) fail(where, "funct7 out of range");
        }
        if (!encodings.insert({in.opcode, in.funct3, in.funct}).second) fail(where, "encoding used twice");
        in.queue = node["queue"].as<std::string>();
        if (!queue_names.count(in.queue)) fail(where, "unknown queue " + in.queue);
        if (node["result"]) in.result = node["result"].as<std::string>();
        in.semantics = node["semantics"].as<std::string>();
        std::set<std::string> field_names;
        for (const auto& reg : node["operands"]) {
            const std::string name = reg.first.as<std::string>();
            if (name != "rs1" && name != "rs2" && name != "rs3") fail(where, "operand register " + name);
            if (name == "rs3" && !in.r4) fail(where, "rs3 needs an R4 opcode");
            uint32_t used = 0;
            for (const auto& f : reg.second) {
                Field field = parse_field(f, where);
                if (used & (field.mask() << field.lo)) fail(where, "fields overlap in " + name);
                used |= field.mask() << field.lo;
                if (!field_names.insert(field.name).second) fail(where, "field " + field.name + " named twice");
                in.operands[name].push_back(field);
            }
        }
        isa.instructions.push_back(in);
    }
    isa.register_maps = isa_gen::load_register_maps(root["register_maps"]);
    return isa;
}


std::string pack_expression(const std::vector<Field>& fields) {
    std::string expr;
    for (const auto& f : fields) {
        if (!expr.empty()) expr += " | ";
        expr += "((" + f.name + " & " + hex(f.mask()) + "u) << " + std::to_string(f.lo) + ")";
    }
    return expr.empty() ? "0u" : expr;
}

void write_if_changed(const std::string& path, const std::string& text) {
    std::ifstream in(path);
    std::stringstream current;
    current << in.rdbuf();
    if (in && current.str() == text) return;
    std::ofstream out(path, std::ios::trunc);
    if (!out) throw std::runtime_error(path + ": cannot write");
    out << text;
}

const char* kBanner = "Generated by tools/isa_gen from isa/npu_isa.yaml. Do not edit: edit the YAML.";

std::string sdk_header(const Isa& isa) {
    std::ostringstream o;
    o << "/* npuemu NPU instruction set: intrinsics for firmware. " << kBanner << " */\n"
      << "#ifndef NPUEMU_NPU_ISA_H\n#define NPUEMU_NPU_ISA_H\n\n#include <stdint.h>\n\n"
      << "#define NPU_ISA_VERSION " << isa.version << "u\n\n";
    for (const auto& q : isa.queues) o << "#define NPU_QUEUE_" << q.name << " " << q.id << "u /* " << q.doc << " */\n";
    o << "\n";
    for (const auto& d : isa.dtypes) o << "#define NPU_DTYPE_" << d.name << " " << d.code << "u /* " << d.bytes << (d.bytes == 1 ? " byte" : " bytes") << " per element */\n";
    o << "\n";
    o << isa_gen::sdk_isa_defines(isa.register_maps);
    o << "/* Operand packing: plain C, also compiled by the host's tests to check it against the model's decoder. */\n";
    for (const auto& in : isa.instructions) {
        for (const auto& [reg, fields] : in.operands) {
            o << "static inline uint32_t " << in.c_name() << "_" << reg << "(";
            for (size_t i = 0; i < fields.size(); ++i) o << (i ? ", " : "") << "uint32_t " << fields[i].name;
            o << ") { return " << pack_expression(fields) << "; }\n";
        }
    }
    o << "\n#if defined(__riscv)\n";
    for (const auto& in : isa.instructions) {
        const auto fields = in.all_fields();
        o << "\n/* " << in.mnemonic << " (queue " << in.queue << "): " << in.semantics << " */\n"
          << "static inline " << (in.result.empty() ? "void" : "uint32_t") << " " << in.c_name() << "(";
        for (size_t i = 0; i < fields.size(); ++i) o << (i ? ", " : "") << "uint32_t " << fields[i].name;
        if (fields.empty()) o << "void";
        o << ") {\n";
        std::vector<std::string> regs;
        for (const char* reg : {"rs1", "rs2", "rs3"}) {
            auto it = in.operands.find(reg);
            if (it == in.operands.end()) { if (std::string(reg) != "rs3" || in.r4) regs.push_back("x0"); continue; }
            std::string args;
            for (size_t i = 0; i < it->second.size(); ++i) args += (i ? ", " : "") + it->second[i].name;
            o << "    const uint32_t " << reg << " = " << in.c_name() << "_" << reg << "(" << args << ");\n";
            regs.push_back(reg);
        }
        std::string inputs;
        std::string operand_list;
        int index = in.result.empty() ? 0 : 1;
        for (const auto& r : regs) {
            if (r == "x0") { operand_list += ", x0"; continue; }
            operand_list += ", %" + std::to_string(index++);
            inputs += std::string(inputs.empty() ? "" : ", ") + "\"r\"(" + r + ")";
        }
        if (!in.result.empty()) o << "    uint32_t " << in.result << ";\n";
        o << "    __asm__ volatile(\".insn " << (in.r4 ? "r4 " : "r ") << upper(in.opcode_name) << ", " << in.funct3 << ", "
          << in.funct << ", " << (in.result.empty() ? "x0" : "%0") << operand_list << "\" : "
          << (in.result.empty() ? "" : "\"=r\"(" + in.result + ")") << " : " << inputs << " : \"memory\");\n";
        if (!in.result.empty()) o << "    return " << in.result << ";\n";
        o << "}\n";
    }
    o << "\n#endif /* __riscv */\n#endif\n";
    return o.str();
}

std::string model_header(const Isa& isa) {
    std::ostringstream o;
    o << "// npuemu NPU instruction set: the model's decode table. " << kBanner << "\n#pragma once\n\n#include <cstdint>\n\n#include \"model/common/register_bank.h\"\n\n"
      << "namespace npuemu::npu::isa {\n\nconstexpr unsigned kVersion = " << isa.version << ";\n\n"
      << "enum class Queue : uint8_t {";
    for (const auto& q : isa.queues) o << " " << q.name.substr(0, 1) << std::string(q.name.substr(1)) << " = " << q.id << ",";
    o << " Named = 255 };\n";
    o << "constexpr unsigned kQueueCount = " << isa.queues.size() - 1 << ";  // queues that hold instructions (not CORE)\n";
    o << "inline const char* queue_name(unsigned id) {\n    switch (id) {\n";
    for (const auto& q : isa.queues) o << "        case " << q.id << ": return \"" << q.name << "\";\n";
    o << "        default: return \"?\";\n    }\n}\n\n";
    o << "enum class Dtype : uint8_t {";
    for (const auto& d : isa.dtypes) o << " " << d.name << " = " << d.code << ",";
    o << " };\ninline unsigned dtype_bytes(unsigned code) {\n    switch (code) {\n";
    for (const auto& d : isa.dtypes) o << "        case " << d.code << ": return " << d.bytes << ";\n";
    o << "        default: return 0;\n    }\n}\ninline const char* dtype_name(unsigned code) {\n    switch (code) {\n";
    for (const auto& d : isa.dtypes) o << "        case " << d.code << ": return \"" << d.name << "\";\n";
    o << "        default: return \"?\";\n    }\n}\n\n";
    o << isa_gen::model_register_tables(isa.register_maps);
    o << "enum class Op : uint8_t {\n";
    for (const auto& in : isa.instructions) o << "    " << in.camel() << ",\n";
    o << "};\n\n";
    o << "struct InstructionInfo {\n    Op op;\n    const char* mnemonic;\n    uint8_t opcode;\n    bool r4;\n"
      << "    uint8_t funct3;\n    uint8_t funct;  // funct7 (R) or funct2 (R4)\n    Queue queue;\n    bool writes_rd;\n"
      << "    const char* semantics;\n};\n\n";
    o << "inline constexpr InstructionInfo kInstructions[] = {\n";
    for (const auto& in : isa.instructions) {
        std::string queue = in.queue == "named" ? "Named" : in.queue.substr(0, 1) + in.queue.substr(1);
        o << "    {Op::" << in.camel() << ", \"" << in.mnemonic << "\", " << hex(in.opcode) << ", " << (in.r4 ? "true" : "false")
          << ", " << in.funct3 << ", " << in.funct << ", Queue::" << queue << ", " << (in.result.empty() ? "false" : "true")
          << ", \"" << in.semantics << "\"},\n";
    }
    o << "};\nconstexpr unsigned kInstructionCount = " << isa.instructions.size() << ";\n\n";
    std::set<unsigned> opcodes;
    for (const auto& in : isa.instructions) opcodes.insert(in.opcode);
    o << "inline bool is_npu_opcode(uint32_t opcode) {\n    return ";
    bool first = true;
    for (unsigned op : opcodes) { o << (first ? "" : " || ") << "opcode == " << hex(op); first = false; }
    o << ";\n}\n\n";
    o << "// The instruction a 32-bit word encodes, or nullptr (an illegal instruction).\n"
      << "inline const InstructionInfo* decode(uint32_t word) {\n"
      << "    const uint32_t opcode = word & 0x7F, funct3 = (word >> 12) & 7, funct7 = word >> 25, funct2 = (word >> 25) & 3;\n"
      << "    for (const auto& info : kInstructions) {\n"
      << "        if (info.opcode == opcode && info.funct3 == funct3 && info.funct == (info.r4 ? funct2 : funct7)) return &info;\n"
      << "    }\n    return nullptr;\n}\n\n";
    o << "// Operands of each instruction, unpacked from its source registers.\n";
    for (const auto& in : isa.instructions) {
        const auto fields = in.all_fields();
        o << "struct " << in.camel() << "Args {";
        for (const auto& f : fields) o << " uint32_t " << f.name << ";";
        o << " };\ninline " << in.camel() << "Args unpack_" << in.c_name().substr(4) << "(uint32_t rs1, uint32_t rs2, uint32_t rs3) {\n"
          << "    (void)rs1; (void)rs2; (void)rs3;\n    " << in.camel() << "Args args{};\n";
        for (const auto& [reg, reg_fields] : in.operands) {
            for (const auto& f : reg_fields) {
                o << "    args." << f.name << " = (" << reg << " >> " << f.lo << ") & " << hex(f.mask()) << "u;\n";
            }
        }
        o << "    return args;\n}\n";
    }
    o << "\n}  // namespace npuemu::npu::isa\n";
    return o.str();
}

std::string probe_source(const Isa& isa) {
    std::ostringstream o;
    o << "/* Calls every NPU intrinsic once, in the YAML's order; never run. tests/unit/test_isa.cpp reads the encodings\n"
      << " * the cross compiler produced from this function and decodes them with the model's table. " << kBanner << " */\n"
      << "#include \"npuemu/npu_isa.h\"\n\nvolatile uint32_t npu_isa_probe_sink;\n\n"
      << "__attribute__((noinline)) void npu_isa_probe(void) {\n";
    unsigned value = 1;
    for (const auto& in : isa.instructions) {
        const auto fields = in.all_fields();
        o << "    " << (in.result.empty() ? "" : "npu_isa_probe_sink = ") << in.c_name() << "(";
        for (size_t i = 0; i < fields.size(); ++i) o << (i ? ", " : "") << value++ << "u";
        o << ");\n";
    }
    o << "}\n";
    return o.str();
}

std::string docs(const Isa& isa) {
    std::ostringstream o;
    o << "# NPU instruction set (version " << isa.version << ")\n\n_" << kBanner << "_\n\n"
      << "Firmware issues these through the RISC-V custom opcodes; the SDK's `npuemu/npu_isa.h` has one inline "
         "function per instruction (`npu_dma_copy(src, dst)`, ...). Each instruction goes to a queue of the issuing "
         "tile; every queue executes in order, decoupled from the control core and from the other queues, and "
         "`npu.signal`/`npu.wait` order them. A full queue stalls the core. An encoding not listed here is an "
         "illegal instruction.\n\n## Queues\n\n| queue | id | role |\n|---|---|---|\n";
    for (const auto& q : isa.queues) o << "| " << q.name << " | " << q.id << " | " << q.doc << " |\n";
    o << "\n## Element types\n\n| type | code | bytes |\n|---|---|---|\n";
    for (const auto& d : isa.dtypes) o << "| " << d.name << " | " << d.code << " | " << d.bytes << " |\n";
    o << "\n## Instructions\n\n| mnemonic | encoding | queue | operands | semantics |\n|---|---|---|---|---|\n";
    for (const auto& in : isa.instructions) {
        o << "| `" << in.mnemonic << "` | " << in.opcode_name << " " << (in.r4 ? "R4" : "R") << ", funct3=" << in.funct3
          << ", " << (in.r4 ? "funct2=" : "funct7=") << in.funct << " | " << in.queue << " | ";
        bool first = true;
        for (const auto& [reg, fields] : in.operands) {
            for (const auto& f : fields) {
                o << (first ? "" : "; ") << "`" << f.name << "` = " << reg << "[" << f.hi << ":" << f.lo << "]";
                first = false;
            }
        }
        if (!in.result.empty()) o << (first ? "" : "; ") << "rd = `" << in.result << "`";
        o << " | " << in.semantics << " |\n";
    }
    o << isa_gen::register_docs(isa.register_maps);
    return o.str();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 10) {
        std::cerr << "usage: isa_gen ISA.yaml RISCV.yaml SDK_HEADER REGISTERS_HEADER RISCV_SDK_HEADER MODEL_HEADER "
                     "RISCV_MODEL_HEADER PROBE_C DOCS_MD\n";
        return 2;
    }
    try {
        const Isa isa = load(argv[1]);
        const isa_gen::RiscvHeaders riscv =
            isa_gen::riscv_headers(argv[2], "Generated by tools/isa_gen from isa/riscv.yaml. Do not edit: edit the YAML.");
        write_if_changed(argv[3], sdk_header(isa));
        write_if_changed(argv[4], isa_gen::sdk_registers_header(isa.register_maps, kBanner));
        write_if_changed(argv[5], riscv.sdk);
        write_if_changed(argv[6], model_header(isa));
        write_if_changed(argv[7], riscv.model);
        write_if_changed(argv[8], probe_source(isa));
        write_if_changed(argv[9], docs(isa));
    } catch (const std::exception& e) {
        std::cerr << "isa_gen: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
