// Bit helpers shared by the blocks (one meaning each).
#pragma once

#include <cstdint>

namespace npuemu {

constexpr bool is_power_of_two(uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

// floor(log2(value)) for value >= 1: the index of the highest set bit.
constexpr unsigned log2_floor(uint64_t value) {
    unsigned bits = 0;
    while (value >>= 1) ++bits;
    return bits;
}

// ceil(log2(value)) for value >= 1: the bits needed to tell value things apart (0 for 1).
constexpr unsigned log2_ceil(uint64_t value) { return value <= 1 ? 0 : log2_floor(value - 1) + 1; }

}  // namespace npuemu
