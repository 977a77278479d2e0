// AVX2 dot products of Q4_K, Q5_K and Q6_K with q8_K activations, as R x T tiles whose 1x1
// instance is vec_dot (bit-identical at any tile size). Per super-block the integer sum is exact
// (scales applied with vpmaddwd on int16 pair sums), then combined as the reference does:
// (d_w*d_a)*isum - (dmin_w*d_a)*msum, so these match ref up to float rounding of that sequence.
// Scalar twin: kernels/ref/k_quants.cpp.
#pragma once

#include <type_traits>

#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

// The 8 scales and 8 mins of a Q4_K/Q5_K super-block (k_scale_min's packing), decoded four at a
// time in 32-bit words: bytes 0-3 hold sub-blocks 0-3 in their low 6 bits, bytes 8-11 the low
// 4 bits of sub-blocks 4-7 (scale low nibble, min high nibble), whose top 2 bits are the top
// bits of bytes 0-3 (scales) and 4-7 (mins).
inline void k4_decode_scales(const uint8_t* packed, uint8_t* sc, uint64_t& mins) {
    uint32_t u[3];
    std::memcpy(u, packed, sizeof u);
    const uint32_t sc_lo = u[0] & 0x3f3f3f3fu;
    const uint32_t mn_lo = u[1] & 0x3f3f3f3fu;
    const uint32_t sc_hi = (u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4);
    const uint32_t mn_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4);
    std::memcpy(sc, &sc_lo, 4);
    std::memcpy(sc + 4, &sc_hi, 4);
    mins = uint64_t(mn_lo) | (uint64_t(mn_hi) << 32);
}

// 16 int16 lanes, lane g = mins[g / 2]: multiplied with bsums by vpmaddwd this gives the
// min term of each 32-element sub-block in one int32 lane.
inline __m256i k4_mins16(uint64_t mins) {
    const __m128i m = _mm_cvtepu8_epi16(_mm_cvtsi64_si128(int64_t(mins)));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi16(m, m)), _mm_unpackhi_epi16(m, m), 1);
}

// Horizontal sums of two int32 vectors at once.
inline void hsum2(__m256i a, __m256i b, int32_t& sa, int32_t& sb) {
    __m256i h = _mm256_hadd_epi32(a, b);  // a01 a23 b01 b23 | a45 a67 b45 b67
    h = _mm256_hadd_epi32(h, h);          // a0-3 b0-3 a0-3 b0-3 | a4-7 b4-7 ...
    const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    sa = _mm_cvtsi128_si32(s);
    sb = _mm_extract_epi32(s, 1);
}

// acc + scale * (pair sums of u*s): 8 int32 lanes. u <= 63 keeps vpmaddubsw exact.
inline __m256i scaled_dot(__m256i acc, __m256i u, __m256i s, __m256i scale16) {
    return add_madd16(acc, _mm256_maddubs_epi16(u, s), scale16);
}

// Two 16-group scales as vpmaddwd factors: lanes 0-7 (bytes 0-15) get a, lanes 8-15 get b.
inline __m256i scale_pair(int a, int b) {
    return _mm256_inserti128_si256(_mm256_set1_epi16(int16_t(a)), _mm_set1_epi16(int16_t(b)), 1);
}

// The 8 scales of half h (16-groups 8h..8h+7) of a Q6_K super-block as int16, in both 128-bit
// lanes, so that q6_scale_pair can pick any two with one in-lane shuffle.
inline __m256i q6_half_scales(const int8_t* scales, size_t h) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(scales + 8 * h))));
}

// scale_pair(s[2k], s[2k+1]) from a q6_half_scales vector: one vpshufb instead of two broadcasts
// and an insert (those were ~40 % of the Q6_K mat x vec's uops).
inline __m256i q6_scale_pair(__m256i half, size_t k) {
    const __m256i byte_pairs = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,  //
                                                2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
    return _mm256_shuffle_epi8(half, _mm256_add_epi8(byte_pairs, _mm256_set1_epi8(char(4 * k))));
}

// Q4_K and Q5_K: the 64 elements of slice j are sub-block 2j (low nibbles) then 2j+1 (high
// nibbles) of qs[32j..32j+32); Q5_K adds bit 2j / 2j+1 of qh[l] as 0x10.
template <typename Block, bool kFifthBit, size_t R, size_t T>
void tile_k4(size_t n, const std::byte* w, size_t w_stride, const std::byte* act, size_t act_stride, float* out,
             size_t out_stride) noexcept {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    float sum[R][T] = {};
    for (size_t i = 0; i < n / kQKK; ++i) {
        prefetch_next_rows<R, sizeof(Block)>(w, w_stride, i);
        const Block* x[R];
        uint8_t sc[R][8];
        __m256i mins16[R];
        for (size_t r = 0; r < R; ++r) {
            x[r] = reinterpret_cast<const Block*>(w + r * w_stride) + i;
            uint64_t mins;
            k4_decode_scales(x[r]->scales, sc[r], mins);
            mins16[r] = k4_mins16(mins);
        }
        const BlockQ8_K* y[T];
        for (size_t t = 0; t < T; ++t) y[t] = reinterpret_cast<const BlockQ8_K*>(act + t * act_stride) + i;
        __m256i isum[R][T];
        for (size_t r = 0; r < R; ++r)
            for (size_t t = 0; t < T; ++t) isum[r][t] = _mm256_setzero_si256();
        for (size_t j = 0; j < 4; ++j) {
            __m256i lo[R], hi[R], s_lo[R], s_hi[R];
            for (size_t r = 0; r < R; ++r) {
                const __m256i q = load256(x[r]->qs + 32 * j);
                lo[r] = _mm256_and_si256(q, low4);
                hi[r] = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
                if constexpr (kFifthBit) {
                    const __m256i b = _mm256_srli_epi16(load256(x[r]->qh), int(2 * j));
                    lo[r] = _mm256_or_si256(lo[r], _mm256_and_si256(_mm256_slli_epi16(b, 4), _mm256_set1_epi8(0x10)));
                    hi[r] = _mm256_or_si256(hi[r], _mm256_and_si256(_mm256_slli_epi16(b, 3), _mm256_set1_epi8(0x10)));
                }
                s_lo[r] = _mm256_set1_epi16(sc[r][2 * j]);
                s_hi[r] = _mm256_set1_epi16(sc[r][2 * j + 1]);
            }
            for (size_t t = 0; t < T; ++t) {
                const __m256i y_lo = load256(y[t]->qs + 64 * j);
                const __m256i y_hi = load256(y[t]->qs + 64 * j + 32);
                for (size_t r = 0; r < R; ++r) {
                    isum[r][t] = scaled_dot(isum[r][t], lo[r], y_lo, s_lo[r]);
                    isum[r][t] = scaled_dot(isum[r][t], hi[r], y_hi, s_hi[r]);
                }
            }
        }
        for (size_t r = 0; r < R; ++r) {
            const float d = half_to_float(x[r]->d), dmin = half_to_float(x[r]->dmin);
            for (size_t t = 0; t < T; ++t) {
                int32_t isum_total, msum;
                hsum2(isum[r][t], _mm256_madd_epi16(load256(y[t]->bsums), mins16[r]), isum_total, msum);
                sum[r][t] += (d * y[t]->d) * float(isum_total) - (dmin * y[t]->d) * float(msum);
            }
        }
    }
    for (size_t r = 0; r < R; ++r)
        for (size_t t = 0; t < T; ++t) out[t * out_stride + r] = sum[r][t];
}

// Q6_K: quants are stored +32, so sum((q-32)*a) = sum(q*a) - 32*sum(a), the second part per
// 16-group from bsums. Quarter k of half h: low nibble (k/2) of ql[64h + 32(k%2) + l], top two
// bits (qh[32h + l] >> 2k) & 3; its two 16-groups are 8h + 2k and 8h + 2k + 1.
// ql, qh: a row's BlockQ6_K::ql and ::qh (wherever the layout keeps them).
inline void q6_quarters(const uint8_t* ql, const uint8_t* qh_bytes, size_t h, __m256i* q) {
    const __m256i ql0 = load256(ql + 64 * h);
    const __m256i ql1 = load256(ql + 64 * h + 32);
    const __m256i qh = load256(qh_bytes + 32 * h);
    const __m256i low4 = _mm256_set1_epi8(0x0F), top2 = _mm256_set1_epi8(0x30);
    // Bits 2k..2k+1 of each qh byte move to bits 4..5.
    q[0] = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), top2));
    q[1] = _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), top2));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, top2));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                           _mm256_and_si256(_mm256_srli_epi16(qh, 2), top2));
}

template <size_t R, size_t T>
void tile_q6_K(size_t n, const std::byte* w, size_t w_stride, const std::byte* act, size_t act_stride, float* out,
               size_t out_stride) noexcept {
    float sum[R][T] = {};
    for (size_t i = 0; i < n / kQKK; ++i) {
        prefetch_next_rows<R, sizeof(BlockQ6_K)>(w, w_stride, i);
        const BlockQ6_K* x[R];
        for (size_t r = 0; r < R; ++r) x[r] = reinterpret_cast<const BlockQ6_K*>(w + r * w_stride) + i;
        const BlockQ8_K* y[T];
        for (size_t t = 0; t < T; ++t) y[t] = reinterpret_cast<const BlockQ8_K*>(act + t * act_stride) + i;
        __m256i isum[R][T];
        for (size_t r = 0; r < R; ++r)
            for (size_t t = 0; t < T; ++t) isum[r][t] = _mm256_setzero_si256();
        for (size_t h = 0; h < 2; ++h) {
            __m256i q[R][4], half_scales[R];
            for (size_t r = 0; r < R; ++r) {
                q6_quarters(x[r]->ql, x[r]->qh, h, q[r]);
                half_scales[r] = q6_half_scales(x[r]->scales, h);
            }
            for (size_t k = 0; k < 4; ++k) {
                __m256i scale[R];
                for (size_t r = 0; r < R; ++r) scale[r] = q6_scale_pair(half_scales[r], k);
                for (size_t t = 0; t < T; ++t) {
                    const __m256i ya = load256(y[t]->qs + 128 * h + 32 * k);
                    for (size_t r = 0; r < R; ++r) isum[r][t] = scaled_dot(isum[r][t], q[r][k], ya, scale[r]);
                }
            }
        }
        for (size_t r = 0; r < R; ++r) {
            const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[r]->scales)));
            const float d = half_to_float(x[r]->d);
            for (size_t t = 0; t < T; ++t) {
                int32_t isum_total, bias;
                hsum2(isum[r][t], _mm256_madd_epi16(sc16, load256(y[t]->bsums)), isum_total, bias);
                sum[r][t] += (d * y[t]->d) * float(isum_total - 32 * bias);
            }
        }
    }
    for (size_t r = 0; r < R; ++r)
        for (size_t t = 0; t < T; ++t) out[t * out_stride + r] = sum[r][t];
}

// Bits b of each byte moved to bit `to` (b, to < 8), all other bits cleared.
inline __m256i bit_to(__m256i v, int b, int to) {
    const __m256i moved = b >= to ? _mm256_srli_epi16(v, b - to) : _mm256_slli_epi16(v, to - b);
    return _mm256_and_si256(moved, _mm256_set1_epi8(char(1 << to)));
}

// Q2_K and Q3_K share one shape: 2-bit fields (qs[32n + l] >> 2j) & 3 hold element
// 128n + 32j + l, whose 16-groups are 8n + 2j and 8n + 2j + 1. Q2_K subtracts a per-group
// min (high nibble of scales[g]); Q3_K adds a third bit (bit 4n + j of hmask[l], clear = -4),
// folded in as u = q + 4 and a -4 * sum(scale * bsums) correction.
template <bool kQ3, size_t R, size_t T>
void tile_k23(size_t n, const std::byte* w, size_t w_stride, const std::byte* act, size_t act_stride, float* out,
              size_t out_stride) noexcept {
    using Block = std::conditional_t<kQ3, BlockQ3_K, BlockQ2_K>;
    float sum[R][T] = {};
    for (size_t i = 0; i < n / kQKK; ++i) {
        prefetch_next_rows<R, sizeof(Block)>(w, w_stride, i);
        const Block* x[R];
        int16_t sc[R][16];
        __m256i corr16[R];  // what multiplies bsums: Q2_K the mins, Q3_K the signed scales
        for (size_t r = 0; r < R; ++r) {
            x[r] = reinterpret_cast<const Block*>(w + r * w_stride) + i;
            if constexpr (kQ3) {
                for (size_t g = 0; g < 16; ++g) {
                    const int low = g < 8 ? (x[r]->scales[g] & 0xF) : (x[r]->scales[g - 8] >> 4);
                    const int high = (x[r]->scales[8 + g % 4] >> (2 * (g / 4))) & 3;
                    sc[r][g] = int16_t((low | (high << 4)) - 32);
                }
                corr16[r] = load256(sc[r]);
            } else {
                const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[r]->scales));
                corr16[r] = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)));
                for (size_t g = 0; g < 16; ++g) sc[r][g] = int16_t(x[r]->scales[g] & 0xF);
            }
        }
        const BlockQ8_K* y[T];
        for (size_t t = 0; t < T; ++t) y[t] = reinterpret_cast<const BlockQ8_K*>(act + t * act_stride) + i;
        __m256i isum[R][T];
        for (size_t r = 0; r < R; ++r)
            for (size_t t = 0; t < T; ++t) isum[r][t] = _mm256_setzero_si256();
        for (size_t h = 0; h < 2; ++h)
            for (size_t j = 0; j < 4; ++j) {
                const size_t g = 8 * h + 2 * j;
                __m256i u[R], scale[R];
                for (size_t r = 0; r < R; ++r) {
                    u[r] = _mm256_and_si256(_mm256_srli_epi16(load256(x[r]->qs + 32 * h), int(2 * j)), _mm256_set1_epi8(3));
                    if constexpr (kQ3) u[r] = _mm256_or_si256(u[r], bit_to(load256(x[r]->hmask), int(4 * h + j), 2));
                    scale[r] = scale_pair(sc[r][g], sc[r][g + 1]);
                }
                for (size_t t = 0; t < T; ++t) {
                    const __m256i ya = load256(y[t]->qs + 128 * h + 32 * j);
                    for (size_t r = 0; r < R; ++r) isum[r][t] = scaled_dot(isum[r][t], u[r], ya, scale[r]);
                }
            }
        for (size_t r = 0; r < R; ++r) {
            const float d = half_to_float(x[r]->d);
            for (size_t t = 0; t < T; ++t) {
                int32_t isum_total, csum;
                hsum2(isum[r][t], _mm256_madd_epi16(load256(y[t]->bsums), corr16[r]), isum_total, csum);
                if constexpr (kQ3) {
                    sum[r][t] += (d * y[t]->d) * float(isum_total - 4 * csum);
                } else {
                    const float dmin = half_to_float(x[r]->dmin);
                    sum[r][t] += (d * y[t]->d) * float(isum_total) - (dmin * y[t]->d) * float(csum);
                }
            }
        }
    }
    for (size_t r = 0; r < R; ++r)
        for (size_t t = 0; t < T; ++t) out[t * out_stride + r] = sum[r][t];
}

// The tiles by shape, for the override table.
template <size_t R, size_t T>
struct Q2_KTile {
    static constexpr auto tile = tile_k23<false, R, T>;
};
template <size_t R, size_t T>
struct Q3_KTile {
    static constexpr auto tile = tile_k23<true, R, T>;
};
template <size_t R, size_t T>
struct Q4_KTile {
    static constexpr auto tile = tile_k4<BlockQ4_K, false, R, T>;
};
template <size_t R, size_t T>
struct Q5_KTile {
    static constexpr auto tile = tile_k4<BlockQ5_K, true, R, T>;
};
template <size_t R, size_t T>
struct Q6_KTile {
    static constexpr auto tile = tile_q6_K<R, T>;
};

template <void (*Tile)(size_t, const std::byte*, size_t, const std::byte*, size_t, float*, size_t)>
float dot_from_tile(size_t n, const std::byte* w, const std::byte* act) noexcept {
    float out;
    Tile(n, w, 0, act, 0, &out, 0);
    return out;
}

}  // namespace
}  // namespace hearth::kernels::x86
