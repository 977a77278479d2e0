// Reference kernels for the K-quants (256-element super-blocks) Q2_K..Q6_K: each block is first
// unpacked to plain integers with one scale (and min) per 16 elements, which makes the bit layouts
// the only per-type code. Dot products use q8_K activations, whose bsums carry the min terms.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"
#include "kernels/ref/ref_kernels.hpp"

namespace hearth::kernels::ref {
namespace {

constexpr size_t kGroups = kQKK / 16;

// Value of element e = (d * scale[e/16]) * q[e] - (dmin * min[e/16]), ggml's evaluation order.
struct KUnpacked {
    int8_t q[kQKK];
    int scale[kGroups];
    int min[kGroups];  // all 0 for Q3_K and Q6_K
    float d;
    float dmin;
};

void unpack(const BlockQ2_K& b, KUnpacked& u) noexcept {
    // Bits 2j..2j+1 of qs[n*32 + l] hold element n*128 + j*32 + l.
    for (size_t e = 0; e < kQKK; ++e) {
        const size_t n = e / 128, j = (e % 128) / 32, l = e % 32;
        u.q[e] = int8_t((b.qs[n * 32 + l] >> (2 * j)) & 3);
    }
    for (size_t g = 0; g < kGroups; ++g) {
        u.scale[g] = b.scales[g] & 0xF;
        u.min[g] = b.scales[g] >> 4;
    }
    u.d = fp16_to_fp32(b.d);
    u.dmin = fp16_to_fp32(b.dmin);
}

void unpack(const BlockQ3_K& b, KUnpacked& u) noexcept {
    // Low two bits as in Q2_K; the high bit (bit n*4+j of hmask[l]) clear means "subtract 4".
    for (size_t e = 0; e < kQKK; ++e) {
        const size_t n = e / 128, j = (e % 128) / 32, l = e % 32;
        const int low = (b.qs[n * 32 + l] >> (2 * j)) & 3;
        const bool high = (b.hmask[l] >> (n * 4 + j)) & 1;
        u.q[e] = int8_t(low - (high ? 0 : 4));
    }
    // 16 six-bit scales: low nibbles in bytes 0-7 (groups 0-7 low, then 8-15 high nibble),
    // top two bits in bytes 8-11 (group g uses bits 2*(g/4) of byte 8 + g%4).
    for (size_t g = 0; g < kGroups; ++g) {
        const int low = g < 8 ? (b.scales[g] & 0xF) : (b.scales[g - 8] >> 4);
        const int high = (b.scales[8 + g % 4] >> (2 * (g / 4))) & 3;
        u.scale[g] = (low | (high << 4)) - 32;
        u.min[g] = 0;
    }
    u.d = fp16_to_fp32(b.d);
    u.dmin = 0.0f;
}

// Q4_K and Q5_K share the 32-element sub-block scales/mins packing (k_scale_min).
void unpack_k4_scales(const uint8_t* scales, KUnpacked& u) noexcept {
    for (size_t sb = 0; sb < 8; ++sb) {
        uint8_t sc, m;
        k_scale_min(sb, scales, sc, m);
        u.scale[2 * sb] = u.scale[2 * sb + 1] = sc;
        u.min[2 * sb] = u.min[2 * sb + 1] = m;
    }
}

void unpack(const BlockQ4_K& b, KUnpacked& u) noexcept {
    // Each 64 elements: low nibbles of qs[j*32 ..+32] first, then their high nibbles.
    for (size_t e = 0; e < kQKK; ++e) {
        const size_t j = e / 64, hi = (e % 64) / 32, l = e % 32;
        u.q[e] = int8_t((b.qs[j * 32 + l] >> (4 * hi)) & 0xF);
    }
    unpack_k4_scales(b.scales, u);
    u.d = fp16_to_fp32(b.d);
    u.dmin = fp16_to_fp32(b.dmin);
}

void unpack(const BlockQ5_K& b, KUnpacked& u) noexcept {
    // As Q4_K, plus the fifth bit: bit (2j + hi) of qh[l].
    for (size_t e = 0; e < kQKK; ++e) {
        const size_t j = e / 64, hi = (e % 64) / 32, l = e % 32;
        const int low = (b.qs[j * 32 + l] >> (4 * hi)) & 0xF;
        const int high = (b.qh[l] >> (2 * j + hi)) & 1;
        u.q[e] = int8_t(low | (high << 4));
    }
    unpack_k4_scales(b.scales, u);
    u.d = fp16_to_fp32(b.d);
    u.dmin = fp16_to_fp32(b.dmin);
}

void unpack(const BlockQ6_K& b, KUnpacked& u) noexcept {
    // Per 128 elements n: quarter k takes nibble (k/2) of ql[n*64 + (k%2)*32 + l] and
    // bits 2k..2k+1 of qh[n*32 + l] as its top two bits; stored biased by 32.
    for (size_t e = 0; e < kQKK; ++e) {
        const size_t n = e / 128, k = (e % 128) / 32, l = e % 32;
        const int low = (b.ql[n * 64 + (k % 2) * 32 + l] >> (4 * (k / 2))) & 0xF;
        const int high = (b.qh[n * 32 + l] >> (2 * k)) & 3;
        u.q[e] = int8_t((low | (high << 4)) - 32);
    }
    for (size_t g = 0; g < kGroups; ++g) {
        u.scale[g] = b.scales[g];
        u.min[g] = 0;
    }
    u.d = fp16_to_fp32(b.d);
    u.dmin = 0.0f;
}

template <typename Block>
void dequantize(const std::byte* src, float* dst, size_t n) noexcept {
    const auto* x = reinterpret_cast<const Block*>(src);
    KUnpacked u;
    for (size_t i = 0; i < n / kQKK; ++i) {
        unpack(x[i], u);
        for (size_t e = 0; e < kQKK; ++e) {
            const size_t g = e / 16;
            dst[i * kQKK + e] = (u.d * float(u.scale[g])) * float(u.q[e]) - u.dmin * float(u.min[g]);
        }
    }
}

// The exact integer parts of one super-block's dot product: sum of scale * (group dot) and sum
// of min * (group sum of activations).
struct KSums {
    int32_t scaled = 0;
    int32_t mins = 0;
};

KSums k_sums(const KUnpacked& u, const BlockQ8_K& y) noexcept {
    KSums s;
    for (size_t g = 0; g < kGroups; ++g) {
        int32_t gsum = 0;
        for (size_t l = 0; l < 16; ++l) gsum += int32_t(u.q[g * 16 + l]) * int32_t(y.qs[g * 16 + l]);
        s.scaled += u.scale[g] * gsum;
        s.mins += u.min[g] * y.bsums[g];
    }
    return s;
}

// Per super-block, ggml's vec_dot order: sum += (d_w*d_a)*isum - (dmin_w*d_a)*msum.
template <typename Block>
float dot_q8_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    KUnpacked u;
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        unpack(x[i], u);
        const KSums k = k_sums(u, y[i]);
        sum += (u.d * y[i].d) * float(k.scaled) - (u.dmin * y[i].d) * float(k.mins);
    }
    return sum;
}

template <typename Block>
constexpr bool kHasMins = std::is_same_v<Block, BlockQ2_K> || std::is_same_v<Block, BlockQ4_K> || std::is_same_v<Block, BlockQ5_K>;

// The block-integer GEMM order (kernels.hpp, BlockGemm) for one weight row and one q8_K row:
// per super-block acc = fma(S, d_w*d_a, acc), then acc = fma(-M, dmin_w*d_a, acc).
template <typename Block>
float block_gemm_dot(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    KUnpacked u;
    float acc = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        unpack(x[i], u);
        const KSums k = k_sums(u, y[i]);
        acc = std::fma(float(k.scaled), rounded_product(u.d, y[i].d), acc);
        if constexpr (kHasMins<Block>) acc = std::fma(-float(k.mins), rounded_product(u.dmin, y[i].d), acc);
    }
    return acc;
}

// llama.cpp's x86 CPU backend (AVX2 and up) keeps each K-quant dot product in 8 int32 lanes:
// lane k takes bytes 4k..4k+3 of every 32-element chunk c, times the scale of its 16-group
// (2c + k/4). Lanes become floats once per super-block, then are summed at the end as
// hsum_float_8 does: (l0+l4 + l2+l6) + (l1+l5 + l3+l7).
struct Lanes8 {
    int32_t v[8] = {};
};

Lanes8 scaled_lanes(const KUnpacked& u, const BlockQ8_K& y, int bias) noexcept {
    Lanes8 s;
    for (size_t c = 0; c < kQKK / 32; ++c)
        for (size_t k = 0; k < 8; ++k) {
            int32_t part = 0;
            for (size_t b = 4 * k; b < 4 * k + 4; ++b) part += (u.q[32 * c + b] + bias) * int32_t(y.qs[32 * c + b]);
            s.v[k] += u.scale[2 * c + k / 4] * part;
        }
    return s;
}

float hsum8(const float (&a)[8]) noexcept {
    const float r0 = a[0] + a[4], r1 = a[1] + a[5], r2 = a[2] + a[6], r3 = a[3] + a[7];
    return (r0 + r2) + (r1 + r3);
}

// ggml_vec_dot_q4_K_q8_K (x86): the min terms run in 4 float lanes of their own, lane k holding
// sub-blocks 2k and 2k+1, and are added after the 8 main lanes are summed.
template <typename Block>
float ggml_x86_dot_k4(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    KUnpacked u;
    float acc[8] = {}, acc_m[4] = {};
    for (size_t i = 0; i < n / kQKK; ++i) {
        unpack(x[i], u);
        const float d = rounded_product(y[i].d, u.d);
        const float dmin = rounded_product(-y[i].d, u.dmin);
        for (size_t k = 0; k < 4; ++k) {
            int32_t prod = 0;
            for (size_t j = 2 * k; j < 2 * k + 2; ++j) prod += u.min[2 * j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
            acc_m[k] = std::fma(dmin, float(prod), acc_m[k]);
        }
        const Lanes8 s = scaled_lanes(u, y[i], 0);
        for (size_t k = 0; k < 8; ++k) acc[k] = std::fma(d, float(s.v[k]), acc[k]);
    }
    return hsum8(acc) + ((acc_m[0] + acc_m[2]) + (acc_m[1] + acc_m[3]));
}

// ggml_vec_dot_q6_K_q8_K (x86): quants enter biased by +32; lane k subtracts 32 * (scale * bsum)
// of 16-groups 2k and 2k+1, whichever bytes its products came from.
float ggml_x86_dot_q6_K(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ6_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    KUnpacked u;
    float acc[8] = {};
    for (size_t i = 0; i < n / kQKK; ++i) {
        unpack(x[i], u);
        const float d = rounded_product(y[i].d, u.d);
        Lanes8 s = scaled_lanes(u, y[i], 32);
        for (size_t k = 0; k < 8; ++k) {
            s.v[k] -= 32 * (u.scale[2 * k] * y[i].bsums[2 * k] + u.scale[2 * k + 1] * y[i].bsums[2 * k + 1]);
            acc[k] = std::fma(d, float(s.v[k]), acc[k]);
        }
    }
    return hsum8(acc);
}

// ggml's x86 kernels for Q4_K rows repacked 8 at a time (q4_K_8x8) keep the integer sum and the
// min sum in float accumulators of their own, subtracted at the end. Its GEMV (one token) adds
// them once per super-block; its GEMM (tokens in fours) once per 64 elements (two sub-blocks).
template <size_t kSubBlocksPerStep>
float ggml_x86_dot_q4_K_8x8(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const BlockQ4_K*>(w);
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    KUnpacked u;
    float acc = 0.0f, acc_min = 0.0f;
    for (size_t i = 0; i < n / kQKK; ++i) {
        unpack(x[i], u);
        const float d = rounded_product(u.d, y[i].d), dmin = rounded_product(u.dmin, y[i].d);
        for (size_t j0 = 0; j0 < 8; j0 += kSubBlocksPerStep) {
            int32_t scaled = 0, mins = 0;
            for (size_t j = j0; j < j0 + kSubBlocksPerStep; ++j) {
                int32_t dot = 0;
                for (size_t l = 32 * j; l < 32 * j + 32; ++l) dot += int32_t(u.q[l]) * int32_t(y[i].qs[l]);
                scaled += u.scale[2 * j] * dot;
                mins += u.min[2 * j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
            }
            acc = std::fma(float(scaled), d, acc);
            acc_min = std::fma(float(mins), dmin, acc_min);
        }
    }
    return acc - acc_min;
}

}  // namespace

bool block_gemm_k(GgmlType type, size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* act,
                  size_t act_stride, size_t n_tokens, float* out, size_t out_stride) noexcept {
    float (*dot)(size_t, const std::byte*, const std::byte*) = nullptr;
    switch (type) {
        case GgmlType::q2_k: dot = block_gemm_dot<BlockQ2_K>; break;
        case GgmlType::q3_k: dot = block_gemm_dot<BlockQ3_K>; break;
        case GgmlType::q4_k: dot = block_gemm_dot<BlockQ4_K>; break;
        case GgmlType::q5_k: dot = block_gemm_dot<BlockQ5_K>; break;
        case GgmlType::q6_k: dot = block_gemm_dot<BlockQ6_K>; break;
        default: return false;
    }
    for (size_t r = 0; r < n_rows; ++r)
        for (size_t t = 0; t < n_tokens; ++t) out[t * out_stride + r] = dot(n, w + r * w_stride, act + t * act_stride);
    return true;
}

extern const TypeKernels q2_k{GgmlType::q8_k, dequantize<BlockQ2_K>, quantize_row_q8_K, dot_q8_K<BlockQ2_K>};
extern const TypeKernels q3_k{GgmlType::q8_k, dequantize<BlockQ3_K>, quantize_row_q8_K, dot_q8_K<BlockQ3_K>};
extern const TypeKernels q4_k{GgmlType::q8_k, dequantize<BlockQ4_K>, quantize_row_q8_K, dot_q8_K<BlockQ4_K>, {}, {},
                              {ggml_x86_dot_k4<BlockQ4_K>, ggml_x86_dot_q4_K_8x8<8>, ggml_x86_dot_q4_K_8x8<2>}};
extern const TypeKernels q5_k{GgmlType::q8_k, dequantize<BlockQ5_K>, quantize_row_q8_K, dot_q8_K<BlockQ5_K>};
extern const TypeKernels q6_k{GgmlType::q8_k, dequantize<BlockQ6_K>, quantize_row_q8_K, dot_q8_K<BlockQ6_K>, {}, {},
                              {ggml_x86_dot_q6_K}};

}  // namespace hearth::kernels::ref
