// AVX2 activation quantizers q8_0 / q8_1 / q8_K, bit-identical to kernels/ref/act_quant.cpp:
// same scale formulas in scalar float, multiply, round half to even (vroundps imm 0), and the
// q8_K scale sign taken from the first element of largest magnitude.
#pragma once

#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

inline float hmax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

// 32 floats * scale, rounded, as 32 int8 in element order; also returns their sum via *sum.
inline __m256i round_to_i8x32(const float* x, __m256 scale, int32_t* sum) {
    __m256i v[4];
    for (size_t k = 0; k < 4; ++k)
        v[k] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), scale),
                                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    if (sum != nullptr) *sum = hsum(_mm256_add_epi32(_mm256_add_epi32(v[0], v[1]), _mm256_add_epi32(v[2], v[3])));
    // packs work per 128-bit lane; the permute restores element order.
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

inline float block_amax_32(const float* x) {
    __m256 m = abs_ps(_mm256_loadu_ps(x));
    for (size_t k = 1; k < 4; ++k) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(x + 8 * k)));
    return hmax(m);
}

void quantize_row_q8_0(const float* src, std::byte* dst, size_t n) noexcept {
    auto* y = reinterpret_cast<BlockQ8_0*>(dst);
    for (size_t i = 0; i < n / kQK; ++i) {
        const float* x = src + i * kQK;
        const float amax = block_amax_32(x);
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        y[i].d = fp32_to_fp16(amax / 127.0f);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), round_to_i8x32(x, _mm256_set1_ps(id), nullptr));
    }
}

void quantize_row_q8_1(const float* src, std::byte* dst, size_t n) noexcept {
    auto* y = reinterpret_cast<BlockQ8_1*>(dst);
    for (size_t i = 0; i < n / kQK; ++i) {
        const float* x = src + i * kQK;
        const float amax = block_amax_32(x);
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        int32_t sum;
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), round_to_i8x32(x, _mm256_set1_ps(id), &sum));
        y[i].d = fp32_to_fp16(d);
        y[i].s = fp32_to_fp16(d * float(sum));
    }
}

void quantize_row_q8_K(const float* src, std::byte* dst, size_t n) noexcept {
    auto* y = reinterpret_cast<BlockQ8_K*>(dst);
    for (size_t i = 0; i < n / kQKK; ++i) {
        const float* x = src + i * kQKK;
        __m256 m = _mm256_setzero_ps();
        for (size_t k = 0; k < kQKK; k += 8) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(x + k)));
        const float amax = hmax(m);
        if (amax == 0.0f) {
            std::memset(&y[i], 0, sizeof(BlockQ8_K));
            continue;
        }
        // The first element whose magnitude is amax gives the sign (ref's strict '>' scan).
        float max = amax;
        const __m256 target = _mm256_set1_ps(amax);
        for (size_t k = 0; k < kQKK; k += 8) {
            const int hits = _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(x + k)), target, _CMP_EQ_OQ));
            if (hits != 0) {
                max = x[k + size_t(__builtin_ctz(unsigned(hits)))];
                break;
            }
        }
        const float iscale = -127.0f / max;
        for (size_t k = 0; k < kQKK; k += 32)
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs + k),
                                round_to_i8x32(x + k, _mm256_set1_ps(iscale), nullptr));
        // 16 sums of 16 int8: widen to int16, pair-add to int32, then fold to one int16 per group.
        for (size_t g = 0; g < kQKK / 16; ++g) {
            const __m256i w = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].qs + 16 * g)));
            y[i].bsums[g] = int16_t(hsum(_mm256_madd_epi16(w, _mm256_set1_epi16(1))));
        }
        y[i].d = 1.0f / iscale;
    }
}

}  // namespace
}  // namespace hearth::kernels::x86
