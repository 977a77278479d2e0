// RoPE: angle table per position and the two pairings (normal: (2i, 2i+1), NeoX: (i, i + n_rot/2)).
#include "ops/rope.hpp"

#include <cmath>

namespace hearth::ops {

void rope_angles(const RopeParams& p, int32_t pos, float* cos_sin) noexcept {
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
    float theta = static_cast<float>(pos);  // theta_i = pos * base^(-2i/n_rot), formed by repeated products
    for (size_t i = 0; i < p.n_rot / 2; ++i) {
        const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
        const float angle = p.freq_scale * (theta / ff);
        cos_sin[2 * i] = std::cos(angle);
        cos_sin[2 * i + 1] = std::sin(angle);
        theta *= theta_scale;
    }
}

void rope_apply(const RopeParams& p, const float* cos_sin, float* x, size_t n_heads) noexcept {
    const size_t half = p.n_rot / 2;
    // Pair i is (a, b) = (2i, 2i+1) for normal rope, (i, i + half) for NeoX.
    const size_t stride_a = p.style == RopeStyle::normal ? 2 : 1;
    const size_t offset_b = p.style == RopeStyle::normal ? 1 : half;
    for (size_t h = 0; h < n_heads; ++h) {
        float* v = x + h * p.head_dim;
        for (size_t i = 0; i < half; ++i) {
            const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
            const size_t a = i * stride_a, b = a + offset_b;
            const float x0 = v[a], x1 = v[b];
            // ggml's C is compiled with FP contraction: the first product of each line is fused
            // into the add (one rounding fewer). Spelled out so hearth rounds the same way.
            v[a] = std::fma(x0, c, -(x1 * s));
            v[b] = std::fma(x0, s, x1 * c);
        }
    }
}

}  // namespace hearth::ops
