// The documented AdamW arithmetic (npu_adamw, sdk/include/npuemu/kernels.h), as the host reference takes it
// (tests/harness/adamw_reference.h), is AdamW: its first step moves every weight by lr against its gradient's sign,
// it minimises a small quadratic, and weight decay pulls the minimum towards zero. The bit-exact check of the kernel
// against this reference is adamw_check (ctest "npu: adamw ...").
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "tests/harness/adamw_reference.h"

namespace {

// f(w) = 1/2 sum a_i (w_i - c_i)^2 with curvatures a over two orders of magnitude; `steps` AdamW steps from w = 0.
std::vector<float> minimise_quadratic(reference::AdamwHyper hyper, uint32_t steps, const std::vector<float>& a,
                                      const std::vector<float>& c) {
    std::vector<float> w(a.size(), 0.0f), m(a.size(), 0.0f), v(a.size(), 0.0f), g(a.size());
    for (uint32_t t = 1; t <= steps; ++t) {
        for (size_t i = 0; i < w.size(); ++i) g[i] = a[i] * (w[i] - c[i]);
        hyper.step = t;
        reference::adamw_step(hyper, g, w, m, v);
    }
    return w;
}

const std::vector<float> kCurvature = {0.05f, 0.3f, 1.0f, 2.5f, 5.0f};
const std::vector<float> kCentre = {1.5f, -0.75f, 0.25f, -2.0f, 0.6f};

}  // namespace

TEST_CASE("adamw reference: beta^t by square-and-multiply is beta^t") {
    for (uint32_t t : {1u, 2u, 3u, 7u, 10u, 1000u, 123456u}) {
        for (float beta : {0.9f, 0.95f, 0.999f}) {
            const double expected = std::pow(double(beta), double(t));
            CHECK(reference::adamw_power(beta, t) == doctest::Approx(expected).epsilon(1e-5));
        }
    }
}

TEST_CASE("adamw reference: the first step moves each weight by lr against its gradient (bias correction)") {
    reference::AdamwHyper hyper;
    hyper.lr = 0.01f;
    hyper.weight_decay = 0;
    std::vector<float> w = {1.0f, -2.0f, 0.5f}, m(3, 0.0f), v(3, 0.0f);
    const std::vector<float> g = {0.3f, -0.002f, 40.0f};
    const std::vector<float> before = w;
    const std::vector<uint16_t> w16 = reference::adamw_step(hyper, g, w, m, v);
    for (size_t i = 0; i < w.size(); ++i) {
        CHECK(w[i] - before[i] == doctest::Approx(g[i] > 0 ? -0.01 : 0.01).epsilon(1e-4));
        CHECK(m[i] == doctest::Approx(0.1 * g[i]).epsilon(1e-6));
        CHECK(v[i] == doctest::Approx(0.001 * g[i] * g[i]).epsilon(1e-5));
        CHECK(harness::bf16_to_float(w16[i]) == doctest::Approx(w[i]).epsilon(1.0 / 256));
    }
}

TEST_CASE("adamw reference: a zero gradient and zero moments leave the weight to the decay alone") {
    reference::AdamwHyper hyper;
    hyper.lr = 0.1f;
    hyper.weight_decay = 0.5f;
    std::vector<float> w = {2.0f}, m = {0.0f}, v = {0.0f};
    reference::adamw_step(hyper, {0.0f}, w, m, v);
    CHECK(w[0] == doctest::Approx(2.0 * (1 - 0.1 * 0.5)));
    CHECK(std::isfinite(w[0]));
}

TEST_CASE("adamw reference: minimises a small quadratic") {
    reference::AdamwHyper hyper;
    hyper.lr = 0.02f;
    hyper.weight_decay = 0;
    const std::vector<float> w = minimise_quadratic(hyper, 3000, kCurvature, kCentre);
    for (size_t i = 0; i < w.size(); ++i) CHECK(w[i] == doctest::Approx(kCentre[i]).epsilon(0.01));
}

TEST_CASE("adamw reference: weight decay pulls the quadratic's minimum towards zero") {
    reference::AdamwHyper hyper;
    hyper.lr = 0.02f;
    hyper.weight_decay = 0;
    const std::vector<float> plain = minimise_quadratic(hyper, 3000, kCurvature, kCentre);
    hyper.weight_decay = 0.5f;
    const std::vector<float> decayed = minimise_quadratic(hyper, 3000, kCurvature, kCentre);
    for (size_t i = 0; i < decayed.size(); ++i) {
        CHECK(std::fabs(decayed[i]) < std::fabs(plain[i]));
        CHECK(decayed[i] * kCentre[i] > 0);  // on the centre's side of zero
    }
}
