// The NPU's arithmetic on host memory: BF16 rounding, the matmul semantics, the vector ops.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "model/npu/bf16.h"
#include "model/npu/matmul_kernels.h"
#include "model/npu/vector_ops.h"

using namespace npuemu::npu;
namespace isa = npuemu::npu::isa;

TEST_CASE("npu arithmetic: FP32 -> BF16 rounds to nearest, ties to even") {
    CHECK(float_to_bf16(1.0f) == 0x3F80);
    CHECK(float_to_bf16(bits_to_float(0x3F808000)) == 0x3F80);  // tie, even stays
    CHECK(float_to_bf16(bits_to_float(0x3F818000)) == 0x3F82);  // tie, odd rounds up to even
    CHECK(float_to_bf16(bits_to_float(0x3F808001)) == 0x3F81);  // just above the tie
    CHECK(float_to_bf16(bits_to_float(0x3F807FFF)) == 0x3F80);  // just below
    CHECK(float_to_bf16(-2.5f) == 0xC020);
    CHECK(float_to_bf16(bits_to_float(0x7F7FFFFF)) == 0x7F80);  // overflows to infinity
    CHECK((float_to_bf16(std::numeric_limits<float>::quiet_NaN()) & 0x7FC0) == 0x7FC0);
    CHECK(bf16_to_float(0x4049) == bits_to_float(0x40490000));
}

TEST_CASE("npu arithmetic: INT8 matmul wraps in INT32 and accumulates on request") {
    const int8_t act[2][3] = {{-128, 127, 1}, {2, -3, 4}};
    const int8_t w[3][2] = {{-128, 1}, {-128, 2}, {5, -6}};
    int32_t acc[2][2] = {{100, 100}, {100, 100}};
    MatmulShape shape{2, 3, 2, 3, 8, false};
    matmul_int8(reinterpret_cast<const uint8_t*>(act), &w[0][0], reinterpret_cast<uint8_t*>(acc), shape);
    CHECK(acc[0][0] == (-128 * -128 + 127 * -128 + 1 * 5));
    CHECK(acc[0][1] == (-128 * 1 + 127 * 2 + 1 * -6));
    CHECK(acc[1][1] == (2 * 1 - 3 * 2 - 4 * 6));
    shape.accumulate = true;
    matmul_int8(reinterpret_cast<const uint8_t*>(act), &w[0][0], reinterpret_cast<uint8_t*>(acc), shape);
    CHECK(acc[1][1] == 2 * (2 * 1 - 3 * 2 - 4 * 6));
}

TEST_CASE("npu arithmetic: BF16 matmul sums a column from +0.0 in k order, then adds the accumulator") {
    // 1 + 2^-8 + 2^-8 in that order in FP32 then accumulated onto 2^24: the order is observable.
    const uint16_t act[3] = {float_to_bf16(1.0f), float_to_bf16(1.0f), float_to_bf16(1.0f)};
    const uint16_t w[3] = {float_to_bf16(16777216.0f), float_to_bf16(1.0f), float_to_bf16(1.0f)};
    float acc = 0.0f;
    MatmulShape shape{1, 3, 1, 6, 4, false};
    matmul_bf16(reinterpret_cast<const uint8_t*>(act), w, reinterpret_cast<uint8_t*>(&acc), shape);
    CHECK(acc == 16777216.0f);  // (2^24 + 1) rounds to 2^24, again for the second 1
    acc = 3.0f;
    shape.accumulate = true;
    const uint16_t w2[3] = {float_to_bf16(1.0f), float_to_bf16(1.0f), float_to_bf16(1.0f)};
    matmul_bf16(reinterpret_cast<const uint8_t*>(act), w2, reinterpret_cast<uint8_t*>(&acc), shape);
    CHECK(acc == 6.0f);
}

namespace {

VectorShape fp32_shape(uint32_t rows, uint32_t cols) {
    VectorShape s;
    s.rows = rows;
    s.cols = cols;
    s.in_dtype = s.out_dtype = static_cast<unsigned>(isa::Dtype::FP32);
    s.dst_stride = s.a_stride = s.b_stride = cols * 4;
    return s;
}

}  // namespace

TEST_CASE("npu arithmetic: vector element-wise, broadcast and reduction ops") {
    std::vector<float> a = {1, -2, 3, -4, 5, -6}, b = {10, 20, 30, 40, 50, 60}, d(6);
    VectorShape s = fp32_shape(2, 3);
    auto run = [&](isa::Op op, const void* bp, uint32_t scalar = 0) {
        run_vector_op(op, s, reinterpret_cast<uint8_t*>(d.data()), reinterpret_cast<const uint8_t*>(a.data()),
                      reinterpret_cast<const uint8_t*>(bp), scalar);
    };
    run(isa::Op::VxAdd, b.data());
    CHECK(d == std::vector<float>{11, 18, 33, 36, 55, 54});
    run(isa::Op::VxMax, b.data());
    CHECK(d == std::vector<float>{10, 20, 30, 40, 50, 60});
    run(isa::Op::VxRelu, nullptr);
    CHECK(d == std::vector<float>{1, 0, 3, 0, 5, 0});
    std::vector<float> per_row = {100, 1000};
    s.b_stride = 4;
    run(isa::Op::VxSubRowb, per_row.data());
    CHECK(d == std::vector<float>{-99, -102, -97, -1004, -995, -1006});
    run(isa::Op::VxMulColb, b.data());
    CHECK(d == std::vector<float>{10, -40, 90, -40, 100, -180});
    run(isa::Op::VxMulScalar, nullptr, float_to_bits(0.5f));
    CHECK(d == std::vector<float>{0.5f, -1, 1.5f, -2, 2.5f, -3});
    s.dst_stride = 4;
    run(isa::Op::VxRowmax, nullptr);
    CHECK(d[0] == 3.0f);
    CHECK(d[1] == 5.0f);
    run(isa::Op::VxRowsum, nullptr);
    CHECK(d[0] == 2.0f);
    CHECK(d[1] == -5.0f);
}

TEST_CASE("npu arithmetic: transcendental ops follow their formulas") {
    std::vector<float> a = {0.0f, 1.0f, -3.0f, 4.0f}, d(4);
    VectorShape s = fp32_shape(1, 4);
    run_vector_op(isa::Op::VxExp, s, reinterpret_cast<uint8_t*>(d.data()), reinterpret_cast<const uint8_t*>(a.data()), nullptr, 0);
    CHECK(d[1] == std::exp(1.0f));
    run_vector_op(isa::Op::VxGelu, s, reinterpret_cast<uint8_t*>(d.data()), reinterpret_cast<const uint8_t*>(a.data()), nullptr, 0);
    CHECK(d[0] == 0.0f);
    CHECK(d[1] == doctest::Approx(0.8412).epsilon(1e-3));
    CHECK(d[2] == doctest::Approx(-0.0036).epsilon(0.05));
    run_vector_op(isa::Op::VxRsqrt, s, reinterpret_cast<uint8_t*>(d.data()), reinterpret_cast<const uint8_t*>(a.data()), nullptr, 0);
    CHECK(d[3] == 0.5f);
    run_vector_op(isa::Op::VxRecip, s, reinterpret_cast<uint8_t*>(d.data()), reinterpret_cast<const uint8_t*>(a.data()), nullptr, 0);
    CHECK(d[3] == 0.25f);
}

TEST_CASE("npu arithmetic: requantize INT32 -> INT8 rounds half up and saturates") {
    const int32_t a[5] = {100, 101, -101, 100000, -100000};
    int8_t d[5];
    VectorShape s;
    s.rows = 1;
    s.cols = 5;
    s.in_dtype = static_cast<unsigned>(isa::Dtype::INT32);
    s.out_dtype = static_cast<unsigned>(isa::Dtype::INT8);
    s.shift = 1;
    s.zero_point = 3;
    CHECK(*vector_op_type_error(isa::Op::VxRequant, s) == '\0');
    run_vector_op(isa::Op::VxRequant, s, reinterpret_cast<uint8_t*>(d), reinterpret_cast<const uint8_t*>(a), nullptr, 1);
    CHECK(d[0] == 53);    // (100 + 1) >> 1 = 50, + 3
    CHECK(d[1] == 54);    // (101 + 1) >> 1 = 51, + 3
    CHECK(d[2] == -47);   // (-101 + 1) >> 1 = -50, + 3
    CHECK(d[3] == 127);
    CHECK(d[4] == -128);
}

TEST_CASE("npu arithmetic: conversions and type checks") {
    const float a[3] = {1.0f, bits_to_float(0x3F818000), -0.0f};
    uint16_t d[3];
    VectorShape s = fp32_shape(1, 3);
    s.out_dtype = static_cast<unsigned>(isa::Dtype::BF16);
    run_vector_op(isa::Op::VxConvert, s, reinterpret_cast<uint8_t*>(d), reinterpret_cast<const uint8_t*>(a), nullptr, 0);
    CHECK(d[0] == 0x3F80);
    CHECK(d[1] == 0x3F82);
    CHECK(d[2] == 0x8000);
    CHECK(std::string(vector_op_type_error(isa::Op::VxExp, s)) == "needs FP32 input and output");
    s.out_dtype = s.in_dtype;
    CHECK(std::string(vector_op_type_error(isa::Op::VxConvert, s)) == "needs different input and output types");
    s.in_dtype = s.out_dtype = static_cast<unsigned>(isa::Dtype::INT8);
    CHECK(std::string(vector_op_type_error(isa::Op::VxAdd, s)) == "needs FP32 or INT32 input (vx.shape in_dtype)");
}
