#include "model/npu/matmul_kernels.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "model/npu/bf16.h"

namespace npuemu::npu {

void matmul_int8(const uint8_t* act, const int8_t* weights, uint8_t* acc, const MatmulShape& s) {
    std::vector<uint32_t> sums(s.n);  // unsigned: wrapping is defined; integer sums do not depend on order
    for (uint32_t i = 0; i < s.m; ++i) {
        const int8_t* a = reinterpret_cast<const int8_t*>(act + i * s.act_stride_bytes);
        uint8_t* c_row = acc + i * s.acc_stride_bytes;
        std::fill(sums.begin(), sums.end(), 0u);
        for (uint32_t k = 0; k < s.k; ++k) {
            const int32_t x = a[k];
            const int8_t* w_row = weights + size_t(k) * s.n;
            for (uint32_t j = 0; j < s.n; ++j) sums[j] += static_cast<uint32_t>(x * static_cast<int32_t>(w_row[j]));
        }
        for (uint32_t j = 0; j < s.n; ++j) {
            uint32_t sum = sums[j];
            if (s.accumulate) {
                uint32_t old;
                std::memcpy(&old, c_row + 4 * j, 4);
                sum += old;
            }
            std::memcpy(c_row + 4 * j, &sum, 4);
        }
    }
}

void matmul_bf16(const uint8_t* act, const uint16_t* weights, uint8_t* acc, const MatmulShape& s) {
    // Same operations per element as the column formulation (each column's sum runs k = 0, 1, ... from +0.0), with
    // k outermost so the host vectorises over the columns.
    std::vector<float> w(size_t(s.k) * s.n), column(s.n);
    for (size_t idx = 0; idx < w.size(); ++idx) w[idx] = bf16_to_float(weights[idx]);
    for (uint32_t i = 0; i < s.m; ++i) {
        const uint8_t* a_row = act + i * s.act_stride_bytes;
        uint8_t* c_row = acc + i * s.acc_stride_bytes;
        std::fill(column.begin(), column.end(), 0.0f);
        for (uint32_t k = 0; k < s.k; ++k) {
            uint16_t a_bits;
            std::memcpy(&a_bits, a_row + 2 * k, 2);
            const float a = bf16_to_float(a_bits);  // a bf16 x bf16 product is exact in FP32
            const float* w_row = &w[size_t(k) * s.n];
            for (uint32_t j = 0; j < s.n; ++j) column[j] += a * w_row[j];
        }
        for (uint32_t j = 0; j < s.n; ++j) {
            float result = column[j];
            if (s.accumulate) {
                float old;
                std::memcpy(&old, c_row + 4 * j, 4);
                result = old + column[j];
            }
            std::memcpy(c_row + 4 * j, &result, 4);
        }
    }
}

}  // namespace npuemu::npu
