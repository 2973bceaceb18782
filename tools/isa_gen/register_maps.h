// The register maps of isa/npu_isa.yaml: loaded and checked, and written into the SDK headers, the model's register
// tables and docs/isa.md.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace isa_gen {

struct Register {
    std::string name;
    unsigned offset = 0, count = 1, stride = 4, width = 4;
    std::string access;  // ro, rw, w1c, wo
    std::string doc;
};

struct RegisterMap {
    std::string name;
    uint32_t base = 0;
    std::string sdk;  // "isa": npuemu/npu_isa.h; "registers": npuemu/registers.h
    std::string doc;
    std::vector<Register> registers;
};

// Throws std::runtime_error naming the map and register for a missing or bad field, overlapping registers or an
// unknown access kind.
std::vector<RegisterMap> load_register_maps(const YAML::Node& list);

// <MAP>_BASE and <MAP>_<REG>_OFFSET (and _COUNT) for the maps in npu_isa.h.
std::string sdk_isa_defines(const std::vector<RegisterMap>& maps);
// npuemu/registers.h: NPUEMU_<MAP>_<REG>_OFFSET (and _COUNT), assembler-safe.
std::string sdk_registers_header(const std::vector<RegisterMap>& maps, const std::string& banner);
// namespace <map> { kBase, k<REG>, enum class Reg, kRegisters[] } for the model.
std::string model_register_tables(const std::vector<RegisterMap>& maps);
// The docs/isa.md sections.
std::string register_docs(const std::vector<RegisterMap>& maps);

}  // namespace isa_gen
