// The ELF loader: a well-formed RV32 executable is read completely; every way a file can be wrong is an error that
// says what is wrong with it. Images are built in memory, so each test shows exactly which field is off.
#include <doctest/doctest.h>

#include <elf.h>

#include <cstring>
#include <vector>

#include "model/common/error.h"
#include "model/loader/elf_image.h"

using npuemu::loader::parse_elf;

namespace {

// A minimal RV32 executable: one loadable segment at 0x80000000 (code followed by zeroed memory), and a symbol
// table with `tohost`.
struct ElfBuilder {
    Elf32_Ehdr header{};
    Elf32_Phdr segment{};
    std::vector<uint8_t> code{0x13, 0x00, 0x00, 0x00, 0x6f, 0x00, 0x00, 0x00};  // nop; j .
    bool with_symbols = true;

    ElfBuilder() {
        std::memcpy(header.e_ident, ELFMAG, SELFMAG);
        header.e_ident[EI_CLASS] = ELFCLASS32;
        header.e_ident[EI_DATA] = ELFDATA2LSB;
        header.e_ident[EI_VERSION] = EV_CURRENT;
        header.e_type = ET_EXEC;
        header.e_machine = EM_RISCV;
        header.e_version = EV_CURRENT;
        header.e_entry = 0x80000000;
        header.e_phoff = sizeof(Elf32_Ehdr);
        header.e_ehsize = sizeof(Elf32_Ehdr);
        header.e_phentsize = sizeof(Elf32_Phdr);
        header.e_phnum = 1;
        header.e_shentsize = sizeof(Elf32_Shdr);
        segment.p_type = PT_LOAD;
        segment.p_paddr = segment.p_vaddr = 0x80000000;
        segment.p_flags = PF_R | PF_X;
        segment.p_memsz = 64;
    }

    std::vector<uint8_t> build() {
        std::vector<uint8_t> bytes;
        bytes.reserve(4096);  // also keeps GCC 12's -Warray-bounds false positive on vector::insert quiet
        bytes.resize(sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr));
        segment.p_offset = segment.p_offset ? segment.p_offset : static_cast<Elf32_Off>(bytes.size());
        segment.p_filesz = segment.p_filesz ? segment.p_filesz : static_cast<Elf32_Word>(code.size());
        bytes.insert(bytes.end(), code.begin(), code.end());
        if (with_symbols) append_symbols(bytes);
        std::memcpy(bytes.data(), &header, sizeof header);
        std::memcpy(bytes.data() + sizeof header, &segment, sizeof segment);
        return bytes;
    }

private:
    void append_symbols(std::vector<uint8_t>& bytes) {
        const std::string strings = std::string("\0tohost\0fromhost\0", 17);
        const Elf32_Off strings_offset = static_cast<Elf32_Off>(bytes.size());
        bytes.insert(bytes.end(), strings.begin(), strings.end());
        while (bytes.size() % 4) bytes.push_back(0);
        Elf32_Sym symbols[3]{};
        symbols[1].st_name = 1;
        symbols[1].st_value = 0x80001000;
        symbols[1].st_shndx = 1;
        symbols[2].st_name = 8;
        symbols[2].st_value = 0x80001040;
        symbols[2].st_shndx = 1;
        const Elf32_Off symbols_offset = static_cast<Elf32_Off>(bytes.size());
        bytes.insert(bytes.end(), reinterpret_cast<uint8_t*>(symbols), reinterpret_cast<uint8_t*>(symbols) + sizeof symbols);
        Elf32_Shdr sections[3]{};
        sections[1].sh_type = SHT_SYMTAB;
        sections[1].sh_offset = symbols_offset;
        sections[1].sh_size = sizeof symbols;
        sections[1].sh_link = 2;
        sections[1].sh_entsize = sizeof(Elf32_Sym);
        sections[2].sh_type = SHT_STRTAB;
        sections[2].sh_offset = strings_offset;
        sections[2].sh_size = static_cast<Elf32_Word>(strings.size());
        header.e_shoff = static_cast<Elf32_Off>(bytes.size());
        header.e_shnum = 3;
        bytes.insert(bytes.end(), reinterpret_cast<uint8_t*>(sections), reinterpret_cast<uint8_t*>(sections) + sizeof sections);
    }
};

std::string error_of(const std::vector<uint8_t>& bytes) {
    try {
        parse_elf(bytes, "fw.elf");
    } catch (const npuemu::Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("elf: a well-formed RV32 executable is read with its segments, entry and symbols") {
    ElfBuilder builder;
    const auto image = parse_elf(builder.build(), "fw.elf");
    CHECK(image.entry == 0x80000000);
    REQUIRE(image.segments.size() == 1);
    CHECK(image.segments[0].load_address == 0x80000000);
    CHECK(image.segments[0].memory_bytes == 64);
    CHECK(image.segments[0].data == builder.code);
    CHECK(image.segments[0].executable);
    CHECK(image.symbol("tohost") == 0x80001000u);
    CHECK(image.symbol("fromhost") == 0x80001040u);
    CHECK_FALSE(image.symbol("nosuch"));
}

TEST_CASE("elf: segments load at their physical address (picolibc keeps .data at its load address)") {
    ElfBuilder builder;
    builder.segment.p_vaddr = 0x80400000;
    const auto image = parse_elf(builder.build(), "fw.elf");
    CHECK(image.segments[0].load_address == 0x80000000);
}

TEST_CASE("elf: a stripped image still loads") {
    ElfBuilder builder;
    builder.with_symbols = false;
    const auto image = parse_elf(builder.build(), "fw.elf");
    CHECK(image.symbols.empty());
}

TEST_CASE("elf: each way a file can be wrong says what is wrong") {
    ElfBuilder builder;
    std::vector<uint8_t> good = builder.build();
    const std::string prefix = "fw.elf: not a usable firmware image: ";

    CHECK(error_of({}) == prefix + "it is not an ELF file (no \\x7fELF magic at the start)");
    CHECK(error_of({'#', '!', '/', 'b', 'i', 'n'}) == prefix + "it is not an ELF file (no \\x7fELF magic at the start)");

    auto bytes = good;
    bytes[EI_CLASS] = ELFCLASS64;
    CHECK(error_of(bytes).find(prefix + "it is a 64-bit ELF (ELFCLASS64)") == 0);

    bytes = good;
    bytes[EI_DATA] = ELFDATA2MSB;
    CHECK(error_of(bytes) == prefix + "it is big-endian; RISC-V firmware is little-endian");

    ElfBuilder arm;
    arm.header.e_machine = EM_ARM;
    CHECK(error_of(arm.build()) == prefix + "it is built for machine 40 (e_machine), not RISC-V (243)");

    ElfBuilder object;
    object.header.e_type = ET_REL;
    CHECK(error_of(object.build()) == prefix + "it is an object file (ET_REL), not a linked executable");

    ElfBuilder shared;
    shared.header.e_type = ET_DYN;
    CHECK(error_of(shared.build()).find("position-independent or shared (ET_DYN)") != std::string::npos);

    bytes = good;
    bytes.resize(30);
    CHECK(error_of(bytes).find("the ELF header at offset 0x0 lies past the end of the file (30 bytes)") !=
          std::string::npos);
}

TEST_CASE("elf: segment problems") {
    const std::string prefix = "fw.elf: not a usable firmware image: ";

    ElfBuilder no_load;
    no_load.segment.p_type = PT_NOTE;
    CHECK(error_of(no_load.build()) == prefix + "it has no loadable (PT_LOAD) segment");

    ElfBuilder too_many_file_bytes;
    too_many_file_bytes.segment.p_filesz = 128;
    CHECK(error_of(too_many_file_bytes.build()) == prefix + "loadable segment 0 has more file bytes than memory bytes");

    ElfBuilder past_end;
    past_end.segment.p_offset = 0x10000;
    CHECK(error_of(past_end.build()).find("loadable segment 0 (offset 0x10000, 8 bytes) lies past the end of the file") !=
          std::string::npos);

    ElfBuilder wraps;
    wraps.segment.p_paddr = 0xFFFFFFF0;
    wraps.header.e_entry = 0xFFFFFFF0;
    CHECK(error_of(wraps.build()) == prefix + "loadable segment 0 at 0xfffffff0 runs past the end of the 32-bit address space");

    ElfBuilder bad_entry;
    bad_entry.header.e_entry = 0x90000000;
    CHECK(error_of(bad_entry.build()) == prefix + "its entry point 0x90000000 is not inside any loadable segment");

    ElfBuilder no_headers;
    no_headers.header.e_phnum = 0;
    CHECK(error_of(no_headers.build()) == prefix + "it has no program headers, so nothing to load");
}

TEST_CASE("elf: a missing file") {
    CHECK_THROWS_WITH_AS(npuemu::loader::read_elf_file("/nonexistent/fw.elf"),
                         "/nonexistent/fw.elf: cannot open the firmware image (No such file or directory)",
                         npuemu::Error);
}

TEST_CASE("elf: overlapping loadable segments are refused") {
    ElfBuilder builder;
    builder.with_symbols = false;
    builder.header.e_phnum = 2;
    std::vector<uint8_t> bytes = builder.build();
    // A second program header after the first: the same segment 0x20 bytes further on.
    Elf32_Phdr second = builder.segment;
    second.p_paddr = second.p_vaddr = 0x80000020;
    const auto* raw = reinterpret_cast<const uint8_t*>(&second);
    bytes.insert(bytes.begin() + sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr), raw, raw + sizeof second);
    CHECK_THROWS_WITH_AS(parse_elf(bytes, "two.elf"),
                         doctest::Contains("loadable segments overlap: 0x80000000-0x8000003f and 0x80000020-0x8000005f"),
                         npuemu::Error);
    second.p_paddr = 0x80000040;  // adjacent: fine
    std::memcpy(bytes.data() + sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr), &second, sizeof second);
    CHECK(parse_elf(bytes, "two.elf").segments.size() == 2);
}
