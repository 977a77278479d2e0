// Single tokens of Q4_0 in the block-integer order on 256-bit registers (FewTokenGemm::one) for
// the AVX2 and AVX-VNNI levels: the same bits as ref::block_gemm and the AVX-512 member
// (avx512/few_token_gemm_q4_0.cpp), so a lone token gets its batch bits, as in llama.cpp's
// repacked GEMV. A tile of 8 rows ends each block with row r's exact sum in lane r: ymm v holds
// rows v and 4 + v, one per 128-bit lane (the 16 nibble bytes as stored); two integer dots
// against the activation's elements 0-15 and 16-31 (broadcast to both lanes) leave 4 partial
// sums per row, and two transposing add steps fold the four vectors into one. The float epilogue
// (convert, d_w * d_a, FMA) then runs once per 8 block results, where vec_dot's order runs it
// once per row on 8 lanes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/decode_layout.hpp"
#include "kernels/ref/blocks.hpp"
#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kOneTokenRows = 8;

// tile: the first row of the tile, whose successor (the next 8 rows) is prefetched.
inline __m256 one_token_tile_q4_0(size_t nb, const std::byte* const (&row)[kOneTokenRows], const std::byte* tile,
                                  size_t w_stride, const BlockQ8_0* act) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8), zero = _mm256_setzero_si256();
    auto qs = [&](size_t r, size_t b) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[r] + b * sizeof(BlockQ4_0) + offsetof(BlockQ4_0, qs)));
    };
    auto scale_bits = [&](size_t r, size_t b) {
        uint16_t d;
        std::memcpy(&d, row[r] + b * sizeof(BlockQ4_0) + offsetof(BlockQ4_0, d), sizeof d);
        return uint64_t(d);
    };
    __m256 c = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
        prefetch_next_rows<kOneTokenRows, sizeof(BlockQ4_0)>(tile, w_stride, b);
        const __m256i y_lo = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(act[b].qs)));
        const __m256i y_hi = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(act[b].qs + 16)));
        // -8 * (the activation's quants) per dword position: the nibbles' zero point, exact in int32.
        const __m256i offset = _mm256_sub_epi32(zero, dot2_u4s8(zero, eight, y_lo, eight, y_hi));
        __m256i s[4];
        for (size_t v = 0; v < 4; ++v) {
            const __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(qs(v, b)), qs(4 + v, b), 1);
            const __m256i lo = _mm256_and_si256(q, low4);                         // elements 0-15
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);  // elements 16-31
            s[v] = dot2_u4s8(offset, lo, y_lo, hi, y_hi);
        }
        const __m256i sum = fold_row_sums(s);  // row r in lane r
        // The 8 rows' f16 scales, 4 per 64-bit word, built in general registers.
        uint64_t d4[2];
        for (size_t k = 0; k < 2; ++k) {
            d4[k] = scale_bits(4 * k, b) | scale_bits(4 * k + 1, b) << 16 | scale_bits(4 * k + 2, b) << 32 |
                    scale_bits(4 * k + 3, b) << 48;
            asm("" : "+r"(d4[k]));  // GCC's vectorized assembly of the words was slower
        }
        const __m256 dw = _mm256_cvtph_ps(words_to_xmm(d4[0], d4[1]));
        c = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(dw, _mm256_set1_ps(half_to_float(act[b].d))), c);
    }
    return c;
}

// out[r] for the n_rows rows: tiles of 8, the last one ragged (its last real row stands in for
// the missing ones: computed, never stored, every load in bounds).
void one_token_q4_0_ymm(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* act, float* out) {
    const auto* a = reinterpret_cast<const BlockQ8_0*>(act);
    for (size_t r0 = 0; r0 < n_rows; r0 += kOneTokenRows) {
        const size_t real = std::min(kOneTokenRows, n_rows - r0);
        const std::byte* row[kOneTokenRows];
        for (size_t r = 0; r < kOneTokenRows; ++r) row[r] = w + (r0 + std::min(r, real - 1)) * w_stride;
        const __m256 c = one_token_tile_q4_0(n / kQK, row, w + r0 * w_stride, w_stride, a);
        if (real == kOneTokenRows) {
            _mm256_storeu_ps(out + r0, c);
        } else {
            alignas(32) float lanes[kOneTokenRows];
            _mm256_store_ps(lanes, c);
            std::copy_n(lanes, real, out + r0);
        }
    }
}

// The same for a matrix in the decode layout (decode_layout.hpp): each tile block is read front
// to back, its low 32 bytes of qs[v] holding rows v and 4 + v, its high ones rows 8 + v and
// 12 + v, and the 16 scales are two 16-byte loads.
void one_token_q4_0_tiles_ymm(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) {
    const auto* a = reinterpret_cast<const BlockQ8_0*>(act);
    const __m256i low4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8), zero = _mm256_setzero_si256();
    for_each_tile<Q4_0TileBlock>(n, tiles, n_rows, out, [&](const Q4_0TileBlock* blk, size_t nb, float* tile_out) {
        __m256 c[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};  // rows 0-7, 8-15
        for (size_t b = 0; b < nb; ++b, ++blk) {
            prefetch_page_ahead(blk);
            prefetch_block_ahead(blk);
            const __m256i y_lo = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a[b].qs)));
            const __m256i y_hi = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a[b].qs + 16)));
            const __m256i offset = _mm256_sub_epi32(zero, dot2_u4s8(zero, eight, y_lo, eight, y_hi));
            const __m256 da = _mm256_set1_ps(half_to_float(a[b].d));
            for (size_t h = 0; h < 2; ++h) {
                __m256i s[4];
                for (size_t v = 0; v < 4; ++v) {
                    const __m256i q = load256(blk->qs[v] + 32 * h);
                    const __m256i lo = _mm256_and_si256(q, low4);
                    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
                    s[v] = dot2_u4s8(offset, lo, y_lo, hi, y_hi);
                }
                const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->d + 8 * h)));
                c[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(fold_row_sums(s)), _mm256_mul_ps(dw, da), c[h]);
            }
        }
        _mm256_storeu_ps(tile_out, c[0]);
        _mm256_storeu_ps(tile_out + 8, c[1]);
    });
}

}  // namespace
}  // namespace hearth::kernels::x86
