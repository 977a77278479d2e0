// NEON dot products of the K-quants (256-element super-blocks) with q8_K activations: the exact
// integer sums of each super-block (sdot per 16 or 32 elements, scaled by the integer sub-block
// scales), then ref's float expression (d_w * d_a) * isum - (dmin_w * d_a) * msum, summed in
// ref's order, so every result is bit-identical to ref. Scalar twin: kernels/ref/k_quants.cpp.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/neon/dots.hpp"
#include "kernels/ref/blocks.hpp"

namespace hearth::kernels::neon {
namespace {

// sum of a[0..31] * y[0..31], a given as two 16-byte halves.
int32_t dot32(int8x16_t a0, int8x16_t a1, const int8_t* y) {
    return vaddvq_s32(vdotq_s32(vdotq_s32(vdupq_n_s32(0), a0, vld1q_s8(y)), a1, vld1q_s8(y + 16)));
}

// 16 lanes of products a * y[0..15] summed into 4 lanes (exact; the caller scales and reduces).
int32x4_t dot16(int8x16_t a, const int8_t* y) { return vdotq_s32(vdupq_n_s32(0), a, vld1q_s8(y)); }

// sum of m[k] * sums[k] over 8 lanes, m unsigned bytes below 64 (exact in int32).
int32_t weighted_sum8(uint8x8_t m, int16x8_t sums) {
    const int16x8_t m16 = vreinterpretq_s16_u16(vmovl_u8(m));
    return vaddvq_s32(vmlal_high_s16(vmull_s16(vget_low_s16(m16), vget_low_s16(sums)), m16, sums));
}

// sum over the 16 groups of min[g] * bsums[g], mins the high nibbles of Q2_K's scale bytes.
int32_t q2_mins(const uint8_t* scales, const int16_t* bsums) {
    const uint8x16_t m = vshrq_n_u8(vld1q_u8(scales), 4);
    return weighted_sum8(vget_low_u8(m), vld1q_s16(bsums)) + weighted_sum8(vget_high_u8(m), vld1q_s16(bsums + 8));
}

// The 8 six-bit scales and mins of a Q4_K/Q5_K super-block (k_scale_min's packing) by 32-bit
// word operations: bytes 0-3 (scales) and 4-7 (mins) hold sub-blocks 0-3 in their low 6 bits
// and lend their top 2 bits to sub-blocks 4-7, whose low 4 bits are the nibbles of bytes 8-11.
void k4_scales_mins(const uint8_t* packed, uint8_t* sc, uint8_t* m) {
    uint32_t w[3];
    std::memcpy(w, packed, sizeof w);
    constexpr uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
    const uint32_t s[2] = {w[0] & kLow6, (w[2] & kLow4) | (((w[0] >> 6) & kTop2) << 4)};
    const uint32_t n[2] = {w[1] & kLow6, ((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kTop2) << 4)};
    std::memcpy(sc, s, sizeof s);
    std::memcpy(m, n, sizeof n);
}

// Q2_K and Q3_K share the 2-bit layout: quarter j of half n (elements 128n + 32j + l) is bits
// 2j..2j+1 of qs[32n + l]. Q3_K adds a high bit, bit 4n + j of hmask[l]: clear means "minus 4".
// Each 16 elements has its own scale: lane sums are scaled in int32 and reduced once.
template <bool kQ3>
int32_t k2_scaled_sum(const uint8_t* qs, const uint8_t* hmask, const int8_t* scale, const int8_t* y) {
    int32x4_t acc = vdupq_n_s32(0);
    uint8x16_t h0 = vdupq_n_u8(0), h1 = vdupq_n_u8(0);
    if constexpr (kQ3) {
        h0 = vld1q_u8(hmask);
        h1 = vld1q_u8(hmask + 16);
    }
    for (size_t n = 0; n < 2; ++n) {
        uint8x16_t q0 = vld1q_u8(qs + 32 * n), q1 = vld1q_u8(qs + 32 * n + 16);
        for (size_t j = 0; j < 4; ++j) {
            int8x16_t v0 = vreinterpretq_s8_u8(vandq_u8(q0, vdupq_n_u8(3)));
            int8x16_t v1 = vreinterpretq_s8_u8(vandq_u8(q1, vdupq_n_u8(3)));
            if constexpr (kQ3) {  // low | 4 * high, minus 4
                v0 = vsubq_s8(vorrq_s8(v0, vreinterpretq_s8_u8(vandq_u8(vshlq_n_u8(h0, 2), vdupq_n_u8(4)))), vdupq_n_s8(4));
                v1 = vsubq_s8(vorrq_s8(v1, vreinterpretq_s8_u8(vandq_u8(vshlq_n_u8(h1, 2), vdupq_n_u8(4)))), vdupq_n_s8(4));
                h0 = vshrq_n_u8(h0, 1);
                h1 = vshrq_n_u8(h1, 1);
            }
            const size_t e = 128 * n + 32 * j;
            acc = vmlaq_n_s32(acc, dot16(v0, y + e), scale[e / 16]);
            acc = vmlaq_n_s32(acc, dot16(v1, y + e + 16), scale[e / 16 + 1]);
            q0 = vshrq_n_u8(q0, 2);
            q1 = vshrq_n_u8(q1, 2);
        }
    }
    return vaddvq_s32(acc);
}

// Q4_K and Q5_K: each 64 elements j are the low nibbles of qs[32j ..+32], then their high
// nibbles; Q5_K's fifth bit is bit 2j (low) or 2j + 1 (high) of qh[l]. Scale and min per 32.
template <typename Block, bool kFifthBit>
float dot_k4(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    const uint8x16_t m4 = vdupq_n_u8(0x0F), x10 = vdupq_n_u8(0x10);
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        uint8_t sc[8], mins[8];
        k4_scales_mins(x[i].scales, sc, mins);
        // Each 32 elements' activation sum is two adjacent 16-element bsums.
        const int32_t msum = weighted_sum8(vld1_u8(mins), vpaddq_s16(vld1q_s16(y[i].bsums), vld1q_s16(y[i].bsums + 8)));
        int32_t isum = 0;
        uint8x16_t h0 = vdupq_n_u8(0), h1 = vdupq_n_u8(0);  // bit 0: the next low nibbles' fifth bit
        if constexpr (kFifthBit) {
            h0 = vld1q_u8(x[i].qh);
            h1 = vld1q_u8(x[i].qh + 16);
        }
        for (size_t j = 0; j < 4; ++j) {
            const uint8x16_t q0 = vld1q_u8(x[i].qs + 32 * j), q1 = vld1q_u8(x[i].qs + 32 * j + 16);
            uint8x16_t lo0 = vandq_u8(q0, m4), lo1 = vandq_u8(q1, m4), hi0 = vshrq_n_u8(q0, 4), hi1 = vshrq_n_u8(q1, 4);
            if constexpr (kFifthBit) {
                lo0 = vorrq_u8(lo0, vandq_u8(vshlq_n_u8(h0, 4), x10));
                lo1 = vorrq_u8(lo1, vandq_u8(vshlq_n_u8(h1, 4), x10));
                hi0 = vorrq_u8(hi0, vandq_u8(vshlq_n_u8(h0, 3), x10));
                hi1 = vorrq_u8(hi1, vandq_u8(vshlq_n_u8(h1, 3), x10));
                h0 = vshrq_n_u8(h0, 2);
                h1 = vshrq_n_u8(h1, 2);
            }
            isum += sc[2 * j] * dot32(vreinterpretq_s8_u8(lo0), vreinterpretq_s8_u8(lo1), y[i].qs + 64 * j) +
                    sc[2 * j + 1] * dot32(vreinterpretq_s8_u8(hi0), vreinterpretq_s8_u8(hi1), y[i].qs + 64 * j + 32);
        }
        sum += (half_to_float(x[i].d) * y[i].d) * float(isum) - (half_to_float(x[i].dmin) * y[i].d) * float(msum);
    }
    return sum;
}

}  // namespace

float dot_q2_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ2_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        int8_t scale[16];  // low nibbles
        vst1q_s8(scale, vreinterpretq_s8_u8(vandq_u8(vld1q_u8(x[i].scales), vdupq_n_u8(0x0F))));
        const int32_t isum = k2_scaled_sum<false>(x[i].qs, nullptr, scale, y[i].qs);
        const int32_t msum = q2_mins(x[i].scales, y[i].bsums);
        sum += (half_to_float(x[i].d) * y[i].d) * float(isum) - (half_to_float(x[i].dmin) * y[i].d) * float(msum);
    }
    return sum;
}

// Q3_K's 16 six-bit scales, stored biased by 32: low nibbles in bytes 0-7 (groups 0-7 the low,
// 8-15 the high nibble), top two bits of group g in bits 2 * (g / 4) of byte 8 + g % 4; unpacked
// four groups to a 32-bit word.
float dot_q3_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ3_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    constexpr uint32_t kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        uint32_t p[3], u[4];
        std::memcpy(p, x[i].scales, sizeof p);
        for (size_t k = 0; k < 4; ++k) u[k] = ((p[k % 2] >> (4 * (k / 2))) & kLow4) | (((p[2] >> (2 * k)) & kTop2) << 4);
        int8_t scale[16];
        vst1q_s8(scale, vsubq_s8(vreinterpretq_s8_u32(vld1q_u32(u)), vdupq_n_s8(32)));
        const int32_t isum = k2_scaled_sum<true>(x[i].qs, x[i].hmask, scale, y[i].qs);
        sum += (half_to_float(x[i].d) * y[i].d) * float(isum);
    }
    return sum;
}

float dot_q4_K(size_t n, const std::byte* w, const std::byte* act) noexcept { return dot_k4<BlockQ4_K, false>(n, w, act); }
float dot_q5_K(size_t n, const std::byte* w, const std::byte* act) noexcept { return dot_k4<BlockQ5_K, true>(n, w, act); }

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
                    isum += x[i].scales[e / 16] * vaddvq_s32(dot16(v, y[i].qs + e));
                }
            }
        sum += (half_to_float(x[i].d) * y[i].d) * float(isum);
    }
    return sum;
}

}  // namespace hearth::kernels::neon
