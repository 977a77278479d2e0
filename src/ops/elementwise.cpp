// Scalar implementations of the element-wise ops; loops are kept simple and branch-free so the
// compiler can vectorize them. Rounding steps follow ggml (see elementwise.hpp).
#include "ops/elementwise.hpp"

#include <cmath>

namespace hearth::ops {

void rmsnorm(const float* x, const float* w, float* y, size_t n, float eps) noexcept {
    double sum = 0.0;  // ggml_float: squares are formed in float, accumulated in double
    for (size_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(mean + eps);
    // ggml scales first (rms_norm) and multiplies by the weight in a separate op: two roundings.
    for (size_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * w[i];
}

void rmsnorm_rows(const float* x, const float* w, float* y, size_t n_rows, size_t n, float eps) noexcept {
    for (size_t r = 0; r < n_rows; ++r) rmsnorm(x + r * n, w, y + r * n, n, eps);
}

void add_row_bias(float* y, const float* b, size_t n_rows, size_t n) noexcept {
    for (size_t r = 0; r < n_rows; ++r) add_inplace(y + r * n, b, n);
}

void add_inplace(float* y, const float* x, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

void silu_mul(float* gate, const float* up, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) {
        const float g = gate[i];
        gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

void softmax(float* x, size_t n, float scale) noexcept {
    float max = -INFINITY;
    for (size_t i = 0; i < n; ++i) {
        x[i] *= scale;
        max = x[i] > max ? x[i] : max;
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += static_cast<double>(x[i]);
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

size_t argmax(const float* x, size_t n) noexcept {
    size_t best = 0;
    for (size_t i = 1; i < n; ++i)
        if (x[i] > x[best]) best = i;
    return best;
}

}  // namespace hearth::ops
