#include "model/npu/vector_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/npu/bf16.h"
#include "model/npu/dtype_codes.h"

namespace npuemu::npu {

using isa::Op;

namespace {

enum class Kind { Elementwise, RowBroadcast, ColBroadcast, Unary, Scalar, Reduce, Requant, Convert, Other };

Kind kind_of(Op op) {
    switch (op) {
        case Op::VxAdd: case Op::VxSub: case Op::VxMul: case Op::VxMax: return Kind::Elementwise;
        case Op::VxAddRowb: case Op::VxSubRowb: case Op::VxMulRowb: return Kind::RowBroadcast;
        case Op::VxAddColb: case Op::VxMulColb: return Kind::ColBroadcast;
        case Op::VxRelu: case Op::VxGelu: case Op::VxExp: case Op::VxRecip: case Op::VxRsqrt: return Kind::Unary;
        case Op::VxMulScalar: case Op::VxAddScalar: return Kind::Scalar;
        case Op::VxRowmax: case Op::VxRowsum: return Kind::Reduce;
        case Op::VxRequant: return Kind::Requant;
        case Op::VxConvert: return Kind::Convert;
        default: return Kind::Other;
    }
}

template <typename T> T load(const uint8_t* p) { T v; std::memcpy(&v, p, sizeof v); return v; }
template <typename T> void store(uint8_t* p, T v) { std::memcpy(p, &v, sizeof v); }

float gelu(float x) {
    const float inner = 0.7978845608f * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + std::tanh(inner));
}

template <typename T>
T combine(Op op, T a, T b) {
    switch (op) {
        case Op::VxAdd: case Op::VxAddRowb: case Op::VxAddColb: case Op::VxAddScalar: return a + b;
        case Op::VxSub: case Op::VxSubRowb: return a - b;
        case Op::VxMul: case Op::VxMulRowb: case Op::VxMulColb: case Op::VxMulScalar: return a * b;
        case Op::VxMax: return std::max(a, b);
        default: return a;
    }
}

// INT32 arithmetic wraps like hardware (done in unsigned to stay defined in C++).
int32_t combine_int(Op op, int32_t a, int32_t b) {
    const uint32_t ua = static_cast<uint32_t>(a), ub = static_cast<uint32_t>(b);
    switch (op) {
        case Op::VxAdd: case Op::VxAddRowb: case Op::VxAddColb: case Op::VxAddScalar: return static_cast<int32_t>(ua + ub);
        case Op::VxSub: case Op::VxSubRowb: return static_cast<int32_t>(ua - ub);
        case Op::VxMul: case Op::VxMulRowb: case Op::VxMulColb: case Op::VxMulScalar: return static_cast<int32_t>(ua * ub);
        case Op::VxMax: return std::max(a, b);
        default: return a;
    }
}

float unary(Op op, float x) {
    switch (op) {
        case Op::VxRelu: return x > 0.0f ? x : 0.0f;
        case Op::VxGelu: return gelu(x);
        case Op::VxExp: return std::exp(x);
        case Op::VxRecip: return 1.0f / x;
        case Op::VxRsqrt: return 1.0f / std::sqrt(x);
        default: return x;
    }
}

float to_float(const uint8_t* p, unsigned dtype) {
    switch (dtype) {
        case kInt8: return static_cast<float>(load<int8_t>(p));
        case kBf16: return bf16_to_float(load<uint16_t>(p));
        case kInt32: return static_cast<float>(load<int32_t>(p));
        default: return load<float>(p);
    }
}

void from_float(uint8_t* p, unsigned dtype, float v) {
    switch (dtype) {
        case kBf16: store(p, float_to_bf16(v)); break;
        case kInt32: {
            const float r = std::nearbyint(v);  // round to nearest even (default rounding mode)
            const int32_t i = std::isnan(r) ? 0 : r >= 2147483647.0f ? INT32_MAX : r <= -2147483648.0f ? INT32_MIN
                                                                                                         : static_cast<int32_t>(r);
            store(p, i);
            break;
        }
        case kInt8: {
            const float r = std::nearbyint(v);
            store(p, static_cast<int8_t>(std::isnan(r) ? 0 : std::clamp(r, -128.0f, 127.0f)));
            break;
        }
        default: store(p, v);
    }
}

}  // namespace

bool is_transcendental(Op op) {
    return op == Op::VxGelu || op == Op::VxExp || op == Op::VxRecip || op == Op::VxRsqrt;
}

const char* vector_op_type_error(Op op, const VectorShape& s) {
    switch (kind_of(op)) {
        case Kind::Elementwise: case Kind::RowBroadcast: case Kind::ColBroadcast: case Kind::Scalar: case Kind::Reduce:
            if (s.in_dtype != kFp32 && s.in_dtype != kInt32) return "needs FP32 or INT32 input (vx.shape in_dtype)";
            if (s.out_dtype != s.in_dtype) return "needs the output type equal to the input type";
            return "";
        case Kind::Unary:
            if (op == Op::VxRelu && (s.in_dtype == kFp32 || s.in_dtype == kInt32) && s.out_dtype == s.in_dtype) return "";
            if (s.in_dtype != kFp32 || s.out_dtype != kFp32) return "needs FP32 input and output";
            return "";
        case Kind::Requant:
            if (s.in_dtype != kInt32 || s.out_dtype != kInt8) return "needs INT32 input and INT8 output";
            if (s.shift == 0 || s.shift > 62) return "needs a shift from 1 to 62";
            return "";
        case Kind::Convert:
            if (s.in_dtype == s.out_dtype) return "needs different input and output types";
            return "";
        default: return "is not a vector operation";
    }
}

OperandExtent dst_extent(Op op, const VectorShape& s) {
    const unsigned bytes = isa::dtype_bytes(s.out_dtype);
    return kind_of(op) == Kind::Reduce ? OperandExtent{bytes, s.rows} : OperandExtent{uint64_t(s.cols) * bytes, s.rows};
}

OperandExtent a_extent(Op, const VectorShape& s) { return {uint64_t(s.cols) * isa::dtype_bytes(s.in_dtype), s.rows}; }

OperandExtent b_extent(Op op, const VectorShape& s) {
    const unsigned bytes = isa::dtype_bytes(s.in_dtype);
    switch (kind_of(op)) {
        case Kind::Elementwise: return {uint64_t(s.cols) * bytes, s.rows};
        case Kind::RowBroadcast: return {bytes, s.rows};
        case Kind::ColBroadcast: return {uint64_t(s.cols) * bytes, 1};
        default: return {0, 0};
    }
}

void run_vector_op(Op op, const VectorShape& s, uint8_t* dst, const uint8_t* a, const uint8_t* b, uint32_t scalar) {
    const Kind kind = kind_of(op);
    const unsigned in_bytes = isa::dtype_bytes(s.in_dtype);
    const unsigned out_bytes = isa::dtype_bytes(s.out_dtype);
    const bool is_int = s.in_dtype == kInt32;
    for (uint32_t r = 0; r < s.rows; ++r) {
        const uint8_t* a_row = a + r * s.a_stride;
        uint8_t* d_row = dst + r * s.dst_stride;
        if (kind == Kind::Reduce) {
            if (is_int) {
                int32_t acc = op == Op::VxRowmax ? INT32_MIN : 0;
                for (uint32_t c = 0; c < s.cols; ++c) {
                    const int32_t v = load<int32_t>(a_row + 4 * c);
                    acc = op == Op::VxRowmax ? std::max(acc, v) : combine_int(Op::VxAdd, acc, v);
                }
                store(d_row, acc);
            } else {
                float acc = op == Op::VxRowmax ? -INFINITY : 0.0f;
                for (uint32_t c = 0; c < s.cols; ++c) {
                    const float v = load<float>(a_row + 4 * c);
                    acc = op == Op::VxRowmax ? std::max(acc, v) : acc + v;
                }
                store(d_row, acc);
            }
            continue;
        }
        for (uint32_t c = 0; c < s.cols; ++c) {
            const uint8_t* a_elem = a_row + uint64_t(c) * in_bytes;
            uint8_t* d_elem = d_row + uint64_t(c) * out_bytes;
            const uint8_t* b_elem = nullptr;
            if (kind == Kind::Elementwise) b_elem = b + r * s.b_stride + uint64_t(c) * in_bytes;
            if (kind == Kind::RowBroadcast) b_elem = b + r * s.b_stride;
            if (kind == Kind::ColBroadcast) b_elem = b + uint64_t(c) * in_bytes;
            switch (kind) {
                case Kind::Elementwise: case Kind::RowBroadcast: case Kind::ColBroadcast:
                    if (is_int) store(d_elem, combine_int(op, load<int32_t>(a_elem), load<int32_t>(b_elem)));
                    else store(d_elem, combine(op, load<float>(a_elem), load<float>(b_elem)));
                    break;
                case Kind::Scalar:
                    if (is_int) store(d_elem, combine_int(op, load<int32_t>(a_elem), static_cast<int32_t>(scalar)));
                    else store(d_elem, combine(op, load<float>(a_elem), bits_to_float(scalar)));
                    break;
                case Kind::Unary:
                    if (is_int) store(d_elem, std::max(load<int32_t>(a_elem), 0));
                    else store(d_elem, unary(op, load<float>(a_elem)));
                    break;
                case Kind::Requant: {
                    const int64_t product = int64_t(load<int32_t>(a_elem)) * int64_t(static_cast<int32_t>(scalar));
                    const int64_t rounded = (product + (int64_t(1) << (s.shift - 1))) >> s.shift;
                    store(d_elem, static_cast<int8_t>(std::clamp<int64_t>(rounded + s.zero_point, -128, 127)));
                    break;
                }
                case Kind::Convert: from_float(d_elem, s.out_dtype, to_float(a_elem, s.in_dtype)); break;
                default: break;
            }
        }
    }
}

}  // namespace npuemu::npu
