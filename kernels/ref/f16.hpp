// Scalar IEEE binary16 and bfloat16 <-> binary32 conversions, bit-exact (NaN, Inf, subnormals),
// matching F16C hardware and ggml's bf16 rounding. Header-only so the KV cache and kernels share it.
#pragma once

#include <bit>
#include <cstdint>

namespace hearth::kernels {

// always_inline: SIMD translation units include this too, and an out-of-line copy compiled
// with -mavx512f must never be the one the linker keeps for generic code.
[[gnu::always_inline]] inline float fp16_to_fp32(uint16_t h) noexcept {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t mant = h & 0x3ffu;
    if (exp == 0x1f) {  // Inf, or NaN: quieted with its payload kept, as vcvtph2ps does
        return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13) | (mant != 0 ? 0x400000u : 0u));
    }
    if (exp != 0) return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
    // Zero or subnormal: mant * 2^-24 is exact in binary32.
    const float mag = float(mant) * 0x1p-24f;
    return sign ? -mag : mag;
}

// Round to nearest, ties to even; NaN stays NaN (quieted, top payload bits kept, as vcvtps2ph does).
[[gnu::always_inline]] inline uint16_t fp32_to_fp16(float f) noexcept {
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return uint16_t(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    if (ax >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // >= 65520 rounds to Inf
    if (ax >= 0x38800000u) {                                 // result is a normal half
        ax += 0xc8000fffu + ((ax >> 13) & 1u);               // rebias exponent by -112, round half to even
        return uint16_t(sign | (ax >> 13));
    }
    // Subnormal half: adding 0.5 puts the binary32 ulp at 2^-24 (the half subnormal step), so the
    // FPU does the ties-to-even rounding; a carry into 2^-14 correctly yields the smallest normal.
    const float shifted = std::bit_cast<float>(ax) + 0.5f;
    return uint16_t(sign | (std::bit_cast<uint32_t>(shifted) - 0x3f000000u));
}

[[gnu::always_inline]] inline float bf16_to_fp32(uint16_t h) noexcept {
    return std::bit_cast<float>(uint32_t(h) << 16);
}

// ggml's rule: NaN -> quiet NaN with the top bits kept; everything else rounds half to even
// (subnormals are rounded, not flushed).
[[gnu::always_inline]] inline uint16_t fp32_to_bf16(float f) noexcept {
    const uint32_t x = std::bit_cast<uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);
    return uint16_t((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

}  // namespace hearth::kernels
