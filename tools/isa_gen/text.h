// Text helpers of the generator's writers (shared by isa_gen.cpp, register_maps.cpp, riscv_defs.cpp).
#pragma once

#include <cctype>
#include <sstream>
#include <string>

namespace isa_gen {

// "0x1F": uppercase, no padding (as the generated headers write numbers).
inline std::string hex(unsigned long long value) {
    std::ostringstream text;
    text << "0x" << std::hex << std::uppercase << value;
    return text.str();
}

inline std::string upper(std::string text) {
    for (char& c : text) c = (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace isa_gen
