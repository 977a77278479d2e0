// The kernel table: for each weight type, the functions the matmul driver needs, chosen once
// at startup for the best instruction set this CPU has (see dispatch.cpp). Internal header:
// no SIMD intrinsics here, so including it costs nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hearth/ggml_type.hpp"

namespace hearth::kernels {

enum class Isa { ref, avx2, avx512, neon };
std::string_view isa_name(Isa isa) noexcept;

struct TypeKernels {
    GgmlType act_type;  // partner format of the activations (q8_0, q8_K, f16 or f32)
    // Element-wise conversion of one row of n elements.
    void (*dequantize_row)(const std::byte* src, float* dst, size_t n);
    // One f32 activation row of n elements into act_type.
    void (*quantize_act_row)(const float* src, std::byte* dst, size_t n);
    // Dot product of one weight row with one converted activation row, n elements.
    float (*vec_dot)(size_t n, const std::byte* w_row, const std::byte* act_row);
};

// Kernels for weight type t at the active ISA; nullptr when hearth cannot multiply by t.
const TypeKernels* type_kernels(GgmlType t) noexcept;
// Kernels for t at a specific ISA (tests compare every level with ref); nullptr if unavailable.
const TypeKernels* type_kernels(GgmlType t, Isa isa) noexcept;

// The ISA in use: the best the CPU supports, or HEARTH_ISA=ref|avx2|avx512|neon if set and supported.
Isa active_isa() noexcept;
bool isa_supported(Isa isa) noexcept;

}  // namespace hearth::kernels
