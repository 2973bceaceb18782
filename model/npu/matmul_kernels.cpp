#include "model/npu/matmul_kernels.h"

#include <cstring>

#include "model/npu/bf16.h"

namespace npuemu::npu {

void matmul_int8(const uint8_t* act, const int8_t* weights, uint8_t* acc, const MatmulShape& s) {
    for (uint32_t i = 0; i < s.m; ++i) {
        const int8_t* a = reinterpret_cast<const int8_t*>(act + i * s.act_stride_bytes);
        uint8_t* c_row = acc + i * s.acc_stride_bytes;
        for (uint32_t j = 0; j < s.n; ++j) {
            uint32_t sum = 0;  // unsigned: wrapping is defined
            for (uint32_t k = 0; k < s.k; ++k) {
                sum += static_cast<uint32_t>(static_cast<int32_t>(a[k]) * static_cast<int32_t>(weights[k * s.n + j]));
            }
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
    for (uint32_t i = 0; i < s.m; ++i) {
        const uint8_t* a_row = act + i * s.act_stride_bytes;
        uint8_t* c_row = acc + i * s.acc_stride_bytes;
        for (uint32_t j = 0; j < s.n; ++j) {
            float column = 0.0f;
            for (uint32_t k = 0; k < s.k; ++k) {
                uint16_t a_bits;
                std::memcpy(&a_bits, a_row + 2 * k, 2);
                // volatile-free but exact: a bf16 x bf16 product has at most 16 significant bits.
                column += bf16_to_float(a_bits) * bf16_to_float(weights[k * s.n + j]);
            }
            float result = column;
            if (s.accumulate) {
                float old;
                std::memcpy(&old, c_row + 4 * j, 4);
                result = old + column;
            }
            std::memcpy(c_row + 4 * j, &result, 4);
        }
    }
}

}  // namespace npuemu::npu
