// AVX2 dot products of Q4_K, Q5_K and Q6_K with q8_K activations. Per super-block the integer
// sum is exact (scales applied with madd on int16 pair sums), then combined exactly as the
// reference does: (d_w*d_a)*isum - (dmin_w*d_a)*msum. Scalar twin: kernels/ref/k_quants.cpp.
#pragma once

#include "kernels/x86/x86_common.hpp"

namespace hearth::kernels::x86 {
namespace {

// Sum over 16 bsums of scale_pair[g/2] * bsums[g] for the 8 per-32 mins of Q4_K/Q5_K.
inline int32_t k4_min_sum(const uint8_t* mins, const int16_t* bsums) {
    const __m256i bs = load256(bsums);
    const __m256i pairs = _mm256_madd_epi16(bs, _mm256_set1_epi16(1));  // bsums[2j] + bsums[2j+1]
    const __m256i m = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(mins)));
    return hsum(_mm256_mullo_epi32(pairs, m));
}

inline void k4_scales(const uint8_t* packed, uint8_t* sc, uint8_t* mn) {
    for (size_t j = 0; j < 8; ++j) k_scale_min(j, packed, sc[j], mn[j]);
}

// acc + scale * (pair sums of u*s): 8 int32 lanes. u <= 63 keeps maddubs exact.
inline __m256i scaled_dot(__m256i acc, __m256i u, __m256i s, __m256i scale16) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), scale16));
}

// Q4_K and Q5_K share everything but the fifth bit: high_bits(b, j) gives the 0x10 bits of
// sub-blocks 2j (low half) and 2j+1 (high half), or zero for Q4_K.
template <typename Block, bool kFifthBit>
float dot_k4_q8_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        uint8_t sc[8], mn[8];
        k4_scales(x[i].scales, sc, mn);
        __m256i qh = _mm256_setzero_si256();
        if constexpr (kFifthBit) qh = load256(x[i].qh);
        __m256i isum = _mm256_setzero_si256();
        for (size_t j = 0; j < 4; ++j) {
            const __m256i q = load256(x[i].qs + 32 * j);
            __m256i lo = _mm256_and_si256(q, low4);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
            if constexpr (kFifthBit) {
                // bit 2j of qh[l] -> 0x10 of element l of sub-block 2j; bit 2j+1 -> sub-block 2j+1
                const __m256i b = _mm256_srli_epi16(qh, int(2 * j));
                lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi16(b, 4), _mm256_set1_epi8(0x10)));
                hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_slli_epi16(b, 3), _mm256_set1_epi8(0x10)));
            }
            isum = scaled_dot(isum, lo, load256(y[i].qs + 64 * j), _mm256_set1_epi16(sc[2 * j]));
            isum = scaled_dot(isum, hi, load256(y[i].qs + 64 * j + 32), _mm256_set1_epi16(sc[2 * j + 1]));
        }
        const int32_t msum = k4_min_sum(mn, y[i].bsums);
        sum += (half_to_float(x[i].d) * y[i].d) * float(hsum(isum)) - (half_to_float(x[i].dmin) * y[i].d) * float(msum);
    }
    return sum;
}

float dot_q4_K_q8_K(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_k4_q8_K<BlockQ4_K, false>(n, w, a);
}
float dot_q5_K_q8_K(size_t n, const std::byte* w, const std::byte* a) noexcept {
    return dot_k4_q8_K<BlockQ5_K, true>(n, w, a);
}

// Q6_K: quants are stored +32, so sum((q-32)*a) = sum(q*a) - 32*sum(a); the second part per
// 16-group comes from bsums. u = q in [0, 63] keeps maddubs exact.
float dot_q6_K_q8_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ6_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i top2 = _mm256_set1_epi8(0x30);
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
        const int32_t bias = hsum(_mm256_madd_epi16(sc16, load256(y[i].bsums)));
        __m256i isum = _mm256_setzero_si256();
        for (size_t h = 0; h < 2; ++h) {
            const __m256i ql0 = load256(x[i].ql + 64 * h);
            const __m256i ql1 = load256(x[i].ql + 64 * h + 32);
            const __m256i qh = load256(x[i].qh + 32 * h);
            const __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), top2)),
                _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), top2)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, top2)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                _mm256_and_si256(_mm256_srli_epi16(qh, 2), top2)),
            };
            for (size_t k = 0; k < 4; ++k) {
                const size_t g = 8 * h + 2 * k;  // the two 16-groups of this 32-element quarter
                const __m256i scale = _mm256_inserti128_si256(_mm256_set1_epi16(x[i].scales[g]),
                                                              _mm_set1_epi16(x[i].scales[g + 1]), 1);
                isum = scaled_dot(isum, q[k], load256(y[i].qs + 128 * h + 32 * k), scale);
            }
        }
        sum += (half_to_float(x[i].d) * y[i].d) * float(hsum(isum) - 32 * bias);
    }
    return sum;
}

}  // namespace
}  // namespace hearth::kernels::x86
