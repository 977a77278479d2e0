// Single tokens of Q8_0, Q4_K, Q5_K and Q6_K in the decode layout (decode_layout.hpp) on 256-bit
// registers, for the AVX2, AVX-VNNI and AMX levels (FewTokenGemm::one_tiled; Q4_0's is in
// one_token_q4_0_ymm-inl.hpp). Each tile block is read front to back. Every row's integer sums are
// exact, so any order gives the 256-bit vec_dot tiles' integers (legacy_quants-inl.hpp,
// k_quants-inl.hpp), and the float steps are theirs, per row or with lane r = row r of an 8-row
// half: the outputs are vec_dot's bits.
//
// Q4_K is where the 256-bit vec_dot tile is slowest (~16 GB/s in cache on Zen 5, below one core's
// DRAM bandwidth): per 32 weight bytes it spends two vpmaddwd with two broadcast scales, and per
// row and super-block a scalar scale decode and two horizontal sums. Here each 32 bytes of the
// layout's chunks (k4_tile_piece) hold two sub-block pairs, one per 128-bit lane, in the same
// lanes for both chunks, so a row's two chunks' int16 pair sums add up first
// (|sum| <= 2 * 2 * 31 * 128) and one vpmaddwd (vpdpwssd with VNNI) per 32 bytes of nibbles
// applies their scales; two rows' scales and mins are decoded in one vector, and the rows' sums
// are folded eight at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/decode_layout.hpp"
#include "kernels/kernels.hpp"
#include "kernels/x86/k_quants-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

// Q8_0: per block, the 16 rows' d_w * d_a in two vectors, each row's lane broadcast into its
// FMA, as vec_dot's (d_w * d_a) * float(dot) per block and row; 16 row accumulators of 8 lanes,
// summed as vec_dot sums them.
inline void one_token_q8_0_tiles_ymm(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) {
    const auto* a = reinterpret_cast<const BlockQ8_0*>(act);
    const __m256i zero = _mm256_setzero_si256();
    for_each_tile<Q8_0TileBlock>(n, tiles, n_rows, out, [&](const Q8_0TileBlock* blk, size_t nb, float* tile_out) {
        __m256 acc[kDecodeTileRows];
        for (__m256& c : acc) c = _mm256_setzero_ps();
        for (size_t b = 0; b < nb; ++b, ++blk) {
            prefetch_page_ahead(blk);
            prefetch_block_ahead(blk);
            const __m256i y = load256(a[b].qs);
            const __m256 da = half_to_float_x8(&a[b].d);
            for (size_t h = 0; h < 2; ++h) {
                const __m256 dwda = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->d + 8 * h))), da);
                #pragma GCC unroll 8
                for (size_t rr = 0; rr < 8; ++rr) {
                    const size_t r = 8 * h + rr;
                    const __m256 scale = _mm256_permutevar8x32_ps(dwda, _mm256_set1_epi32(int(rr)));
                    acc[r] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(dot_s8s8(zero, load256(blk->qs[r]), y)), acc[r]);
                }
            }
        }
        for (size_t r = 0; r < kDecodeTileRows; ++r) tile_out[r] = hsum(acc[r]) + 0.0f;
    });
}

inline __m256i broadcast128(const uint8_t* p) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Two Q4_K/Q5_K packed scale fields (k4_decode_scales' packing), row a's 12 bytes in the low
// 128-bit lane of `packed`, row b's in the high one, decoded per lane to the bytes
// [sc0..sc3 mn0..mn3 sc4..sc7 mn4..mn7]: dword 0 = u0 & 0x3f.., dword 1 = u1 & 0x3f..,
// dword 2 = (u2 & 0x0f..) | top bits of u0, dword 3 = (u2 >> 4 & 0x0f..) | top bits of u1.
inline __m256i k4_scales_mins_x2(__m256i packed) {
    const __m256i u0101 = _mm256_shuffle_epi32(packed, 0x44);
    const __m256i u2222 = _mm256_shuffle_epi32(packed, 0xAA);
    const __m256i low6 = _mm256_and_si256(u0101, _mm256_set1_epi8(0x3f));
    const __m256i top2 = _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(u0101, 6), _mm256_set1_epi8(0x03)), 4);
    const __m256i nibbles = _mm256_and_si256(_mm256_srlv_epi32(u2222, _mm256_setr_epi32(0, 0, 0, 4, 0, 0, 0, 4)),
                                             _mm256_set1_epi8(0x0f));
    return _mm256_blend_epi32(low6, _mm256_or_si256(nibbles, top2), 0xCC);
}

// Q5_K's fifth bits for half k of a chunk as 0x10 per byte, from that chunk's 16 qh bytes: for the
// low nibbles bit 4k in the low lane and 4k + 2 in the high one (sub-blocks 4k and 4k + 2), for
// the high nibbles bits 4k + 1 and 4k + 3; one shift per 64-bit lane moves each to bit 4 (left
// for k = 0, right for k = 1).
inline __m256i fifth_bits_ymm(const uint8_t* qh, size_t k, bool high) {
    const __m256i h = broadcast128(qh);
    const int64_t lo = 4 * int64_t(k) + high, hi = lo + 2;  // the bits wanted in each lane
    const __m256i moved = k == 0 ? _mm256_sllv_epi64(h, _mm256_setr_epi64x(4 - lo, 4 - lo, 4 - hi, 4 - hi))
                                 : _mm256_srlv_epi64(h, _mm256_setr_epi64x(lo - 4, lo - 4, hi - 4, hi - 4));
    return _mm256_and_si256(moved, _mm256_set1_epi8(0x10));
}

// Rows 0-7 of a tile folded from four two-row vectors (row 2q in the low lane of v[q], 2q + 1 in
// the high one, four int32 partial sums each): lane r = row r's total.
inline __m256i pair_row_sums(const __m256i (&v)[4]) {
    const __m256i acg = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    return _mm256_permutevar8x32_epi32(acg, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));  // [0 2 4 6 | 1 3 5 7]
}

// Q4_K (Q5_K): TileBlock is Q4_KTileBlock (Q5_KTileBlock, whose fifth bits join the nibbles as
// 0x10: u <= 31, so both chunks' int16 pair sums are at most 2 * 2 * 31 * 128 in magnitude).
template <typename TileBlock, bool kFifthBit>
inline void one_token_k4_tiles_ymm(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) {
    constexpr size_t kHalf = kDecodeTileRows / 2;
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    // Half k's scales from a decoded row in both lanes: for the low nibbles int16 lanes 0-7 =
    // sc[4k], 8-15 = sc[4k + 2], for the high ones sc[4k + 1] and sc[4k + 3] (scale j sits at byte
    // j, or j + 4 from j = 4 on); the 0xFF index bytes zero the high halves.
    __m256i pick[2][2];
    for (int k = 0; k < 2; ++k)
        for (int high = 0; high < 2; ++high) {
            auto at = [](int j) { return int16_t(0xFF00 | (j < 4 ? j : j + 4)); };
            pick[k][high] = _mm256_setr_m128i(_mm_set1_epi16(at(4 * k + high)), _mm_set1_epi16(at(4 * k + high + 2)));
        }
    // A decoded pair's mins (bytes 4-7, 12-15 of each lane) as int16.
    const __m256i mins16 = _mm256_setr_epi8(4, -1, 5, -1, 6, -1, 7, -1, 12, -1, 13, -1, 14, -1, 15, -1,  //
                                            4, -1, 5, -1, 6, -1, 7, -1, 12, -1, 13, -1, 14, -1, 15, -1);
    for_each_tile<TileBlock>(n, tiles, n_rows, out, [&](const TileBlock* blk, size_t nb, float* tile_out) {
        __m256 sum[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};  // rows 0-7, 8-15
        for (size_t i = 0; i < nb; ++i, ++blk) {
            prefetch_page_ahead(blk);
            // ya[c][k][high]: what half k of chunk c's low (high) nibbles multiply, elements
            // 16c .. 16c + 15 of sub-blocks 4k + high (low lane) and 4k + 2 + high (high lane).
            __m256i ya[2][2][2];
            for (size_t c = 0; c < 2; ++c)
                for (size_t k = 0; k < 2; ++k)
                    for (size_t high = 0; high < 2; ++high) {
                        const int8_t* at = y[i].qs + 32 * (4 * k + high) + 16 * c;
                        ya[c][k][high] = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(at + 64), reinterpret_cast<const __m128i*>(at));
                    }
            // Sub-block sums of the activations (bsums in pairs) as int16, S0..S7 in both lanes.
            const __m256i pairs = _mm256_hadd_epi16(load256(y[i].bsums), load256(y[i].bsums));
            const __m256i sub_sums = _mm256_permute4x64_epi64(pairs, _MM_SHUFFLE(2, 0, 2, 0));
            const __m256 da = _mm256_set1_ps(y[i].d);
            for (size_t h = 0; h < 2; ++h) {
                __m256i isums[kHalf], msums[4];  // rows of this half; row pairs 2q, 2q + 1
                for (size_t q = 0; q < 4; ++q) {
                    const size_t r = h * kHalf + 2 * q;
                    prefetch_row_share_ahead(blk, r);
                    prefetch_row_share_ahead(blk, r + 1);
                    const __m256i decoded = k4_scales_mins_x2(_mm256_loadu2_m128i(
                        reinterpret_cast<const __m128i*>(blk->scales[r + 1]), reinterpret_cast<const __m128i*>(blk->scales[r])));
                    msums[q] = _mm256_madd_epi16(sub_sums, _mm256_shuffle_epi8(decoded, mins16));
                    // Row r's decoded lane in both halves, then row r + 1's.
                    const __m256i row_scales[2] = {_mm256_permute4x64_epi64(decoded, 0x44), _mm256_permute4x64_epi64(decoded, 0xEE)};
                    for (size_t e = 0; e < 2; ++e) {
                        const __m256i scales = row_scales[e];
                        __m256i acc = _mm256_setzero_si256();
                        #pragma GCC unroll 2
                        for (size_t k = 0; k < 2; ++k) {
                            __m256i sums[2];  // low, high nibbles: both chunks' int16 pair sums
                            #pragma GCC unroll 2
                            for (size_t c = 0; c < 2; ++c) {
                                const __m256i q = load256(blk->qs[r + e] + 64 * c + 32 * k);
                                __m256i u[2] = {_mm256_and_si256(q, low4), _mm256_and_si256(_mm256_srli_epi16(q, 4), low4)};
                                for (size_t high = 0; high < 2; ++high) {
                                    if constexpr (kFifthBit) u[high] = _mm256_or_si256(u[high], fifth_bits_ymm(blk->qh[r + e] + 16 * c, k, high));
                                    const __m256i dot = _mm256_maddubs_epi16(u[high], ya[c][k][high]);
                                    sums[high] = c == 0 ? dot : _mm256_add_epi16(sums[high], dot);
                                }
                            }
                            for (size_t high = 0; high < 2; ++high)
                                acc = add_madd16(acc, sums[high], _mm256_shuffle_epi8(scales, pick[k][high]));
                        }
                        isums[2 * q + e] = acc;
                    }
                }
                // The scalar (d * d_a) * isum - (dmin * d_a) * msum of vec_dot, lane r = row 8h + r.
                const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->d + kHalf * h)));
                const __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->dmin + kHalf * h)));
                const __m256 scaled = _mm256_mul_ps(_mm256_mul_ps(d, da), _mm256_cvtepi32_ps(row_sums(isums)));
                const __m256 mins = _mm256_mul_ps(_mm256_mul_ps(dmin, da), _mm256_cvtepi32_ps(pair_row_sums(msums)));
                sum[h] = _mm256_add_ps(sum[h], _mm256_sub_ps(scaled, mins));
            }
        }
        _mm256_storeu_ps(tile_out, sum[0]);
        _mm256_storeu_ps(tile_out + kHalf, sum[1]);
    });
}

// Q6_K: each row runs the 256-bit vec_dot tile's integer steps (q6_quarters, q6_scale_pair,
// scaled_dot) on the tile block's ql and qh; eight rows' sums, and their bias sums over bsums,
// are folded at once for the float combine (d * d_a) * (isum - 32 * bias).
inline void one_token_q6_k_tiles_ymm(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) {
    constexpr size_t kHalf = kDecodeTileRows / 2;
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    for_each_tile<Q6_KTileBlock>(n, tiles, n_rows, out, [&](const Q6_KTileBlock* blk, size_t nb, float* tile_out) {
        __m256 sum[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};  // rows 0-7, 8-15
        for (size_t i = 0; i < nb; ++i, ++blk) {
            prefetch_page_ahead(blk);
            const __m256i bsums = load256(y[i].bsums);
            const __m256 da = _mm256_set1_ps(y[i].d);
            for (size_t half = 0; half < 2; ++half) {
                __m256i isums[kHalf], biases[kHalf];
                for (size_t rr = 0; rr < kHalf; ++rr) {
                    const size_t r = half * kHalf + rr;
                    prefetch_row_share_ahead(blk, r);
                    biases[rr] = _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->scales[r]))), bsums);
                    __m256i acc = _mm256_setzero_si256();
                    for (size_t h = 0; h < 2; ++h) {
                        __m256i q[4];
                        q6_quarters(blk->ql[r], blk->qh[r], h, q);
                        const __m256i scales = q6_half_scales(blk->scales[r], h);
                        for (size_t k = 0; k < 4; ++k)
                            acc = scaled_dot(acc, q[k], load256(y[i].qs + 128 * h + 32 * k), q6_scale_pair(scales, k));
                    }
                    isums[rr] = acc;
                }
                const __m256i total = _mm256_sub_epi32(row_sums(isums), _mm256_slli_epi32(row_sums(biases), 5));
                const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->d + kHalf * half)));
                sum[half] = _mm256_add_ps(sum[half], _mm256_mul_ps(_mm256_mul_ps(d, da), _mm256_cvtepi32_ps(total)));
            }
        }
        _mm256_storeu_ps(tile_out, sum[0]);
        _mm256_storeu_ps(tile_out + kHalf, sum[1]);
    });
}

// This file's kernel for type t, or nullptr: what a level whose vec_dot tiles are the 256-bit
// ones (AVX2, AVX-VNNI, AMX) reads the decode layout with, in those tiles' bits.
inline decltype(FewTokenGemm::one_tiled) one_token_tiles_ymm(GgmlType t) {
    switch (t) {
        case GgmlType::q8_0: return one_token_q8_0_tiles_ymm;
        case GgmlType::q4_k: return one_token_k4_tiles_ymm<Q4_KTileBlock, false>;
        case GgmlType::q5_k: return one_token_k4_tiles_ymm<Q5_KTileBlock, true>;
        case GgmlType::q6_k: return one_token_q6_k_tiles_ymm;
        default: return nullptr;
    }
}

}  // namespace
}  // namespace hearth::kernels::x86
