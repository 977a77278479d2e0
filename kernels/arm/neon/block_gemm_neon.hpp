// The NEON block GEMMs (kernels.hpp, BlockGemm) for Q4_0, Q8_0, Q4_K, Q5_K and Q6_K, in two
// variants: sdot (Armv8.2-A dot product, every NEON-level CPU) and smmla (the Armv8.6-A int8
// matrix multiply, FEAT_I8MM, chosen at run time when the CPU has it). No intrinsics here, so
// overrides.cpp and the tests can include it.
#pragma once

#include "hearth/ggml_type.hpp"
#include "kernels/kernels.hpp"

namespace hearth::kernels::neon {

enum class GemmVariant { sdot, smmla };

// Whether this CPU runs smmla (Linux: HWCAP2_I8MM).
bool i8mm_usable() noexcept;

// The variant's GEMM for weight type t; panel_rows 0 when it has none for t, or when the variant
// is smmla and the CPU lacks i8mm (so tests can ask for both without faulting).
BlockGemm block_gemm(GgmlType t, GemmVariant v) noexcept;

// The GEMM the NEON level uses: smmla where the CPU has it, else sdot.
BlockGemm best_block_gemm(GgmlType t) noexcept;

// The variants' own translation units (block_gemm_sdot.cpp, i8mm/block_gemm_smmla.cpp).
BlockGemm sdot_block_gemm(GgmlType t) noexcept;
BlockGemm smmla_block_gemm(GgmlType t) noexcept;

}  // namespace hearth::kernels::neon
