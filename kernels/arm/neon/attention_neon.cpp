// The NEON attention row: the shared bodies of kernels/attention_body-inl.hpp with 16 lanes as
// four float32x4_t, so the lane layout, and with it every rounding, is the x86 rows' and the
// scalar code's. fcvtl/fcvtn convert f16 as vcvtph2ps/vcvtps2ph do (ties to even, subnormals
// kept under Linux's default FPCR, NaN quieted with its top payload bits): tested against
// kernels::fp32_to_fp16 in tests/test_attention_simd.cpp.
#include <arm_neon.h>

#include <bit>
#include <cstring>

#include "kernels/attention_body-inl.hpp"

namespace hearth::kernels {
namespace {

struct LanesNeon4 {
    struct V {
        float32x4_t x[4];  // lanes 0-3, 4-7, 8-11, 12-15
    };
    // 4 positions x 4 registers = 16 FMA chains, plus the query's 4 and a broadcast: half of the
    // 32 vector registers stay free, and 16 chains cover FMA latency 4 x 4 pipes on wide cores.
    static constexpr size_t kScoreRows = 4;

    template <class Op>
    static V each(V a, V b, Op op) { return {{op(a.x[0], b.x[0]), op(a.x[1], b.x[1]), op(a.x[2], b.x[2]), op(a.x[3], b.x[3])}}; }

    static V zero() { return set1(0.0f); }
    static V set1(float s) {
        const float32x4_t v = vdupq_n_f32(s);
        return {{v, v, v, v}};
    }
    static V load(const float* p) { return {{vld1q_f32(p), vld1q_f32(p + 4), vld1q_f32(p + 8), vld1q_f32(p + 12)}}; }
    static void store(float* p, V v) {
        for (size_t k = 0; k < 4; ++k) vst1q_f32(p + 4 * k, v.x[k]);
    }
    static V load_partial(const float* p, size_t n) { return simd::BufferTails<LanesNeon4>::load_partial(p, n); }
    static void store_partial(float* p, V v, size_t n) { simd::BufferTails<LanesNeon4>::store_partial(p, v, n); }
    static V load_f16_partial(const uint16_t* p, size_t n) { return simd::BufferTails<LanesNeon4>::load_f16_partial(p, n); }

    static float f16_to_f32(uint16_t h) { return static_cast<float>(std::bit_cast<__fp16>(h)); }
    static V load_f16(const uint16_t* p) {
        const float16x8_t a = vreinterpretq_f16_u16(vld1q_u16(p)), b = vreinterpretq_f16_u16(vld1q_u16(p + 8));
        return {{vcvt_f32_f16(vget_low_f16(a)), vcvt_high_f32_f16(a), vcvt_f32_f16(vget_low_f16(b)), vcvt_high_f32_f16(b)}};
    }
    static V round_f16(V v) {
        for (float32x4_t& x : v.x) x = vcvt_f32_f16(vcvt_f16_f32(x));
        return v;
    }

    // vfmaq_f32(c, a, b) is c + a * b with one rounding, as std::fma(a, b, c).
    static V fma(V a, V b, V c) {
        for (size_t k = 0; k < 4; ++k) c.x[k] = vfmaq_f32(c.x[k], a.x[k], b.x[k]);
        return c;
    }
    static V mul(V a, V b) { return each(a, b, [](float32x4_t x, float32x4_t y) { return vmulq_f32(x, y); }); }
    static V add(V a, V b) { return each(a, b, [](float32x4_t x, float32x4_t y) { return vaddq_f32(x, y); }); }
    static V sub(V a, V b) { return each(a, b, [](float32x4_t x, float32x4_t y) { return vsubq_f32(x, y); }); }
    // a > b ? a : b, as x86's maxps (b on ties and NaN); fmax would return +0 for (-0, +0) and
    // NaN for a NaN operand.
    static V max(V a, V b) {
        return each(a, b, [](float32x4_t x, float32x4_t y) { return vbslq_f32(vcgtq_f32(x, y), x, y); });
    }

    static V fill_prefix(V v, size_t n, float fill) {
        static constexpr int32_t kIndex[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        const int32x4_t m = vdupq_n_s32(static_cast<int32_t>(n));
        const float32x4_t f = vdupq_n_f32(fill);
        for (size_t k = 0; k < 4; ++k) v.x[k] = vbslq_f32(vcltq_s32(vld1q_s32(kIndex + 4 * k), m), f, v.x[k]);
        return v;
    }

    // The reference tree: halves (lanes 0-7 + 8-15 = registers 0,1 + 2,3), quarters, then
    // (h0 + h2) + (h1 + h3).
    static float reduce16(V v) {
        const float32x4_t h4 = vaddq_f32(vaddq_f32(v.x[0], v.x[2]), vaddq_f32(v.x[1], v.x[3]));
        return vpadds_f32(vadd_f32(vget_low_f32(h4), vget_high_f32(h4)));
    }

    // 2^k for integer k in [-126, 127]: the exponent field alone.
    static float32x4_t pow2i(int32x4_t k) { return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(k, vdupq_n_s32(127)), 23)); }
    // ldexp(j, n) as the AVX2 row computes it, (j * 2^floor(n/2)) * 2^ceil(n/2): exact, then one
    // rounding (also into subnormals); 0 or inf where |n| > 192, as exp_poly. n is integral, and
    // lanes whose conversion saturates are among those replaced.
    static float32x4_t pow2_scale(float32x4_t j, float32x4_t n) {
        const int32x4_t ni = vcvtq_s32_f32(n);
        const int32x4_t half = vshrq_n_s32(ni, 1);
        const float32x4_t res = vmulq_f32(vmulq_f32(j, pow2i(half)), pow2i(vsubq_s32(ni, half)));
        const float32x4_t beyond = vbslq_f32(vclezq_f32(n), vdupq_n_f32(0.0f), vdupq_n_f32(INFINITY));
        return vbslq_f32(vcagtq_f32(n, vdupq_n_f32(192.0f)), beyond, res);  // |n| > 192, false for NaN
    }
    static V pow2_scale(V j, V n) { return each(j, n, [](float32x4_t a, float32x4_t b) { return pow2_scale(a, b); }); }
};

}  // namespace

const AttentionKernels& attention_kernels_neon() noexcept { return simd::Attention<LanesNeon4>::kTable; }

}  // namespace hearth::kernels
