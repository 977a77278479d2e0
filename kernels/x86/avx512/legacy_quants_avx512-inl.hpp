// 512-bit R x T tiles of Q4_0 and Q8_0 with q8_0 activations, for the AVX-512 level: two weight
// rows per zmm (row 2p in lanes 0-7, row 2p+1 in lanes 8-15), so each block's vpdpbusd, convert,
// scale product and FMA serve two rows. Each row keeps the 256-bit body's 8 float lanes and
// runs the same operations on them in the same order (exact int32 lane sums, then
// fma(d_w * d_a, float(p), acc) block after block, then legacy_quants-inl.hpp's horizontal sum),
// so results are bit-identical to the AVX2 tiles and to vec_dot (tests/test_kernels_dot.cpp).
// Why: on Zen 5 the 256-bit Q4_0 mat x vec computed ~16 GB/s in cache, half the DRAM bandwidth
// of one core, so decoding was compute-bound.
#pragma once

#include "kernels/decode_layout.hpp"
#include "kernels/kernels.hpp"
#include "kernels/x86/legacy_quants-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

// The weight bytes of two rows' block, unsigned (value + kBias512), rows in the two halves.
// Q4_0: the nibbles (value + 8). Q8_0: value + 128 (vpdpbusd's unsigned operand; its int32 lane
// sums stay exact), where the 256-bit body moves signs instead: the integers are the same.
struct Q4_0Pair {
    using Block = BlockQ4_0;
    static constexpr int kBias = 8;
    static __m512i bytes(const Block& a, const Block& b) {
        // [a, a, b, b] in 128-bit lanes, then the odd lanes shifted to their high nibbles.
        const __m512i raw = _mm512_mask_broadcast_i32x4(_mm512_broadcast_i32x4(load128(a.qs)), 0xFF00, load128(b.qs));
        return _mm512_and_si512(_mm512_srlv_epi64(raw, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4)), _mm512_set1_epi8(0x0F));
    }
};
struct Q8_0Pair {
    using Block = BlockQ8_0;
    static constexpr int kBias = 128;
    static __m512i bytes(const Block& a, const Block& b) {
        const __m512i raw = _mm512_mask_broadcast_i64x4(_mm512_broadcast_i64x4(load256(a.qs)), 0xF0, load256(b.qs));
        return _mm512_xor_si512(raw, _mm512_set1_epi8(char(0x80)));
    }
};

// The f16 scales of up to 8 rows' block i as floats in lanes 0..R-1 (per pair of rows, a move,
// a convert and a shuffle had cost more).
template <typename Block, size_t R>
inline __m256 row_scales(const std::byte* w, size_t w_stride, size_t i) {
    uint16_t d[R];
    for (size_t r = 0; r < R; ++r) d[r] = reinterpret_cast<const Block*>(w + r * w_stride)[i].d;
    return halves_ps(d);
}

// Lanes 0-7 = lane 2p of v, lanes 8-15 = lane 2p + 1.
inline __m512 spread_pair(__m512 v, size_t p) {
    const __m512i index = _mm512_add_epi32(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                                           _mm512_set1_epi32(int(2 * p)));
    return _mm512_permutexvar_ps(index, v);
}
inline __m512 spread_pair(__m256 v, size_t p) { return spread_pair(_mm512_zextps256_ps512(v), p); }

template <typename F, size_t R, size_t T>
void tile_legacy512(size_t n, const std::byte* w, size_t w_stride, const std::byte* act, size_t act_stride, float* out,
                    size_t out_stride) noexcept {
    static_assert(R % 2 == 0);
    constexpr size_t P = R / 2;
    using Block = typename F::Block;
    __m512 acc[P][T];
    for (size_t p = 0; p < P; ++p)
        for (size_t t = 0; t < T; ++t) acc[p][t] = _mm512_setzero_ps();
    const __m512i bias = _mm512_set1_epi8(char(F::kBias));
    for (size_t i = 0; i < n / kQK; ++i) {
        prefetch_next_rows<R, sizeof(Block)>(w, w_stride, i);
        __m512i q[P];
        for (size_t p = 0; p < P; ++p)
            q[p] = F::bytes(reinterpret_cast<const Block*>(w + 2 * p * w_stride)[i],
                            reinterpret_cast<const Block*>(w + (2 * p + 1) * w_stride)[i]);
        const __m256 dw = row_scales<Block, R>(w, w_stride, i);
        for (size_t t = 0; t < T; ++t) {
            const BlockQ8_0& a = reinterpret_cast<const BlockQ8_0*>(act + t * act_stride)[i];
            const __m512i y = _mm512_broadcast_i64x4(load256(a.qs));
            const __m256 dwda = _mm256_mul_ps(dw, _mm256_set1_ps(half_to_float(a.d)));
            // -dot(kBias, y) starts every pair's integer sum (the same in both halves).
            const __m512i neg_corr = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, y));
            for (size_t p = 0; p < P; ++p) {
                const __m512i s = _mm512_dpbusd_epi32(neg_corr, q[p], y);
                acc[p][t] = _mm512_fmadd_ps(spread_pair(dwda, p), _mm512_cvtepi32_ps(s), acc[p][t]);
            }
        }
    }
    for (size_t p = 0; p < P; ++p)
        for (size_t t = 0; t < T; ++t) {
            // + 0.0f as the 256-bit body adds its (zero) min term: the same bits, signed zeros included.
            out[t * out_stride + 2 * p] = hsum(_mm512_castps512_ps256(acc[p][t])) + 0.0f;
            out[t * out_stride + 2 * p + 1] = hsum(_mm512_extractf32x8_ps(acc[p][t], 1)) + 0.0f;
        }
}

// One token through a Q8_0 matrix in the decode layout (decode_layout.hpp), 16 rows a tile: per
// block, one 32-byte load of the 16 rows' scales and 8 plain zmm loads of their quants, two rows
// each as tile_legacy512 pairs them, against the 16 separate rows that tile reads. Every row runs
// tile_legacy512's operations in its order, so the outputs are vec_dot's bits.
inline void one_token_q8_0_tiles512(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) {
    constexpr size_t P = kDecodeTileRows / 2;
    const auto* a = reinterpret_cast<const BlockQ8_0*>(act);
    const __m512i bias = _mm512_set1_epi8(char(Q8_0Pair::kBias)), zero = _mm512_setzero_si512();
    for_each_tile<Q8_0TileBlock>(n, tiles, n_rows, out, [&](const Q8_0TileBlock* blk, size_t nb, float* tile_out) {
        __m512 acc[P];
        for (__m512& c : acc) c = _mm512_setzero_ps();
        for (size_t b = 0; b < nb; ++b, ++blk) {
            prefetch_page_ahead(blk);
            prefetch_block_ahead(blk);
            const __m512i y = _mm512_broadcast_i64x4(load256(a[b].qs));
            const __m512 dwda = _mm512_mul_ps(_mm512_cvtph_ps(load256(blk->d)), _mm512_set1_ps(half_to_float(a[b].d)));
            const __m512i neg_corr = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, bias, y));
            for (size_t p = 0; p < P; ++p) {
                const __m512i q = _mm512_xor_si512(_mm512_loadu_si512(blk->qs[2 * p]), bias);
                acc[p] = _mm512_fmadd_ps(spread_pair(dwda, p), _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(neg_corr, q, y)), acc[p]);
            }
        }
        for (size_t p = 0; p < P; ++p) {
            tile_out[2 * p] = hsum(_mm512_castps512_ps256(acc[p])) + 0.0f;
            tile_out[2 * p + 1] = hsum(_mm512_extractf32x8_ps(acc[p], 1)) + 0.0f;
        }
    });
}

// The vec_dot tiles of a 512-bit legacy type: batch R x T, rows RR x 1, pair R x 2.
template <typename F, size_t R, size_t T, size_t RR>
constexpr DotTiles legacy_tiles512() {
    return {tile_legacy512<F, R, T>, R, T, tile_legacy512<F, RR, 1>, RR, tile_legacy512<F, R, 2>};
}

}  // namespace
}  // namespace hearth::kernels::x86
