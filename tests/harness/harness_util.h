// What the host harnesses (gemm_check, conv2d_check, transformer_check) share: files in and out of npuemu, how
// addresses are printed and aligned, and BF16 written independently of the model's own bf16.h.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace harness {

inline float bf16_to_float(uint16_t bits) {
    const uint32_t word = uint32_t(bits) << 16;
    float value;
    std::memcpy(&value, &word, 4);
    return value;
}

inline uint16_t float_to_bf16(float value) {  // round to nearest, ties to even (no NaNs arise in the harnesses)
    uint32_t word;
    std::memcpy(&word, &value, 4);
    return static_cast<uint16_t>((word + 0x7FFFu + ((word >> 16) & 1u)) >> 16);
}

inline void write_file(const std::string& path, const void* data, size_t bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    if (!out) throw std::runtime_error("cannot write " + path);
}

template <typename T>
void write_file(const std::string& path, const std::vector<T>& data) {
    write_file(path, data.data(), data.size() * sizeof(T));
}

inline std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string hex(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", value);
    return text;
}

// Places buffers on 64 KiB boundaries in global memory.
inline uint32_t align_64k(uint32_t value) { return (value + 0xFFFFu) & ~0xFFFFu; }

}  // namespace harness
