// The AVX-512 attention row: the shared bodies of kernels/attention_body-inl.hpp on one 512-bit
// vector per 16 lanes (ggml's own dot_f16 layout), with masked loads for tails and vscalefps for
// ldexp.
// GCC 12's avx512fintrin.h fills unmasked results from _mm512_undefined_*() and then warns
// about its own placeholder (GCC bug 105593) wherever those intrinsics are inlined.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "kernels/attention_body-inl.hpp"

namespace hearth::kernels {
namespace {

struct Lanes512 {
    using V = __m512;
    static constexpr size_t kScoreRows = 8;  // 8 FMA chains: latency 4 x 2 ports

    static __mmask16 first(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

    static V zero() { return _mm512_setzero_ps(); }
    static V set1(float x) { return _mm512_set1_ps(x); }
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static V load_partial(const float* p, size_t n) { return _mm512_maskz_loadu_ps(first(n), p); }
    static void store_partial(float* p, V v, size_t n) { _mm512_mask_storeu_ps(p, first(n), v); }
    static float f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }
    static V load_f16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
    static V load_f16_partial(const uint16_t* p, size_t n) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(first(n), p)); }
    // vcvtps2ph with round-to-nearest-even equals kernels::fp32_to_fp16 on every input (tested).
    static V round_f16(V x) { return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static V max(V a, V b) { return _mm512_max_ps(a, b); }  // a > b ? a : b
    static V fill_prefix(V v, size_t n, float fill) { return _mm512_mask_blend_ps(first(n), v, _mm512_set1_ps(fill)); }

    // The reference tree: halves, quarters, then (h0 + h2) + (h1 + h3).
    static float reduce16(V v) {
        const __m256 h8 = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
        const __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
        const __m128 h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));
        return _mm_cvtss_f32(_mm_add_ss(h2, _mm_movehdup_ps(h2)));
    }

    // ldexp(j, n) for |n| <= 192 (vscalefps rounds once, like ldexp); 0 or inf beyond.
    static V pow2_scale(V j, V n) {
        const V res = _mm512_scalef_ps(j, n);
        const __mmask16 out = _mm512_cmp_ps_mask(_mm512_abs_ps(n), set1(192.0f), _CMP_GT_OQ);
        if (out == 0) return res;
        const V alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, zero(), _CMP_LE_OQ), set1(INFINITY), zero());
        return _mm512_mask_blend_ps(out, res, alt);
    }
};

}  // namespace

const AttentionKernels& attention_kernels_avx512() noexcept { return simd::Attention<Lanes512>::kTable; }

}  // namespace hearth::kernels
