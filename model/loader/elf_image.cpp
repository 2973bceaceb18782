#include "model/loader/elf_image.h"

#include <elf.h>

#include <cstring>
#include <sstream>

#include "model/common/error.h"
#include "model/common/format.h"
#include "model/common/output_file.h"

namespace npuemu::loader {

namespace {

// Firmware images are linked into a few MiB; a larger "image" is not one (symbols and debug info included).
constexpr uint64_t kMaxImageFileBytes = 1ull << 30;

std::string describe_segment(const ElfSegment& segment) {
    return hex(segment.load_address) + "-" + hex(uint64_t(segment.load_address) + segment.memory_bytes - 1);
}

class Reader {
public:
    Reader(const std::vector<uint8_t>& bytes, const std::string& path) : bytes_(bytes), path_(path) {}

    [[noreturn]] void fail(const std::string& what) const { throw Error(path_ + ": not a usable firmware image: " + what); }

    template <typename T>
    T at(uint64_t offset, const char* what) const {
        if (offset > bytes_.size() || sizeof(T) > bytes_.size() - offset) {
            fail(std::string(what) + " at offset " + hex(offset, 1) + " lies past the end of the file (" +
                 std::to_string(bytes_.size()) + " bytes)");
        }
        T value;
        std::memcpy(&value, bytes_.data() + offset, sizeof(T));
        return value;
    }
    void check_range(uint64_t offset, uint64_t size, const std::string& what) const {
        if (offset > bytes_.size() || size > bytes_.size() - offset) {
            fail(what + " (offset " + hex(offset, 1) + ", " + std::to_string(size) + " bytes) lies past the end of the file (" +
                 std::to_string(bytes_.size()) + " bytes)");
        }
    }
    const std::vector<uint8_t>& bytes() const { return bytes_; }

private:
    const std::vector<uint8_t>& bytes_;
    const std::string& path_;
};

void read_symbols(const Reader& reader, const Elf32_Ehdr& header, ElfImage& image) {
    if (header.e_shoff == 0 || header.e_shnum == 0) return;  // stripped: no symbols, still loadable
    if (header.e_shentsize != sizeof(Elf32_Shdr)) reader.fail("unexpected section header size");
    reader.check_range(header.e_shoff, uint64_t(header.e_shnum) * sizeof(Elf32_Shdr), "the section header table");
    for (unsigned i = 0; i < header.e_shnum; ++i) {
        const auto section = reader.at<Elf32_Shdr>(header.e_shoff + uint64_t(i) * sizeof(Elf32_Shdr), "a section header");
        if (section.sh_type != SHT_SYMTAB) continue;
        if (section.sh_link >= header.e_shnum) reader.fail("the symbol table names a string table that does not exist");
        const auto strings =
            reader.at<Elf32_Shdr>(header.e_shoff + uint64_t(section.sh_link) * sizeof(Elf32_Shdr), "a section header");
        reader.check_range(section.sh_offset, section.sh_size, "the symbol table");
        reader.check_range(strings.sh_offset, strings.sh_size, "the symbol string table");
        for (uint64_t offset = 0; offset + sizeof(Elf32_Sym) <= section.sh_size; offset += sizeof(Elf32_Sym)) {
            const auto symbol = reader.at<Elf32_Sym>(section.sh_offset + offset, "a symbol");
            if (symbol.st_name == 0 || symbol.st_shndx == SHN_UNDEF || symbol.st_name >= strings.sh_size) continue;
            const char* name = reinterpret_cast<const char*>(reader.bytes().data() + strings.sh_offset + symbol.st_name);
            const size_t max_length = strings.sh_size - symbol.st_name;
            image.symbols.emplace(std::string(name, strnlen(name, max_length)), symbol.st_value);
        }
    }
}

}  // namespace

std::optional<uint32_t> ElfImage::symbol(const std::string& name) const {
    auto it = symbols.find(name);
    if (it == symbols.end()) return std::nullopt;
    return it->second;
}

ElfImage parse_elf(const std::vector<uint8_t>& bytes, const std::string& path) {
    Reader reader(bytes, path);
    if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
        reader.fail("it is not an ELF file (no \\x7fELF magic at the start)");
    }
    if (bytes[EI_CLASS] == ELFCLASS64) {
        reader.fail("it is a 64-bit ELF (ELFCLASS64); the control cores are RV32: build with -march=rv32im -mabi=ilp32");
    }
    if (bytes[EI_CLASS] != ELFCLASS32) reader.fail("unknown ELF class " + std::to_string(bytes[EI_CLASS]));
    if (bytes[EI_DATA] != ELFDATA2LSB) reader.fail("it is big-endian; RISC-V firmware is little-endian");
    const auto header = reader.at<Elf32_Ehdr>(0, "the ELF header");
    if (header.e_machine != EM_RISCV) {
        reader.fail("it is built for machine " + std::to_string(header.e_machine) + " (e_machine), not RISC-V (" +
                    std::to_string(EM_RISCV) + ")");
    }
    if (header.e_type != ET_EXEC) {
        reader.fail(header.e_type == ET_REL   ? "it is an object file (ET_REL), not a linked executable"
                    : header.e_type == ET_DYN ? "it is position-independent or shared (ET_DYN); link a static executable"
                                              : "it is not an executable (e_type " + std::to_string(header.e_type) + ")");
    }
    if (header.e_phnum == 0) reader.fail("it has no program headers, so nothing to load");
    if (header.e_phentsize != sizeof(Elf32_Phdr)) reader.fail("unexpected program header size");
    reader.check_range(header.e_phoff, uint64_t(header.e_phnum) * sizeof(Elf32_Phdr), "the program header table");

    ElfImage image;
    image.path = path;
    image.entry = header.e_entry;
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        const auto ph = reader.at<Elf32_Phdr>(header.e_phoff + uint64_t(i) * sizeof(Elf32_Phdr), "a program header");
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        const std::string name = "loadable segment " + std::to_string(i);
        if (ph.p_filesz > ph.p_memsz) reader.fail(name + " has more file bytes than memory bytes");
        if (uint64_t(ph.p_paddr) + ph.p_memsz > 0x100000000ull) {
            reader.fail(name + " at " + hex(ph.p_paddr, 1) + " runs past the end of the 32-bit address space");
        }
        reader.check_range(ph.p_offset, ph.p_filesz, name);
        ElfSegment segment;
        segment.load_address = ph.p_paddr;
        segment.memory_bytes = ph.p_memsz;
        segment.executable = ph.p_flags & PF_X;
        segment.data.assign(bytes.begin() + ph.p_offset, bytes.begin() + ph.p_offset + ph.p_filesz);
        image.segments.push_back(std::move(segment));
    }
    if (image.segments.empty()) reader.fail("it has no loadable (PT_LOAD) segment");
    // Two segments loading the same bytes would leave the later one's silently; refuse the image instead.
    for (size_t a = 0; a < image.segments.size(); ++a) {
        for (size_t b = a + 1; b < image.segments.size(); ++b) {
            const auto& x = image.segments[a];
            const auto& y = image.segments[b];
            if (uint64_t(x.load_address) < uint64_t(y.load_address) + y.memory_bytes &&
                uint64_t(y.load_address) < uint64_t(x.load_address) + x.memory_bytes) {
                reader.fail("loadable segments overlap: " + describe_segment(x) + " and " + describe_segment(y));
            }
        }
    }
    bool entry_loaded = false;
    for (const auto& segment : image.segments) {
        if (image.entry >= segment.load_address && image.entry - segment.load_address < segment.memory_bytes) {
            entry_loaded = true;
        }
    }
    if (!entry_loaded) reader.fail("its entry point " + hex(image.entry, 1) + " is not inside any loadable segment");
    read_symbols(reader, header, image);
    return image;
}

ElfImage read_elf_file(const std::string& path) {
    // A bound before reading: a directory, /dev/zero or a huge file is refused, not read until memory runs out.
    return parse_elf(read_input_file(path, kMaxImageFileBytes, path, "the firmware image"), path);
}

}  // namespace npuemu::loader
