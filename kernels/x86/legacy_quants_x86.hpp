// AVX2/VNNI dot products of the 32-element block formats with their q8_0/q8_1 partners. The
// integer part of each block is exact; blocks are combined in 8 float lanes (FMA), so results
// differ from ref only by float summation order. Scalar twin: kernels/ref/legacy_quants.cpp.
#pragma once

#include "kernels/x86/x86_common.hpp"

namespace hearth::kernels::x86 {
namespace {

// Each weight format supplies its block's integers as bytes: signed (x8 in [-16, 15]) for the
// symmetric formats, unsigned (u8 in [0, 31]) for the ones with a minimum.
inline __m256i q4_0_values(const BlockQ4_0& b) { return _mm256_sub_epi8(unpack_nibbles(b.qs), _mm256_set1_epi8(8)); }
inline __m256i q5_0_values(const BlockQ5_0& b) {
    return _mm256_sub_epi8(_mm256_or_si256(unpack_nibbles(b.qs), bits_to_0x10(b.qh)), _mm256_set1_epi8(16));
}
inline __m256i q8_0_values(const BlockQ8_0& b) { return load256(b.qs); }
inline __m256i q4_1_values(const BlockQ4_1& b) { return unpack_nibbles(b.qs); }
inline __m256i q5_1_values(const BlockQ5_1& b) { return _mm256_or_si256(unpack_nibbles(b.qs), bits_to_0x10(b.qh)); }

template <typename Block, __m256i (*values)(const Block&)>
float dot_signed_q8_0(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_0*>(act);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    const size_t nb = n / kQK;
    size_t i = 0;
    // Two blocks per step on separate accumulators: the FMA chain is the only dependency.
    for (; i + 1 < nb; i += 2) {
        const __m256i p0 = dot_s8s8(_mm256_setzero_si256(), values(x[i]), load256(y[i].qs));
        const __m256i p1 = dot_s8s8(_mm256_setzero_si256(), values(x[i + 1]), load256(y[i + 1].qs));
        const float d0 = half_to_float(x[i].d) * half_to_float(y[i].d);
        const float d1 = half_to_float(x[i + 1].d) * half_to_float(y[i + 1].d);
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(d1), _mm256_cvtepi32_ps(p1), acc1);
    }
    if (i < nb) {
        const __m256i p = dot_s8s8(_mm256_setzero_si256(), values(x[i]), load256(y[i].qs));
        const float d = half_to_float(x[i].d) * half_to_float(y[i].d);
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(p), acc0);
    }
    return hsum(_mm256_add_ps(acc0, acc1));
}

// Formats with a minimum: sum += d_w*d_a*isum + m_w*s_a, the second term kept as a scalar sum.
template <typename Block, __m256i (*values)(const Block&)>
float dot_unsigned_q8_1(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_1*>(act);
    __m256 acc = _mm256_setzero_ps();
    float mins = 0.0f;
    for (size_t i = 0; i < n / kQK; ++i) {
        const __m256i p = dot_u8s8(_mm256_setzero_si256(), values(x[i]), load256(y[i].qs));
        const float d = half_to_float(x[i].d) * half_to_float(y[i].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(p), acc);
        mins += half_to_float(x[i].m) * half_to_float(y[i].s);
    }
    return hsum(acc) + mins;
}

float dot_q4_0_q8_0(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_signed_q8_0<BlockQ4_0, q4_0_values>(n, w, a);
}
float dot_q5_0_q8_0(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_signed_q8_0<BlockQ5_0, q5_0_values>(n, w, a);
}
float dot_q8_0_q8_0(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_signed_q8_0<BlockQ8_0, q8_0_values>(n, w, a);
}
float dot_q4_1_q8_1(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_unsigned_q8_1<BlockQ4_1, q4_1_values>(n, w, a);
}
float dot_q5_1_q8_1(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_unsigned_q8_1<BlockQ5_1, q5_1_values>(n, w, a);
}

}  // namespace
}  // namespace hearth::kernels::x86
