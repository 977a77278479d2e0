// Scalar implementations of the element-wise ops; loops are kept simple and branch-free so the
// compiler can vectorize them. Rounding steps follow ggml (see elementwise.hpp).
#include "ops/elementwise.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "kernels/attention_kernels.hpp"
#include "kernels/ref/f16.hpp"

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

void layernorm(const float* x, const float* w, const float* b, float* y, size_t n, float eps) noexcept {
    // ggml_norm: the sum in double, index order, rounded to float before dividing by n in float.
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
    const float mean = static_cast<float>(sum) / static_cast<float>(n);
    // ggml_vec_cvar_f32 (AVX-512 build): centred values kept, their squares summed 16 lanes at a
    // time into a double, the tail one by one; the variance is divided in double.
    const size_t main = n - n % 16;
    double sum2 = 0.0;
    for (size_t i = 0; i < n; ++i) y[i] = x[i] - mean;
    for (size_t i = 0; i < main; i += 16) {
        float sq[16];
        for (size_t l = 0; l < 16; ++l) sq[l] = y[i + l] * y[i + l];
        sum2 += static_cast<double>(reduce_add16(sq));
    }
    for (size_t i = main; i < n; ++i) sum2 += static_cast<double>(y[i] * y[i]);
    const float variance = static_cast<float>(sum2 / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(variance + eps);
    // Then ggml_mul by the weight and ggml_add of the bias: three roundings, as three ops.
    for (size_t i = 0; i < n; ++i) y[i] = (y[i] * scale) * w[i];
    for (size_t i = 0; i < n; ++i) y[i] += b[i];
}

void add_row_bias(float* y, const float* b, size_t n_rows, size_t n) noexcept {
    for (size_t r = 0; r < n_rows; ++r) add_inplace(y + r * n, b, n);
}

void add_inplace(float* y, const float* x, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

void softmax(const float* x, float* y, size_t n) noexcept {
    float max = -INFINITY;
    for (size_t i = 0; i < n; ++i) max = std::max(max, x[i]);
    // ggml_vec_soft_max_f32: 16-wide blocks of polynomial exps, each block's lane sum added to
    // a double; the tail with libm's expf.
    const size_t main = n - n % 16;
    double sum = 0.0;
    for (size_t i = 0; i < main; i += 16) {
        for (size_t l = 0; l < 16; ++l) y[i + l] = exp_poly(x[i + l] - max);
        sum += static_cast<double>(reduce_add16(y + i));
    }
    for (size_t i = main; i < n; ++i) {
        y[i] = std::exp(x[i] - max);
        sum += static_cast<double>(y[i]);
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (size_t i = 0; i < n; ++i) y[i] *= inv;
}

void silu_mul(float* gate, const float* up, size_t n) noexcept {
    // ggml computes 16-wide blocks with the polynomial exp and the tail with libm's expf. The
    // exps come from the active ISA's exp_poly row (bit-identical to exp_poly above), in
    // stack-sized steps; the division and product are single IEEE operations either way.
    constexpr size_t kStep = 256;
    const auto& k = kernels::active_attention_kernels();
    const size_t main = n - n % 16;
    float neg[kStep], e[kStep];
    for (size_t i0 = 0; i0 < main; i0 += kStep) {
        const size_t m = std::min(kStep, main - i0);
        for (size_t i = 0; i < m; ++i) neg[i] = 0.0f - gate[i0 + i];
        k.exp_poly(neg, e, m);
        for (size_t i = 0; i < m; ++i) gate[i0 + i] = gate[i0 + i] / (1.0f + e[i]) * up[i0 + i];
    }
    for (size_t i = main; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

namespace {
// ggml_gelu_f32: 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))), with 1 + (0.044715 x) x as
// one FMA: llama.cpp's CPU backend is compiled with FMA contraction, and its table (built from
// this function) differs from the unfused one at x = -1.999 (0xbfff), enough to flip a later
// rounding (tiny-gemma3: logits 1e-2 apart from the first position whose FFN meets that entry).
// With the FMA all 65536 entries equal llama.cpp's (its ggml_table_gelu_f16, zen4 build).
float gelu_tanh(float x) noexcept {
    constexpr float kA = 0.044715f, kSqrt2OverPi = 0.79788456080286535587989211986876f;
    return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * std::fma(kA * x, x, 1.0f)));
}

// f16(gelu(x)) for every f16 bit pattern x: 128 KiB, built once (thread-safe static init).
const std::array<uint16_t, 65536>& gelu_table() noexcept {
    static const auto table = [] {
        std::array<uint16_t, 65536> t{};
        for (size_t i = 0; i < t.size(); ++i)
            t[i] = kernels::fp32_to_fp16(gelu_tanh(kernels::fp16_to_fp32(static_cast<uint16_t>(i))));
        return t;
    }();
    return table;
}
}  // namespace

namespace {
float gelu_lookup(const std::array<uint16_t, 65536>& table, float x) noexcept {
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;  // gelu(x) = x to float precision
    return kernels::fp16_to_fp32(table[kernels::fp32_to_fp16(x)]);
}
}  // namespace

void gelu_mul(float* gate, const float* up, size_t n) noexcept {
    const auto& table = gelu_table();
    for (size_t i = 0; i < n; ++i) {
        const float x = gate[i];
        gate[i] = x <= -10.0f ? 0.0f : gelu_lookup(table, x) * up[i];
    }
}

void gelu(float* x, size_t n) noexcept {
    const auto& table = gelu_table();
    for (size_t i = 0; i < n; ++i) x[i] = gelu_lookup(table, x[i]);
}

void scale(float* y, float s, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] *= s;
}

void softcap(float* y, float cap, size_t n) noexcept {
    const float inv = 1.0f / cap;
    for (size_t i = 0; i < n; ++i) y[i] = std::tanh(y[i] * inv) * cap;
}

}  // namespace hearth::ops
