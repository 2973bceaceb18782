// bfloat16 <-> float, the rounding the NPU documents (docs/npu.md): FP32 -> BF16 rounds to nearest, ties to even;
// NaN stays NaN (quiet); BF16 -> FP32 is exact.
#pragma once

#include <cstdint>
#include <cstring>

namespace npuemu::npu {

inline float bf16_to_float(uint16_t bits) {
    const uint32_t word = static_cast<uint32_t>(bits) << 16;
    float value;
    std::memcpy(&value, &word, sizeof value);
    return value;
}

inline uint16_t float_to_bf16(float value) {
    uint32_t word;
    std::memcpy(&word, &value, sizeof word);
    if ((word & 0x7F800000u) == 0x7F800000u && (word & 0x007FFFFFu)) return static_cast<uint16_t>((word >> 16) | 0x40);
    const uint32_t rounding = 0x7FFFu + ((word >> 16) & 1u);
    return static_cast<uint16_t>((word + rounding) >> 16);
}

inline float bits_to_float(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

inline uint32_t float_to_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

}  // namespace npuemu::npu
