// The DMA's transposer on host memory: the element shuffle of a transposing copy.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "model/npu/dma_transpose.h"

using npuemu::npu::transpose_block;
using npuemu::npu::transpose_element_supported;

namespace {

// A rows x cols matrix of element_bytes elements, element (r, c) = r * 256 + c (truncated to the element).
std::vector<uint8_t> dma_transpose_matrix(uint32_t rows, uint32_t cols, uint32_t element_bytes) {
    std::vector<uint8_t> m(size_t(rows) * cols * element_bytes);
    for (uint32_t r = 0; r < rows; ++r) {
        for (uint32_t c = 0; c < cols; ++c) {
            const uint16_t v = static_cast<uint16_t>(r * 256 + c);
            std::memcpy(&m[(size_t(r) * cols + c) * element_bytes], &v, element_bytes);
        }
    }
    return m;
}

}  // namespace

TEST_CASE("dma transposer: element (r, c) of the source lands at (c, r), for 1- and 2-byte elements") {
    for (uint32_t element_bytes : {1u, 2u}) {
        const uint32_t rows = 5, cols = 7, dst_stride = rows * element_bytes + 3;  // padded destination rows
        std::vector<uint8_t> src = dma_transpose_matrix(rows, cols, element_bytes);
        std::vector<uint8_t> dst(cols * dst_stride, 0xEE), staging;
        std::vector<const uint8_t*> from;
        std::vector<uint8_t*> to;
        for (uint32_t r = 0; r < rows; ++r) from.push_back(&src[size_t(r) * cols * element_bytes]);
        for (uint32_t c = 0; c < cols; ++c) to.push_back(&dst[size_t(c) * dst_stride]);
        transpose_block(from, to, element_bytes, staging);
        for (uint32_t c = 0; c < cols; ++c) {
            for (uint32_t r = 0; r < rows; ++r) {
                uint16_t got = 0, want = 0;
                std::memcpy(&got, &dst[c * dst_stride + r * element_bytes], element_bytes);
                std::memcpy(&want, &src[(size_t(r) * cols + c) * element_bytes], element_bytes);
                CHECK(got == want);
            }
            for (uint32_t pad = rows * element_bytes; pad < dst_stride; ++pad) CHECK(dst[c * dst_stride + pad] == 0xEE);
        }
    }
}

TEST_CASE("dma transposer: an in-place square transpose reads the whole source before writing") {
    const uint32_t n = 4;
    std::vector<uint8_t> m = dma_transpose_matrix(n, n, 2), staging;
    const std::vector<uint8_t> original = m;
    std::vector<const uint8_t*> from;
    std::vector<uint8_t*> to;
    for (uint32_t r = 0; r < n; ++r) {
        from.push_back(&m[r * n * 2]);
        to.push_back(&m[r * n * 2]);
    }
    transpose_block(from, to, 2, staging);
    for (uint32_t r = 0; r < n; ++r) {
        for (uint32_t c = 0; c < n; ++c) CHECK(std::memcmp(&m[(c * n + r) * 2], &original[(r * n + c) * 2], 2) == 0);
    }
}

TEST_CASE("dma transposer: only 1- and 2-byte elements") {
    CHECK(transpose_element_supported(1));
    CHECK(transpose_element_supported(2));
    CHECK_FALSE(transpose_element_supported(0));
    CHECK_FALSE(transpose_element_supported(3));
}
