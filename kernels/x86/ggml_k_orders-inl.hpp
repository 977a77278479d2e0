// llama.cpp's x86 rounding orders for Q4_K and Q6_K (kernels.hpp, GgmlOrderDots), one weight row
// at a time: the integer parts as hearth's tiles form them (exact), the float parts in ggml's
// lanes and sequence. Spec and bit-exactness target: the ggml_x86_* functions in ref/k_quants.cpp.
#pragma once

#include <cmath>

#include "kernels/x86/k_quants-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

// min_j * (activation sum of sub-block j) for the 8 sub-blocks of a Q4_K super-block.
inline void k4_min_terms(uint64_t mins, const BlockQ8_K& y, int32_t* terms) {
    for (size_t j = 0; j < 8; ++j) terms[j] = int32_t((mins >> (8 * j)) & 0xFF) * (y.bsums[2 * j] + y.bsums[2 * j + 1]);
}

enum class K4Order { vec_dot, repacked_gemv, repacked_gemm };

template <K4Order kOrder>
float ggml_dot_q4_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ4_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256 acc8 = _mm256_setzero_ps();  // vec_dot: 8 lanes of scaled sums, 4 of min terms
    __m128 acc_m4 = _mm_setzero_ps();
    float acc = 0.0f, acc_min = 0.0f;   // repacked: one accumulator each
    for (size_t i = 0; i < n / kQKK; ++i) {
        uint8_t sc[8];
        uint64_t mins;
        k4_decode_scales(x[i].scales, sc, mins);
        int32_t min_terms[8];
        k4_min_terms(mins, y[i], min_terms);
        const float d = y[i].d * half_to_float(x[i].d), dmin = y[i].d * half_to_float(x[i].dmin);
        __m256i isum = _mm256_setzero_si256();
        for (size_t j = 0; j < 4; ++j) {
            const __m256i q = load256(x[i].qs + 32 * j);
            __m256i part = scaled_dot(_mm256_setzero_si256(), _mm256_and_si256(q, low4), load256(y[i].qs + 64 * j),
                                      _mm256_set1_epi16(sc[2 * j]));
            part = scaled_dot(part, _mm256_and_si256(_mm256_srli_epi16(q, 4), low4), load256(y[i].qs + 64 * j + 32),
                              _mm256_set1_epi16(sc[2 * j + 1]));
            if constexpr (kOrder == K4Order::repacked_gemm) {
                acc = std::fma(float(hsum(part)), d, acc);
                acc_min = std::fma(float(min_terms[2 * j] + min_terms[2 * j + 1]), dmin, acc_min);
            }
            isum = _mm256_add_epi32(isum, part);
        }
        if constexpr (kOrder == K4Order::vec_dot) {
            acc8 = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(isum), acc8);
            const __m128i pairs = _mm_setr_epi32(min_terms[0] + min_terms[1], min_terms[2] + min_terms[3],
                                                 min_terms[4] + min_terms[5], min_terms[6] + min_terms[7]);
            acc_m4 = _mm_fmadd_ps(_mm_set1_ps(-dmin), _mm_cvtepi32_ps(pairs), acc_m4);
        } else if constexpr (kOrder == K4Order::repacked_gemv) {
            int32_t all_mins = 0;
            for (int32_t t : min_terms) all_mins += t;
            acc = std::fma(float(hsum(isum)), d, acc);
            acc_min = std::fma(float(all_mins), dmin, acc_min);
        }
    }
    if constexpr (kOrder == K4Order::vec_dot) {
        acc_m4 = _mm_add_ps(acc_m4, _mm_movehl_ps(acc_m4, acc_m4));
        acc_m4 = _mm_add_ss(acc_m4, _mm_movehdup_ps(acc_m4));
        return hsum(acc8) + _mm_cvtss_f32(acc_m4);
    }
    return acc - acc_min;
}

// ggml's Q6_K vec_dot: quants biased by +32 in the products, the 32 * scale * bsum correction
// taken from each lane as ggml's lanes hold it (16-groups 2k, 2k+1 in lane k).
float ggml_dot_q6_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ6_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    __m256 acc8 = _mm256_setzero_ps();
    for (size_t i = 0; i < n / kQKK; ++i) {
        __m256i isum = _mm256_setzero_si256();
        for (size_t h = 0; h < 2; ++h) {
            __m256i q[4];
            q6_quarters(x[i].ql, x[i].qh, h, q);
            const __m256i half_scales = q6_half_scales(x[i].scales, h);
            for (size_t k = 0; k < 4; ++k)
                isum = scaled_dot(isum, q[k], load256(y[i].qs + 128 * h + 32 * k), q6_scale_pair(half_scales, k));
        }
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
        const __m256i bias = _mm256_slli_epi32(_mm256_madd_epi16(sc16, load256(y[i].bsums)), 5);
        const float d = y[i].d * half_to_float(x[i].d);
        acc8 = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_sub_epi32(isum, bias)), acc8);
    }
    return hsum(acc8);
}

constexpr GgmlOrderDots kGgmlQ4_K{ggml_dot_q4_K<K4Order::vec_dot>, ggml_dot_q4_K<K4Order::repacked_gemv>,
                                  ggml_dot_q4_K<K4Order::repacked_gemm>};
constexpr GgmlOrderDots kGgmlQ6_K{ggml_dot_q6_K};

}  // namespace
}  // namespace hearth::kernels::x86
