// The NEON vec_dot kernels (Armv8.2-A + dotprod), one file per family like ref/:
// legacy_quants.cpp (32-element blocks x q8_0/q8_1) and k_quants.cpp (super-blocks x q8_K);
// overrides.cpp lists them. Included by the NEON translation units only.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace hearth::kernels::neon {

// A binary16 scale as float: one fcvt, bit-identical to kernels::fp16_to_fp32 (subnormals kept
// under Linux's default FPCR; tests/test_attention_simd.cpp checks all 65536 halves).
[[gnu::always_inline]] inline float half_to_float(uint16_t h) noexcept { return static_cast<float>(std::bit_cast<__fp16>(h)); }

float dot_q4_0(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q4_1(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q5_0(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q5_1(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q8_0(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q2_K(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q3_K(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q4_K(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q5_K(size_t n, const std::byte* w, const std::byte* act) noexcept;
float dot_q6_K(size_t n, const std::byte* w, const std::byte* act) noexcept;

}  // namespace hearth::kernels::neon
