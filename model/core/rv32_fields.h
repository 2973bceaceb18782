// RV32 instruction fields and immediates (shared by the hart's execute and CSR code).
#pragma once

#include <cstdint>

namespace npuemu::core::rv32 {

inline uint32_t bits(uint32_t value, unsigned hi, unsigned lo) { return (value >> lo) & ((1u << (hi - lo + 1)) - 1); }
inline int32_t sign_extend(uint32_t value, unsigned width) {
    const uint32_t shift = 32 - width;
    return static_cast<int32_t>(value << shift) >> shift;
}
inline uint32_t imm_i(uint32_t in) { return static_cast<uint32_t>(static_cast<int32_t>(in) >> 20); }
inline uint32_t imm_s(uint32_t in) {
    return static_cast<uint32_t>(sign_extend((bits(in, 31, 25) << 5) | bits(in, 11, 7), 12));
}
inline uint32_t imm_b(uint32_t in) {
    const uint32_t value = (bits(in, 31, 31) << 12) | (bits(in, 7, 7) << 11) | (bits(in, 30, 25) << 5) |
                           (bits(in, 11, 8) << 1);
    return static_cast<uint32_t>(sign_extend(value, 13));
}
inline uint32_t imm_j(uint32_t in) {
    const uint32_t value = (bits(in, 31, 31) << 20) | (bits(in, 19, 12) << 12) | (bits(in, 20, 20) << 11) |
                           (bits(in, 30, 21) << 1);
    return static_cast<uint32_t>(sign_extend(value, 21));
}

}  // namespace npuemu::core::rv32
