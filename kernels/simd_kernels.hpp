// What each SIMD level replaces in the reference table (implemented in kernels/x86/*/ and
// kernels/arm/neon/). No intrinsics here: dispatch.cpp includes it in a generic translation unit.
#pragma once

#include <span>

#include "kernels/kernels.hpp"

namespace hearth::kernels {

// Null members keep the reference kernel.
struct SimdOverride {
    GgmlType type;
    void (*quantize_act_row)(const float* src, std::byte* dst, size_t n);
    float (*vec_dot)(size_t n, const std::byte* w_row, const std::byte* act_row);
    void (*dequantize_row)(const std::byte* src, float* dst, size_t n);
    DotTiles tiles = {};  // replaces the tiles together with vec_dot
    BlockGemm gemm = {};  // replaces the reference's when panel_rows != 0
    GgmlOrderDots ggml = {};  // replaces the reference's when vec_dot != nullptr
};

// The overrides of one level; empty when that level is not compiled into this build.
std::span<const SimdOverride> simd_overrides(Isa isa) noexcept;

}  // namespace hearth::kernels
