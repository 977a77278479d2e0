// The NEON level (Armv8.2-A with the dot-product extension): q8_0/q8_1 activation quantizers
// (vcvtnq rounds half to even, as ref), and dot products for Q4_0, Q8_0 (vector lanes: ref up to
// float summation order), Q4_K and Q6_K (per-block integer sums, then the same float expression
// as ref) and F16. Scalar twins: kernels/ref/*.cpp. The prompt GEMMs for Q4_0, Q8_0, Q4_K, Q5_K and
// Q6_K come from block_gemm_neon.hpp (smmla where the CPU has i8mm, else sdot).
#include <arm_neon.h>

#include <array>
#include <cstring>

#include "kernels/arm/neon/block_gemm_neon.hpp"

#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"
#include "kernels/ref/ref_kernels.hpp"
#include "kernels/simd_kernels.hpp"

namespace hearth::kernels {
namespace {

// 32 floats * scale rounded half to even into int8 (values are within [-127, 127] by construction).
int32_t round_block_32(const float* x, float scale, int8_t* q) {
    int32x4_t sum = vdupq_n_s32(0);
    for (size_t k = 0; k < 32; k += 8) {
        const int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + k), scale));
        const int32x4_t b = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + k + 4), scale));
        sum = vaddq_s32(sum, vaddq_s32(a, b));
        vst1_s8(q + k, vqmovn_s16(vcombine_s16(vqmovn_s32(a), vqmovn_s32(b))));
    }
    return vaddvq_s32(sum);
}

float block_amax_32(const float* x) {
    float32x4_t m = vabsq_f32(vld1q_f32(x));
    for (size_t k = 4; k < 32; k += 4) m = vmaxq_f32(m, vabsq_f32(vld1q_f32(x + k)));
    return vmaxvq_f32(m);
}

void quantize_row_q8_0(const float* src, std::byte* dst, size_t n) noexcept {
    auto* y = reinterpret_cast<BlockQ8_0*>(dst);
    for (size_t i = 0; i < n / kQK; ++i) {
        const float amax = block_amax_32(src + i * kQK);
        y[i].d = fp32_to_fp16(amax / 127.0f);
        round_block_32(src + i * kQK, amax != 0.0f ? 127.0f / amax : 0.0f, y[i].qs);
    }
}

void quantize_row_q8_1(const float* src, std::byte* dst, size_t n) noexcept {
    auto* y = reinterpret_cast<BlockQ8_1*>(dst);
    for (size_t i = 0; i < n / kQK; ++i) {
        const float amax = block_amax_32(src + i * kQK);
        const float d = amax / 127.0f;
        const int32_t sum = round_block_32(src + i * kQK, amax != 0.0f ? 127.0f / amax : 0.0f, y[i].qs);
        y[i].d = fp32_to_fp16(d);
        y[i].s = fp32_to_fp16(d * float(sum));
    }
}

// Signed weights x q8_0: per block an exact int32x4 from two vdot, then one FMA into 4 lanes.
template <typename Block, void (*values)(const Block&, int8x16_t&, int8x16_t&)>
float dot_q8_0(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_0*>(act);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (size_t i = 0; i < n / kQK; ++i) {
        int8x16_t lo, hi;
        values(x[i], lo, hi);
        const int32x4_t p = vdotq_s32(vdotq_s32(vdupq_n_s32(0), lo, vld1q_s8(y[i].qs)), hi, vld1q_s8(y[i].qs + 16));
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
    }
    return vaddvq_f32(acc);
}

void q4_0_values(const BlockQ4_0& b, int8x16_t& lo, int8x16_t& hi) {
    const uint8x16_t raw = vld1q_u8(b.qs);
    lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0F))), vdupq_n_s8(8));
    hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), vdupq_n_s8(8));
}

void q8_0_values(const BlockQ8_0& b, int8x16_t& lo, int8x16_t& hi) {
    lo = vld1q_s8(b.qs);
    hi = vld1q_s8(b.qs + 16);
}

int32_t dot32(const int8x16_t a0, const int8x16_t a1, const int8_t* y) {
    return vaddvq_s32(vdotq_s32(vdotq_s32(vdupq_n_s32(0), a0, vld1q_s8(y)), a1, vld1q_s8(y + 16)));
}

// Q4_K: integer sums per 32-element sub-block (exact), then ref's float expression.
float dot_q4_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ4_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        int32_t isum = 0, msum = 0;
        for (size_t j = 0; j < 4; ++j) {
            uint8_t sc_lo, m_lo, sc_hi, m_hi;
            k_scale_min(2 * j, x[i].scales, sc_lo, m_lo);
            k_scale_min(2 * j + 1, x[i].scales, sc_hi, m_hi);
            const uint8x16_t q0 = vld1q_u8(x[i].qs + 32 * j), q1 = vld1q_u8(x[i].qs + 32 * j + 16);
            const int8x16_t lo0 = vreinterpretq_s8_u8(vandq_u8(q0, vdupq_n_u8(0x0F)));
            const int8x16_t lo1 = vreinterpretq_s8_u8(vandq_u8(q1, vdupq_n_u8(0x0F)));
            const int8x16_t hi0 = vreinterpretq_s8_u8(vshrq_n_u8(q0, 4));
            const int8x16_t hi1 = vreinterpretq_s8_u8(vshrq_n_u8(q1, 4));
            isum += sc_lo * dot32(lo0, lo1, y[i].qs + 64 * j) + sc_hi * dot32(hi0, hi1, y[i].qs + 64 * j + 32);
            msum += m_lo * (y[i].bsums[4 * j] + y[i].bsums[4 * j + 1]) + m_hi * (y[i].bsums[4 * j + 2] + y[i].bsums[4 * j + 3]);
        }
        sum += (fp16_to_fp32(x[i].d) * y[i].d) * float(isum) - (fp16_to_fp32(x[i].dmin) * y[i].d) * float(msum);
    }
    return sum;
}

// Q6_K: quarter k of half h = nibble (k/2) of ql[64h + 32(k%2) + l] | bits 2k.. of qh[32h + l],
// minus 32; each 16 elements has its own int8 scale.
float dot_q6_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ6_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        int32_t isum = 0;
        for (size_t h = 0; h < 2; ++h)
            for (size_t half16 = 0; half16 < 2; ++half16) {  // l in [0,16) then [16,32)
                const size_t l = 16 * half16;
                const uint8x16_t ql0 = vld1q_u8(x[i].ql + 64 * h + l), ql1 = vld1q_u8(x[i].ql + 64 * h + 32 + l);
                const uint8x16_t qh = vld1q_u8(x[i].qh + 32 * h + l);
                const uint8x16_t m4 = vdupq_n_u8(0x0F), m2 = vdupq_n_u8(0x30);
                const uint8x16_t q[4] = {
                    vorrq_u8(vandq_u8(ql0, m4), vandq_u8(vshlq_n_u8(qh, 4), m2)),
                    vorrq_u8(vandq_u8(ql1, m4), vandq_u8(vshlq_n_u8(qh, 2), m2)),
                    vorrq_u8(vshrq_n_u8(ql0, 4), vandq_u8(qh, m2)),
                    vorrq_u8(vshrq_n_u8(ql1, 4), vandq_u8(vshrq_n_u8(qh, 2), m2)),
                };
                for (size_t k = 0; k < 4; ++k) {
                    const int8x16_t v = vsubq_s8(vreinterpretq_s8_u8(q[k]), vdupq_n_s8(32));
                    const size_t e = 128 * h + 32 * k + l;
                    const int32_t d = vaddvq_s32(vdotq_s32(vdupq_n_s32(0), v, vld1q_s8(y[i].qs + e)));
                    isum += x[i].scales[e / 16] * d;
                }
            }
        sum += (fp16_to_fp32(x[i].d) * y[i].d) * float(isum);
    }
    return sum;
}

float dot_f16(size_t n, const std::byte* w, const std::byte* a) noexcept {
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float16x8_t wv, av;
        std::memcpy(&wv, w + 2 * i, 16);
        std::memcpy(&av, a + 2 * i, 16);
        acc0 = vfmaq_f32(acc0, vcvt_f32_f16(vget_low_f16(wv)), vcvt_f32_f16(vget_low_f16(av)));
        acc1 = vfmaq_f32(acc1, vcvt_high_f32_f16(wv), vcvt_high_f32_f16(av));
    }
    float sum = vaddvq_f32(vaddq_f32(acc0, acc1));
    for (; i < n; ++i) {
        uint16_t hw, ha;
        std::memcpy(&hw, w + 2 * i, 2);
        std::memcpy(&ha, a + 2 * i, 2);
        sum += fp16_to_fp32(hw) * fp16_to_fp32(ha);
    }
    return sum;
}

constexpr SimdOverride kNeonOverrides[] = {
    {GgmlType::f16, nullptr, dot_f16, nullptr},
    {GgmlType::q4_0, quantize_row_q8_0, dot_q8_0<BlockQ4_0, q4_0_values>, nullptr},
    {GgmlType::q4_1, quantize_row_q8_1, nullptr, nullptr},
    {GgmlType::q5_0, quantize_row_q8_0, nullptr, nullptr},
    {GgmlType::q5_1, quantize_row_q8_1, nullptr, nullptr},
    {GgmlType::q8_0, quantize_row_q8_0, dot_q8_0<BlockQ8_0, q8_0_values>, nullptr},
    {GgmlType::q4_k, nullptr, dot_q4_K, nullptr},
    {GgmlType::q5_k, nullptr, nullptr, nullptr},  // the GEMM only
    {GgmlType::q6_k, nullptr, dot_q6_K, nullptr},
};

}  // namespace

std::span<const SimdOverride> neon_overrides() noexcept {
    static const auto list = [] {
        auto l = std::to_array(kNeonOverrides);
        for (SimdOverride& o : l) o.gemm = neon::best_block_gemm(o.type);
        return l;
    }();
    return list;
}

}  // namespace hearth::kernels
