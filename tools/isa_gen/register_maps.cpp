#include "tools/isa_gen/register_maps.h"

#include "tools/isa_gen/text.h"

#include <cctype>
#include <sstream>
#include <stdexcept>

namespace isa_gen {

namespace {

const char* access_enum(const std::string& access) {
    if (access == "ro") return "ReadOnly";
    if (access == "rw") return "ReadWrite";
    if (access == "w1c") return "WriteOneToClear";
    return "WriteOnly";
}

const char* access_text(const std::string& access) {
    if (access == "ro") return "read-only";
    if (access == "rw") return "read/write";
    if (access == "w1c") return "read, write 1 to clear";
    return "write-only";
}

template <class T>
T required(const YAML::Node& node, const char* key, const std::string& where) {
    if (!node[key]) throw std::runtime_error(where + ": missing '" + key + "'");
    return node[key].as<T>();
}

}  // namespace

std::vector<RegisterMap> load_register_maps(const YAML::Node& list) {
    std::vector<RegisterMap> maps;
    for (const auto& m : list) {
        RegisterMap map;
        map.name = required<std::string>(m, "name", "register map");
        const std::string where = "register map " + map.name;
        map.base = required<uint32_t>(m, "base", where);
        map.sdk = required<std::string>(m, "sdk", where);
        map.doc = required<std::string>(m, "doc", where);
        if (map.sdk != "isa" && map.sdk != "registers") throw std::runtime_error(where + ": sdk must be isa or registers");
        for (const auto& r : m["registers"]) {
            Register reg;
            reg.name = required<std::string>(r, "name", where + " register");
            const std::string at = where + " register " + reg.name;
            reg.offset = required<unsigned>(r, "offset", at);
            reg.count = r["count"] ? r["count"].as<unsigned>() : 1;
            reg.width = r["width"] ? r["width"].as<unsigned>() : 4;
            reg.stride = r["stride"] ? r["stride"].as<unsigned>() : reg.width;
            reg.access = required<std::string>(r, "access", at);
            reg.doc = required<std::string>(r, "doc", at);
            if (reg.access != "ro" && reg.access != "rw" && reg.access != "w1c" && reg.access != "wo") {
                throw std::runtime_error(at + ": access must be ro, rw, w1c or wo");
            }
            if ((reg.width != 4 && reg.width != 8) || reg.offset % reg.width || reg.stride < reg.width || reg.count == 0) {
                throw std::runtime_error(at + ": width must be 4 or 8, the offset aligned to it, the stride at least it");
            }
            const unsigned end = reg.offset + (reg.count - 1) * reg.stride + reg.width;
            for (const Register& other : map.registers) {
                const unsigned other_end = other.offset + (other.count - 1) * other.stride + other.width;
                if (reg.offset < other_end && other.offset < end) {
                    throw std::runtime_error(at + ": overlaps " + other.name);
                }
            }
            map.registers.push_back(reg);
        }
        maps.push_back(map);
    }
    return maps;
}

std::string sdk_isa_defines(const std::vector<RegisterMap>& maps) {
    std::ostringstream o;
    for (const auto& m : maps) {
        if (m.sdk != "isa") continue;
        o << "/* " << m.doc << " */\n#define " << upper(m.name) << "_BASE " << hex(m.base) << "u\n";
        for (const auto& r : m.registers) {
            o << "#define " << upper(m.name) << "_" << r.name << "_OFFSET " << hex(r.offset) << "u /* " << r.doc << " */\n";
            if (r.count > 1) o << "#define " << upper(m.name) << "_" << r.name << "_COUNT " << r.count << "u\n";
        }
        o << "\n";
    }
    return o.str();
}

std::string sdk_registers_header(const std::vector<RegisterMap>& maps, const std::string& banner) {
    std::ostringstream o;
    o << "/* npuemu device registers (bases: npuemu/memory_map.h). " << banner << " */\n"
      << "#ifndef NPUEMU_REGISTERS_H\n#define NPUEMU_REGISTERS_H\n\n"
      << "#ifndef NPUEMU_U\n#error \"include npuemu/memory_map.h, not this header\"\n#endif\n\n";
    for (const auto& m : maps) {
        if (m.sdk != "registers") continue;
        o << "/* " << m.doc << " */\n";
        for (const auto& r : m.registers) {
            const std::string name = "NPUEMU_" + upper(m.name) + "_" + r.name;
            o << "#define " << name << "_OFFSET NPUEMU_U(" << hex(r.offset) << ") /* " << access_text(r.access) << ": "
              << r.doc << " */\n";
            if (r.count > 1) o << "#define " << name << "_COUNT NPUEMU_U(" << r.count << ")\n";
        }
        o << "\n";
    }
    o << "#endif\n";
    return o.str();
}

std::string model_register_tables(const std::vector<RegisterMap>& maps) {
    std::ostringstream o;
    for (const auto& m : maps) {
        o << "// " << m.doc << "\nnamespace " << m.name << " {\nconstexpr uint32_t kBase = " << hex(m.base) << "u;\n";
        for (const auto& r : m.registers) {
            o << "constexpr uint32_t k" << r.name << " = " << hex(r.offset) << "u;  // " << r.doc << "\n";
            if (r.count > 1) o << "constexpr uint32_t k" << r.name << "_COUNT = " << r.count << "u;\n";
        }
        o << "enum class Reg : unsigned {";
        for (const auto& r : m.registers) o << " " << r.name << ",";
        o << " };\ninline constexpr RegisterInfo kRegisters[] = {\n";
        for (const auto& r : m.registers) {
            o << "    {\"" << r.name << "\", " << hex(r.offset) << "u, " << r.count << ", " << r.stride << ", " << r.width
              << ", RegisterAccess::" << access_enum(r.access) << "},\n";
        }
        o << "};\n}  // namespace " << m.name << "\n\n";
    }
    return o.str();
}

std::string register_docs(const std::vector<RegisterMap>& maps) {
    std::ostringstream o;
    for (const auto& m : maps) {
        o << "\n## Register map `" << m.name << "` at " << hex(m.base) << "\n\n" << m.doc
          << "\n\n| register | offset | width | access | doc |\n|---|---|---|---|---|\n";
        for (const auto& r : m.registers) {
            o << "| " << r.name << (r.count > 1 ? "[" + std::to_string(r.count) + "]" : "") << " | " << hex(r.offset)
              << (r.count > 1 ? " + " + std::to_string(r.stride) + " i" : "") << " | " << r.width << " | "
              << access_text(r.access) << " | " << r.doc << " |\n";
        }
    }
    return o.str();
}

}  // namespace isa_gen
