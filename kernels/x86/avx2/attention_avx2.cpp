// The AVX2 attention row: the shared bodies of kernels/attention_body-inl.hpp with 16 lanes as
// two __m256 (so the lane layout, and with it every rounding, is the same as the AVX-512 row and
// the scalar code).
#include <immintrin.h>

#include "kernels/attention_body-inl.hpp"

namespace hearth::kernels {
namespace {

struct Lanes256x2 {
    struct V {
        __m256 lo, hi;
    };
    static constexpr size_t kScoreRows = 4;  // 4 x 2 = 8 ymm FMA chains, 16 registers in all

    template <class Op>
    static V each(V a, V b, Op op) { return {op(a.lo, b.lo), op(a.hi, b.hi)}; }

    static V zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
    static V set1(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
    static V load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
    static void store(float* p, V v) {
        _mm256_storeu_ps(p, v.lo);
        _mm256_storeu_ps(p + 8, v.hi);
    }
    static V load_partial(const float* p, size_t n) { return simd::BufferTails<Lanes256x2>::load_partial(p, n); }
    static void store_partial(float* p, V v, size_t n) { simd::BufferTails<Lanes256x2>::store_partial(p, v, n); }
    static float f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }
    static V load_f16(const uint16_t* p) {
        return {_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
                _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)))};
    }
    static V load_f16_partial(const uint16_t* p, size_t n) { return simd::BufferTails<Lanes256x2>::load_f16_partial(p, n); }
    // vcvtps2ph with round-to-nearest-even equals kernels::fp32_to_fp16 on every input (tested).
    static __m256 round_f16(__m256 x) { return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT)); }
    static V round_f16(V x) { return {round_f16(x.lo), round_f16(x.hi)}; }
    static V fma(V a, V b, V c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
    static V mul(V a, V b) { return each(a, b, _mm256_mul_ps); }
    static V add(V a, V b) { return each(a, b, _mm256_add_ps); }
    static V sub(V a, V b) { return each(a, b, _mm256_sub_ps); }
    static V max(V a, V b) { return each(a, b, _mm256_max_ps); }  // a > b ? a : b

    static V fill_prefix(V v, size_t n, float fill) {
        const __m256i m = _mm256_set1_epi32(static_cast<int>(n));
        const __m256 lo = _mm256_castsi256_ps(_mm256_cmpgt_epi32(m, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
        const __m256 hi = _mm256_castsi256_ps(_mm256_cmpgt_epi32(m, _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15)));
        const __m256 f = _mm256_set1_ps(fill);
        return {_mm256_blendv_ps(v.lo, f, lo), _mm256_blendv_ps(v.hi, f, hi)};
    }

    // The reference tree: halves, quarters, then (h0 + h2) + (h1 + h3).
    static float reduce16(V v) {
        const __m256 h8 = _mm256_add_ps(v.lo, v.hi);
        const __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
        const __m128 h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));
        return _mm_cvtss_f32(_mm_add_ss(h2, _mm_movehdup_ps(h2)));
    }

    // ldexp(j, n) for |n| <= 192 as (j * 2^floor(n/2)) * 2^ceil(n/2): the first product stays
    // normal (j ~ 1, |n/2| <= 96) so it is exact, and the second rounds once, as ldexp does,
    // also into the subnormal range. 0 or inf beyond 192, as exp_poly.
    static __m256 pow2_scale(__m256 j, __m256 n) {
        const __m256i ni = _mm256_cvtps_epi32(n);
        const __m256i n1 = _mm256_srai_epi32(ni, 1);
        const __m256i n2 = _mm256_sub_epi32(ni, n1);
        const __m256i bias = _mm256_set1_epi32(127);
        const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
        const __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
        const __m256 res = _mm256_mul_ps(_mm256_mul_ps(j, p1), p2);
        const __m256 abs_n = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
        const __m256 out = _mm256_cmp_ps(abs_n, _mm256_set1_ps(192.0f), _CMP_GT_OQ);
        if (_mm256_movemask_ps(out) == 0) return res;
        const __m256 alt = _mm256_blendv_ps(_mm256_set1_ps(INFINITY), _mm256_setzero_ps(),
                                            _mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ));
        return _mm256_blendv_ps(res, alt, out);
    }
    static V pow2_scale(V j, V n) { return {pow2_scale(j.lo, n.lo), pow2_scale(j.hi, n.hi)}; }
};

}  // namespace

const AttentionKernels& attention_kernels_avx2() noexcept { return simd::Attention<Lanes256x2>::kTable; }

}  // namespace hearth::kernels
