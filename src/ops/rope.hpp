// Rotary position embedding. The angle table is built the way ggml builds its rope cache
// (theta multiplied step by step in float, cosf/sinf), so positions rotate exactly as in llama.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hearth/model_config.hpp"

namespace hearth::ops {

struct RopeParams {
    size_t n_rot = 0;          // rotated dimensions per head (even, <= head_dim); the rest pass through
    size_t head_dim = 0;
    RopeStyle style = RopeStyle::normal;
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;   // linear position scaling
    const float* freq_factors = nullptr;  // [n_rot/2] divisors of each frequency (Llama 3.1), or null
};

// cos_sin: [n_rot/2][2] (cos, sin) for position pos.
void rope_angles(const RopeParams& p, int32_t pos, float* cos_sin) noexcept;

// Rotates n_heads consecutive heads of head_dim values (one token) in place with angles from rope_angles.
void rope_apply(const RopeParams& p, const float* cos_sin, float* x, size_t n_heads) noexcept;

}  // namespace hearth::ops
