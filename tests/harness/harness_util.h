// What the host harnesses (gemm_check, conv2d_check, transformer_check, attention_check, decoder_check) share: files in and out of npuemu, how
// addresses are printed and aligned, and BF16 written independently of the model's own bf16.h.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
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
// Compares `actual` (dumped from the run) with `expected` word for word; prints the first few differences.
inline size_t count_mismatches(const std::string& name, const std::vector<uint8_t>& actual, const void* expected,
                               size_t bytes, uint32_t word_bytes, uint32_t cols) {
    if (actual.size() != bytes) {
        std::cerr << name << ": dumped " << actual.size() << " bytes, expected " << bytes << "\n";
        return bytes / word_bytes;
    }
    size_t mismatches = 0;
    const auto* want = static_cast<const uint8_t*>(expected);
    for (size_t i = 0; i < bytes / word_bytes; ++i) {
        if (std::memcmp(&actual[i * word_bytes], want + i * word_bytes, word_bytes) == 0) continue;
        if (mismatches++ < 5) {
            uint32_t got = 0, wanted = 0;
            std::memcpy(&got, &actual[i * word_bytes], word_bytes);
            std::memcpy(&wanted, want + i * word_bytes, word_bytes);
            std::cerr << name << "[" << i / cols << "][" << i % cols << "] = " << hex(got) << ", expected "
                      << hex(wanted) << "\n";
        }
    }
    return mismatches;
}

inline uint32_t align_64k(uint32_t value) { return (value + 0xFFFFu) & ~0xFFFFu; }

// Normally distributed test inputs from one seeded generator, as BF16 or FP32 vectors.
class RandomInputs {
public:
    explicit RandomInputs(uint32_t seed) : rng_(seed) {}
    std::vector<uint16_t> bf16(size_t count, float scale) {
        std::vector<uint16_t> v(count);
        for (auto& x : v) x = float_to_bf16(normal_(rng_) * scale);
        return v;
    }
    std::vector<float> fp32(size_t count, float mean, float scale) {
        std::vector<float> v(count);
        for (auto& x : v) x = mean + normal_(rng_) * scale;
        return v;
    }

private:
    std::mt19937 rng_;
    std::normal_distribution<float> normal_{0.0f, 1.0f};
};

// Inputs written to files in `dir` and placed one after another (4 KiB aligned) in global memory from `at`, with the
// --load options that put them there (on chip `chip` of a system when chip >= 0: FILE@cN:ADDR).
class InputPlacer {
public:
    InputPlacer(std::string dir, uint32_t at, int chip = -1)
        : dir_(std::move(dir)), at_(at), target_(chip >= 0 ? "@c" + std::to_string(chip) + ":" : "@") {}
    template <typename T>
    uint32_t place(const std::vector<T>& data, const std::string& name) {
        const uint32_t address = at_;
        write_file(dir_ + name + ".bin", data);
        loads_ += " --load " + dir_ + name + ".bin" + target_ + hex(address);
        at_ += (static_cast<uint32_t>(data.size() * sizeof(T)) + 0xFFFu) & ~0xFFFu;
        return address;
    }
    // Room for `bytes` that nothing is loaded into (an output, scratch memory).
    uint32_t reserve(uint32_t bytes) {
        const uint32_t address = at_;
        at_ += (bytes + 0xFFFu) & ~0xFFFu;
        return address;
    }
    uint32_t next() const { return at_; }
    const std::string& loads() const { return loads_; }
    // Where a --load of this placer's chip goes: "@" or "@cN:", followed by the address.
    const std::string& target() const { return target_; }

private:
    std::string dir_;
    uint32_t at_;
    std::string target_;
    std::string loads_;
};

}  // namespace harness
