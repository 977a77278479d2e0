// The NEON level (Armv8.2-A with the dot-product extension): q8_0/q8_1 activation quantizers
// (vcvtnq rounds half to even, as ref), the F16 dot, and the list of what the level replaces.
// Dot products for every quantized type: legacy_quants.cpp (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0: vector
// lanes, ref up to float summation order) and k_quants.cpp (Q2_K..Q6_K: per-block integer sums,
// then ref's float expression, bit-identical). Scalar twins: kernels/ref/*.cpp. The prompt GEMMs
// for Q4_0, Q8_0, Q4_K, Q5_K and Q6_K come from block_gemm_neon.hpp (smmla where the CPU has
// i8mm, else sdot).
#include <arm_neon.h>

#include <array>
#include <cstring>

#include "kernels/arm/neon/block_gemm_neon.hpp"
#include "kernels/arm/neon/dots.hpp"

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
    {GgmlType::q4_0, quantize_row_q8_0, neon::dot_q4_0, nullptr},
    {GgmlType::q4_1, quantize_row_q8_1, neon::dot_q4_1, nullptr},
    {GgmlType::q5_0, quantize_row_q8_0, neon::dot_q5_0, nullptr},
    {GgmlType::q5_1, quantize_row_q8_1, neon::dot_q5_1, nullptr},
    {GgmlType::q8_0, quantize_row_q8_0, neon::dot_q8_0, nullptr},
    {GgmlType::q2_k, nullptr, neon::dot_q2_K, nullptr},
    {GgmlType::q3_k, nullptr, neon::dot_q3_K, nullptr},
    {GgmlType::q4_k, nullptr, neon::dot_q4_K, nullptr},
    {GgmlType::q5_k, nullptr, neon::dot_q5_K, nullptr},
    {GgmlType::q6_k, nullptr, neon::dot_q6_K, nullptr},
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
