// AVX2 (FMA, F16C) kernels for F32, F16 and BF16 weights: fp16 activation conversion (F16C
// rounds exactly as ref's fp32_to_fp16) and float dot products with 4 independent FMA chains
// (FMA latency 4 x 2 ports would want 8; 4 already saturates load bandwidth here).
// Scalar twin: kernels/ref/float_types.cpp (which sums in double: compare with a tolerance).
#pragma once

#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

inline __m256 load_f32x8(const std::byte* p) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p)); }
inline __m256 load_f16x8(const std::byte* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256 load_bf16x8(const std::byte* p) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

template <size_t kElemBytes, __m256 (*load8)(const std::byte*), float (*scalar)(const std::byte*)>
float dot_float(size_t n, const std::byte* w, const std::byte* a) noexcept {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (size_t k = 0; k < 4; ++k) {
            const size_t off = (i + 8 * k) * kElemBytes;
            acc[k] = _mm256_fmadd_ps(load8(w + off), load8(a + off), acc[k]);
        }
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load8(w + i * kElemBytes), load8(a + i * kElemBytes), acc[0]);
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; ++i) sum += scalar(w + i * kElemBytes) * scalar(a + i * kElemBytes);
    return sum;
}

inline float scalar_f32(const std::byte* p) {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline float scalar_f16(const std::byte* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return fp16_to_fp32(h);
}
inline float scalar_bf16(const std::byte* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return bf16_to_fp32(h);
}

float dot_f32(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_float<4, load_f32x8, scalar_f32>(n, w, a);
}
float dot_f16(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_float<2, load_f16x8, scalar_f16>(n, w, a);
}
float dot_bf16(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_float<2, load_bf16x8, scalar_bf16>(n, w, a);
}

void quantize_row_f16(const float* src, std::byte* dst, size_t n) noexcept {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i), h);
    }
    for (; i < n; ++i) {
        const uint16_t h = fp32_to_fp16(src[i]);
        std::memcpy(dst + 2 * i, &h, sizeof h);
    }
}

}  // namespace
}  // namespace hearth::kernels::x86
