// AVX2/VNNI dot products of the 32-element block formats with their q8_0/q8_1 partners, as an
// R x T tile (R weight rows x T activation rows) whose 1x1 instance is vec_dot: every output
// runs the same float operations in the same order at any tile size, so tiles are bit-identical
// to vec_dot. Integer block sums are exact; blocks are combined in 8 float lanes (FMA), so the
// result differs from ref only by float summation order. Scalar twin: kernels/ref/legacy_quants.cpp.
#pragma once

#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

// Weight formats as the tile sees them: bytes for the integer dot, and how to correct them.
//  kBias > 0: bytes are q + kBias (unsigned); sum(q*a) = dot(u, a) - dot(kBias, a).
//  kBias = 0, !kUnsigned: bytes are signed q (Q8_0), multiplied with the sign trick.
//  kMin: the block also has a minimum m, adding m * s_a (q8_1's s = d_a * sum(q_a)).
struct Q4_0Format {
    using Block = BlockQ4_0;
    using Act = BlockQ8_0;
    static constexpr int kBias = 8;
    static constexpr bool kMin = false;
    static __m256i bytes(const Block& b) { return unpack_nibbles(b.qs); }
};
struct Q5_0Format {
    using Block = BlockQ5_0;
    using Act = BlockQ8_0;
    static constexpr int kBias = 16;
    static constexpr bool kMin = false;
    static __m256i bytes(const Block& b) { return _mm256_or_si256(unpack_nibbles(b.qs), bits_to_0x10(b.qh)); }
};
struct Q8_0Format {
    using Block = BlockQ8_0;
    using Act = BlockQ8_0;
    static constexpr int kBias = 0;
    static constexpr bool kMin = false;
    static __m256i bytes(const Block& b) { return load256(b.qs); }
};
struct Q4_1Format {
    using Block = BlockQ4_1;
    using Act = BlockQ8_1;
    static constexpr int kBias = 0;
    static constexpr bool kMin = true;
    static __m256i bytes(const Block& b) { return unpack_nibbles(b.qs); }
};
struct Q5_1Format {
    using Block = BlockQ5_1;
    using Act = BlockQ8_1;
    static constexpr int kBias = 0;
    static constexpr bool kMin = true;
    static __m256i bytes(const Block& b) { return _mm256_or_si256(unpack_nibbles(b.qs), bits_to_0x10(b.qh)); }
};

template <typename F, size_t R, size_t T>
void tile_legacy(size_t n, const std::byte* w, size_t w_stride, const std::byte* act, size_t act_stride, float* out,
                 size_t out_stride) noexcept {
    using Block = typename F::Block;
    using Act = typename F::Act;
    __m256 acc[R][T];
    float mins[R][T];
    for (size_t r = 0; r < R; ++r)
        for (size_t t = 0; t < T; ++t) {
            acc[r][t] = _mm256_setzero_ps();
            mins[r][t] = 0.0f;
        }
    const __m256i zero = _mm256_setzero_si256();
    for (size_t i = 0; i < n / kQK; ++i) {
        prefetch_next_rows<R, sizeof(Block)>(w, w_stride, i);
        __m256i q[R];
        __m256 dw[R];
        for (size_t r = 0; r < R; ++r) {
            const Block& b = reinterpret_cast<const Block*>(w + r * w_stride)[i];
            q[r] = F::bytes(b);
            dw[r] = half_to_float_x8(&b.d);
        }
        for (size_t t = 0; t < T; ++t) {
            const Act& a = reinterpret_cast<const Act*>(act + t * act_stride)[i];
            const __m256i y = load256(a.qs);
            const __m256 da = half_to_float_x8(&a.d);
            // The bias term -dot(kBias, y) starts each row's integer accumulator, so the
            // correction costs one dot per token instead of a subtraction per row (same lanes).
            __m256i neg_corr = zero;
            if constexpr (F::kBias != 0) neg_corr = _mm256_sub_epi32(zero, dot_u8s8(zero, _mm256_set1_epi8(F::kBias), y));
            for (size_t r = 0; r < R; ++r) {
                __m256i p;
                if constexpr (F::kBias != 0) p = dot_u8s8(neg_corr, q[r], y);
                else if constexpr (F::kMin) p = dot_u8s8(zero, q[r], y);
                else p = dot_s8s8(zero, q[r], y);
                acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dw[r], da), _mm256_cvtepi32_ps(p), acc[r][t]);
                if constexpr (F::kMin) {
                    const Block& b = reinterpret_cast<const Block*>(w + r * w_stride)[i];
                    mins[r][t] += half_to_float(b.m) * half_to_float(a.s);
                }
            }
        }
    }
    for (size_t r = 0; r < R; ++r)
        for (size_t t = 0; t < T; ++t) out[t * out_stride + r] = hsum(acc[r][t]) + mins[r][t];
}

template <typename F>
float dot_legacy(size_t n, const std::byte* w, const std::byte* act) noexcept {
    float out;
    tile_legacy<F, 1, 1>(n, w, 0, act, 0, &out, 0);
    return out;
}

}  // namespace
}  // namespace hearth::kernels::x86
