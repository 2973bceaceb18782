// The backward pass's host references (tests/harness/reference_backward.h) against the forward references
// (tests/harness/reference_math.h) by central finite differences: if a backward formula or one of its steps were
// wrong, the directional derivatives would not match.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "tests/harness/reference_backward.h"
#include "tests/harness/reference_math.h"

namespace {

constexpr float kFiniteDifferenceStep = 1.0f / 256;  // a power of two: x +- h is exact for the magnitudes here

std::vector<float> backward_test_values(uint32_t count, uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> value(-scale, scale);
    std::vector<float> v(count);
    for (float& x : v) x = value(rng);
    return v;
}

// sum(w * layernorm(x)), the loss whose gradient the backward gives with dy = w.
double layernorm_loss(std::vector<float> x, const std::vector<float>& w, const std::vector<float>& gamma,
                      const std::vector<float>& beta) {
    reference::layernorm_row(x.data(), uint32_t(x.size()), gamma.data(), beta.data(), 1e-5f);
    double loss = 0;
    for (size_t c = 0; c < x.size(); ++c) loss += double(w[c]) * x[c];
    return loss;
}

}  // namespace

TEST_CASE("backward reference: GELU backward is the derivative of the forward's tanh GELU") {
    for (float x = -6.0f; x <= 6.0f; x += 0.125f) {
        const double numeric =
            (double(reference::gelu(x + kFiniteDifferenceStep)) - reference::gelu(x - kFiniteDifferenceStep)) /
            (2 * kFiniteDifferenceStep);
        CAPTURE(x);
        CHECK(reference::gelu_backward(x, 1.0f) == doctest::Approx(numeric).epsilon(2e-3).scale(1.0));
        CHECK(reference::gelu_backward(x, -3.0f) == doctest::Approx(-3.0 * reference::gelu_backward(x, 1.0f)));
    }
    // Far out, exp(-2u) over- and underflows; the derivative is 0 and 1 there, not NaN.
    CHECK(reference::gelu_backward(-100.0f, 1.0f) == 0.0f);
    CHECK(reference::gelu_backward(100.0f, 1.0f) == 1.0f);
}

TEST_CASE("backward reference: softmax backward matches finite differences of the forward") {
    const uint32_t cols = 13;
    const std::vector<float> s = backward_test_values(cols, 3, 2.0f), w = backward_test_values(cols, 4, 1.0f);
    std::vector<float> p = s, ds(cols);
    reference::softmax_row(p.data(), cols);
    reference::softmax_backward_row(p.data(), w.data(), ds.data(), cols);  // dP = w for the loss sum(w * P)
    const auto loss = [&](std::vector<float> x) {
        reference::softmax_row(x.data(), cols);
        double l = 0;
        for (uint32_t c = 0; c < cols; ++c) l += double(w[c]) * x[c];
        return l;
    };
    for (uint32_t c = 0; c < cols; ++c) {
        std::vector<float> up = s, down = s;
        up[c] += kFiniteDifferenceStep;
        down[c] -= kFiniteDifferenceStep;
        CAPTURE(c);
        CHECK(ds[c] == doctest::Approx((loss(up) - loss(down)) / (2 * kFiniteDifferenceStep)).epsilon(1e-2).scale(1.0));
    }
}

TEST_CASE("backward reference: layernorm backward (dx, dgamma, dbeta) matches finite differences of the forward") {
    const uint32_t cols = 24;
    const std::vector<float> x = backward_test_values(cols, 5, 3.0f), w = backward_test_values(cols, 6, 1.0f);
    std::vector<float> gamma = backward_test_values(cols, 7, 1.5f), beta = backward_test_values(cols, 8, 0.5f);
    std::vector<float> dx(cols), xhat(cols);
    reference::layernorm_backward_row(x.data(), w.data(), gamma.data(), 1e-5f, cols, dx.data(), xhat.data());
    for (uint32_t c = 0; c < cols; ++c) {
        std::vector<float> up = x, down = x;
        up[c] += kFiniteDifferenceStep;
        down[c] -= kFiniteDifferenceStep;
        CAPTURE(c);
        const double numeric =
            (layernorm_loss(up, w, gamma, beta) - layernorm_loss(down, w, gamma, beta)) / (2 * kFiniteDifferenceStep);
        CHECK(dx[c] == doctest::Approx(numeric).epsilon(1e-2).scale(1.0));
        // dgamma of one row is dy * xhat, dbeta is dy.
        std::vector<float> g_up = gamma, g_down = gamma, b_up = beta, b_down = beta;
        g_up[c] += kFiniteDifferenceStep;
        g_down[c] -= kFiniteDifferenceStep;
        b_up[c] += kFiniteDifferenceStep;
        b_down[c] -= kFiniteDifferenceStep;
        const double dgamma =
            (layernorm_loss(x, w, g_up, beta) - layernorm_loss(x, w, g_down, beta)) / (2 * kFiniteDifferenceStep);
        const double dbeta =
            (layernorm_loss(x, w, gamma, b_up) - layernorm_loss(x, w, gamma, b_down)) / (2 * kFiniteDifferenceStep);
        CHECK(w[c] * xhat[c] == doctest::Approx(dgamma).epsilon(1e-2).scale(1.0));
        CHECK(w[c] == doctest::Approx(dbeta).epsilon(1e-2).scale(1.0));
    }
}

TEST_CASE("backward reference: column sums add each share's rows in order, then the shares in order") {
    const std::vector<float> m = {1.0f, 1.0f, 1e8f, -1e8f};  // 4 rows x 1 column: the grouping shows in the sum
    CHECK(reference::column_sums(m.data(), 4, 1, 1) == std::vector<float>{0.0f});  // ((1 + 1) + 1e8) - 1e8
    CHECK(reference::column_sums(m.data(), 4, 1, 2) == std::vector<float>{2.0f});  // (1 + 1) + (1e8 - 1e8)
    CHECK(reference::column_sums(m.data(), 4, 1, 4) == std::vector<float>{0.0f});  // one row each: in order
    CHECK(reference::column_sums(m.data(), 4, 1, 9) == std::vector<float>{0.0f});  // empty shares add nothing
    const std::vector<float> two = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};           // 3 rows x 2 columns
    CHECK(reference::column_sums(two.data(), 3, 2, 2) == std::vector<float>{9.0f, 12.0f});
}
