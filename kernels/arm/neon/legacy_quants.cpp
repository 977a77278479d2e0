// NEON dot products of the 32-element block formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) with their
// q8_0/q8_1 partners: per block an exact int32x4 from two sdot, one FMA into 4 float lanes with
// d_w * d_a, and for Q4_1/Q5_1 the minimum term m_w * s_a summed on its own (ref adds it per
// block), so results equal ref up to float summation order. Scalar twin: kernels/ref/legacy_quants.cpp.
#include <arm_neon.h>

#include <cstring>
#include <type_traits>

#include "kernels/arm/neon/dots.hpp"
#include "kernels/ref/blocks.hpp"

namespace hearth::kernels::neon {
namespace {

// 0x10 in byte j of (lo: elements 0-15, hi: 16-31) where bit j of the block's qh is set.
void fifth_bits(const uint8_t* qh, uint8x16_t& lo, uint8x16_t& hi) {
    static constexpr uint8_t kByteOf[32] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
    static constexpr uint8_t kBitOf[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    uint32_t bits;
    std::memcpy(&bits, qh, sizeof bits);
    const uint8x16_t bytes = vreinterpretq_u8_u32(vdupq_n_u32(bits));  // qh[0..3] four times
    const uint8x16_t bit = vld1q_u8(kBitOf), x10 = vdupq_n_u8(0x10);
    lo = vandq_u8(vtstq_u8(vqtbl1q_u8(bytes, vld1q_u8(kByteOf)), bit), x10);
    hi = vandq_u8(vtstq_u8(vqtbl1q_u8(bytes, vld1q_u8(kByteOf + 16)), bit), x10);
}

// A 4- or 5-bit format: element j is the low nibble of qs[j], element j + 16 the high one, the
// fifth bit (kFifthBit) on top, minus kBias; all values fit a signed byte.
template <typename BlockT, typename ActT, int kBias, bool kFifthBit>
struct NibbleFormat {
    using Block = BlockT;
    using Act = ActT;
    static void values(const Block& b, int8x16_t& lo, int8x16_t& hi) {
        const uint8x16_t raw = vld1q_u8(b.qs);
        uint8x16_t l = vandq_u8(raw, vdupq_n_u8(0x0F)), h = vshrq_n_u8(raw, 4);
        if constexpr (kFifthBit) {
            uint8x16_t bl, bh;
            fifth_bits(b.qh, bl, bh);
            l = vorrq_u8(l, bl);
            h = vorrq_u8(h, bh);
        }
        lo = vreinterpretq_s8_u8(l);
        hi = vreinterpretq_s8_u8(h);
        if constexpr (kBias != 0) {
            lo = vsubq_s8(lo, vdupq_n_s8(kBias));
            hi = vsubq_s8(hi, vdupq_n_s8(kBias));
        }
    }
};

struct Q8_0Format {
    using Block = BlockQ8_0;
    using Act = BlockQ8_0;
    static void values(const Block& b, int8x16_t& lo, int8x16_t& hi) {
        lo = vld1q_s8(b.qs);
        hi = vld1q_s8(b.qs + 16);
    }
};

template <typename F>
float dot(size_t n, const std::byte* w, const std::byte* act) noexcept {
    constexpr bool kMin = std::is_same_v<typename F::Act, BlockQ8_1>;
    const auto* x = reinterpret_cast<const typename F::Block*>(w);
    const auto* y = reinterpret_cast<const typename F::Act*>(act);
    float32x4_t acc = vdupq_n_f32(0.0f);
    float mins = 0.0f;
    for (size_t i = 0; i < n / kQK; ++i) {
        int8x16_t lo, hi;
        F::values(x[i], lo, hi);
        const int32x4_t p = vdotq_s32(vdotq_s32(vdupq_n_s32(0), lo, vld1q_s8(y[i].qs)), hi, vld1q_s8(y[i].qs + 16));
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), half_to_float(x[i].d) * half_to_float(y[i].d));
        if constexpr (kMin) mins += half_to_float(x[i].m) * half_to_float(y[i].s);
    }
    if constexpr (kMin) return vaddvq_f32(acc) + mins;
    return vaddvq_f32(acc);
}

}  // namespace

float dot_q4_0(size_t n, const std::byte* w, const std::byte* act) noexcept {
    return dot<NibbleFormat<BlockQ4_0, BlockQ8_0, 8, false>>(n, w, act);
}
float dot_q4_1(size_t n, const std::byte* w, const std::byte* act) noexcept {
    return dot<NibbleFormat<BlockQ4_1, BlockQ8_1, 0, false>>(n, w, act);
}
float dot_q5_0(size_t n, const std::byte* w, const std::byte* act) noexcept {
    return dot<NibbleFormat<BlockQ5_0, BlockQ8_0, 16, true>>(n, w, act);
}
float dot_q5_1(size_t n, const std::byte* w, const std::byte* act) noexcept {
    return dot<NibbleFormat<BlockQ5_1, BlockQ8_1, 0, true>>(n, w, act);
}
float dot_q8_0(size_t n, const std::byte* w, const std::byte* act) noexcept { return dot<Q8_0Format>(n, w, act); }

}  // namespace hearth::kernels::neon
