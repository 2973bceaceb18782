// The host reference of npu_adamw (sdk/include/npuemu/kernels.h): the per-call scalars and the per-element steps in
// the documented order, each one FP32 operation, written from the documentation (not from the kernel's code). Used
// by adamw_check (bit for bit against firmware/optimizer) and by the unit test that the arithmetic converges.
#ifndef NPUEMU_TESTS_HARNESS_ADAMW_REFERENCE_H
#define NPUEMU_TESTS_HARNESS_ADAMW_REFERENCE_H

#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/harness/harness_util.h"

namespace reference {

struct AdamwHyper {
    float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.01f;
    uint32_t step = 1;  // t >= 1
};

// The scalars the control core makes once per call.
struct AdamwScalars {
    float c1, c2, r2, s, decay;
};

// beta^t: p = 1, then for each bit of t from the highest set one: p = p * p, and p = p * beta where the bit is set.
inline float adamw_power(float beta, uint32_t t) {
    int top = 31;
    while (top >= 0 && ((t >> top) & 1u) == 0) --top;
    volatile float p = 1.0f;  // volatile: each product rounded to FP32, whatever the host compiler would fold
    for (int bit = top; bit >= 0; --bit) {
        p = p * p;
        if ((t >> bit) & 1u) p = p * beta;
    }
    return p;
}

inline AdamwScalars adamw_scalars(const AdamwHyper& h) {
    const float p1 = adamw_power(h.beta1, h.step), p2 = adamw_power(h.beta2, h.step);
    AdamwScalars s{};
    s.c1 = 1.0f - h.beta1;
    s.c2 = 1.0f - h.beta2;
    const float one_minus_p2 = 1.0f - p2;
    s.r2 = 1.0f / one_minus_p2;
    const float one_minus_p1 = 1.0f - p1;
    s.s = h.lr / one_minus_p1;
    s.s = -s.s;
    s.decay = h.lr * h.weight_decay;
    s.decay = 1.0f - s.decay;
    return s;
}

// One element's update, step by step as the vector unit does it (vx.rsqrt: the square root rounded, then 1 / it).
inline void adamw_element(const AdamwHyper& h, const AdamwScalars& s, float g, float& w, float& m, float& v) {
    float a = g * s.c1;
    float b = m * h.beta1;
    m = b + a;
    a = g * s.c2;
    a = a * g;
    b = v * h.beta2;
    v = b + a;
    a = v * s.r2;
    const float root = std::sqrt(a);
    a = 1.0f / root;
    a = 1.0f / a;
    a = a + h.eps;
    a = 1.0f / a;
    a = a * m;
    a = a * s.s;
    b = w * s.decay;
    w = b + a;
}

// The whole step over FP32 master weights and moments, in place; returns the BF16 copy of the updated weights.
inline std::vector<uint16_t> adamw_step(const AdamwHyper& h, const std::vector<float>& g, std::vector<float>& w,
                                        std::vector<float>& m, std::vector<float>& v) {
    const AdamwScalars s = adamw_scalars(h);
    std::vector<uint16_t> w16(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
        adamw_element(h, s, g[i], w[i], m[i], v[i]);
        w16[i] = harness::float_to_bf16(w[i]);
    }
    return w16;
}

}  // namespace reference

#endif
