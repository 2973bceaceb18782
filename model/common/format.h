// Text helpers for messages (one meaning each).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace npuemu {

// "0x0000abcd": lowercase, at least min_digits digits (addresses: 8; file offsets: 1).
inline std::string hex(uint64_t value, int min_digits = 8) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%0*llx", min_digits, static_cast<unsigned long long>(value));
    return text;
}

}  // namespace npuemu
