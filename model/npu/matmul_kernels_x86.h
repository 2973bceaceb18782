// The x86 kernels of matmul_kernels.h (matmul_kernels_x86.cpp), each compiled for its instruction set and called only
// on a host that has it. `weights` is packed for the kernel on the first call (MatmulWeights::packed_for).
#pragma once

#include "model/npu/matmul_kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define NPUEMU_MATMUL_X86 1

namespace npuemu::npu::x86_kernels {

bool has_avx2();
bool has_avx512();       // AVX-512 F, BW and VL
bool has_avx512_vnni();  // and VNNI

void int8_avx2(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& shape);
void int8_avx512(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& shape);
void int8_avx512_vnni(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& shape);
// The VNNI packing (quads and column terms) of a block with k % 4 == 0 and n % 16 == 0; false for other shapes.
bool pack_int8_quads_avx512(MatmulWeights& weights);
void bf16_avx512(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& shape);

}  // namespace npuemu::npu::x86_kernels
#endif
