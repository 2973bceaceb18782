// The arithmetic of one matmul instruction, exactly as the systolic array computes it (docs/npu.md):
//   C[i][j] (+)= sum over k of A[i][k] * W[k][j]
// INT8 x INT8 -> INT32: exact products, wrapping two's-complement INT32 sums.
// BF16 x BF16 -> FP32: each product is exact in FP32; each column starts from +0.0 at the top of the array and adds
// the products in k order (FP32, round to nearest even); with `accumulate`, the column's result is then added to the
// accumulator's value (FP32, round to nearest even).
// Pure functions on host memory, shared by the model and the RTL cross-check.
#pragma once

#include <cstdint>
#include <vector>

namespace npuemu::npu {

struct MatmulShape {
    uint32_t m = 0, k = 0, n = 0;
    uint64_t act_stride_bytes = 0;  // between activation rows
    uint64_t acc_stride_bytes = 0;  // between accumulator rows
    bool accumulate = false;
};

// The host code paths. Every one gives the same bits (the unit test compares each one the host can run against the
// plainest column-by-column reference); they differ only in speed.
enum class MatmulKernel : uint8_t {
    Portable,  // GCC vector types, compiled for AVX-512F, AVX2 and baseline x86-64 (chosen by the CPU at load time)
    Avx2,      // INT8: INT16 pair multiply-adds (vpmaddwd) in blocks of 4 rows x 16 columns; BF16: as Portable
    Avx512,    // INT8: vpmaddwd, k <= 32 streams the rows past weights held in registers; BF16: 8-row blocks
    Avx512Vnni,  // INT8: vpdpbusd (four products per lane and instruction), weights in registers, every k; BF16: as Avx512
};
const char* matmul_kernel_name(MatmulKernel kernel);
std::vector<MatmulKernel> host_matmul_kernels();  // the ones this host can run, Portable first, the fastest last
MatmulKernel best_matmul_kernel();                // the last of those (looked up once)

// One weight block (k x n, row-major, dense, as held in the array), kept as loaded and packed for a kernel on its
// first matmul: later matmuls on the same block reuse the packing, and the buffers (packing and the per-call
// activation scratch) keep their capacity from load to load, so a warm matmul allocates nothing.
class MatmulWeights {
public:
    void load_int8(const int8_t* weights, uint32_t k, uint32_t n);
    void load_bf16(const uint16_t* weights, uint32_t k, uint32_t n);
    uint32_t k() const { return k_; }
    uint32_t n() const { return n_; }
    bool bf16() const { return bf16_; }

    // The kernels' view (matmul_kernels*.cpp): the block as loaded, its packing for `packed_for`, and scratch.
    const uint8_t* values() const { return values_.data(); }
    uint32_t n_padded() const { return (n_ + 15) / 16 * 16; }  // columns rounded up to a 16-column block
    bool packed_for(MatmulKernel kernel) const { return packed_valid_ && packed_kernel_ == kernel; }
    void mark_packed(MatmulKernel kernel) {
        packed_kernel_ = kernel;
        packed_valid_ = true;
    }
    std::vector<uint8_t>& packed() { return packed_; }
    std::vector<int32_t>& column_terms() { return column_terms_; }  // per column, added to each sum (VNNI: -128 sum w)
    std::vector<uint8_t>& scratch() { return scratch_; }

private:
    void load(const void* weights, uint32_t k, uint32_t n, bool bf16);

    std::vector<uint8_t> values_;
    uint32_t k_ = 0, n_ = 0;
    bool bf16_ = false;
    std::vector<uint8_t> packed_;
    std::vector<int32_t> column_terms_;
    std::vector<uint8_t> scratch_;
    MatmulKernel packed_kernel_ = MatmulKernel::Portable;
    bool packed_valid_ = false;
};

// shape.k and shape.n are the block's (weights.k(), weights.n()).
void matmul_int8(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& shape,
                 MatmulKernel kernel = best_matmul_kernel());
void matmul_bf16(const uint8_t* act, MatmulWeights& weights, uint8_t* acc, const MatmulShape& shape,
                 MatmulKernel kernel = best_matmul_kernel());

// A block used once. weights: shape.k x shape.n, row-major, dense (as held in the array).
void matmul_int8(const uint8_t* act, const int8_t* weights, uint8_t* acc, const MatmulShape& shape);
void matmul_bf16(const uint8_t* act, const uint16_t* weights, uint8_t* acc, const MatmulShape& shape);

}  // namespace npuemu::npu
