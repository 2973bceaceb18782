// A firmware image read from an ELF file: its loadable segments (by physical address, as picolibc stores .data at
// its load address for crt0 to copy), its entry point and its symbols. Every way a file can be wrong is an
// npuemu::Error saying what is wrong with it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace npuemu::loader {

struct ElfSegment {
    uint32_t load_address = 0;  // p_paddr
    uint32_t memory_bytes = 0;  // p_memsz; bytes past data.size() are zero-filled
    std::vector<uint8_t> data;  // p_filesz bytes from the file
    bool executable = false;
};

struct ElfImage {
    std::string path;
    uint32_t entry = 0;
    std::vector<ElfSegment> segments;
    std::map<std::string, uint32_t> symbols;  // defined global and local symbols with their values

    std::optional<uint32_t> symbol(const std::string& name) const;
};

ElfImage read_elf_file(const std::string& path);
// The same checks on bytes already in memory (path is used in messages only).
ElfImage parse_elf(const std::vector<uint8_t>& bytes, const std::string& path);

}  // namespace npuemu::loader
