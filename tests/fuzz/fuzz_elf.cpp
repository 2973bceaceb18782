// libFuzzer: the ELF loader on arbitrary bytes. Every input must parse or be refused with npuemu::Error.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/common/error.h"
#include "model/loader/elf_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        npuemu::loader::parse_elf(std::vector<uint8_t>(data, data + size), "fuzz.elf");
    } catch (const npuemu::Error&) {
    }
    return 0;
}
