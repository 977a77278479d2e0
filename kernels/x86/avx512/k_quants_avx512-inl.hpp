// 512-bit (AVX-512BW + VNNI) R x T tiles of Q4_K, Q5_K and Q6_K with q8_K activations, for the
// AVX-512 level only. The 256-bit bodies (k_quants-inl.hpp) were compute-bound on Zen 5 (a 12B
// Q4_K_M decode read ~27 GB/s of the 55 available): here one vpmaddubsw + one vpdpwssd cover 64
// elements where the AVX2 body spends six uops. Every super-block's integer sums are exact int32
// (no step saturates, see the bounds below), so any summation order gives the same integers, and
// the float combine is the 256-bit body's expression verbatim: results are bit-identical to the
// AVX2 tiles and to vec_dot at every tile shape (tests/test_kernels_dot.cpp checks it).
#pragma once

#include <cstddef>

#include "kernels/decode_layout.hpp"
#include "kernels/x86/k_quants-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

inline __m512i load512(const void* p) { return _mm512_loadu_si512(p); }

// acc + scale16 * (pair sums of u*s) in 16 int32 lanes. Bounds: u <= 63, |s| <= 128 keeps the
// vpmaddubsw pair sums within int16; vpdpwssd does not saturate, and a super-block's total stays
// below 2^31 (256 * 63 * 128 * 63).
inline __m512i scaled_dot512(__m512i acc, __m512i u, __m512i s, __m512i scale16) {
    return _mm512_dpwssd_epi32(acc, _mm512_maddubs_epi16(u, s), scale16);
}

// The 16 int32 lanes folded to 8 for the 256-bit horizontal sums (integer: order is free).
inline __m256i fold256(__m512i v) {
    return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}

// out[t * out_stride + r] = lane r of sum[t].
template <size_t R, size_t T>
inline void store_row_lanes(const __m256 (&sum)[T], float* out, size_t out_stride) {
    for (size_t t = 0; t < T; ++t) {
        alignas(32) float v[8];
        _mm256_store_ps(v, sum[t]);
        for (size_t r = 0; r < R; ++r) out[t * out_stride + r] = v[r];
    }
}

// Q4_K/Q5_K scales as int16, lanes 0-7 = sub-blocks 0-7 (k4_decode_scales' packing), built in
// registers: storing the two halves and reloading them as one 8-byte word stalls store forwarding.
inline __m128i k4_scales16(const uint8_t* packed, uint64_t& mins) {
    uint32_t u[3];
    std::memcpy(u, packed, sizeof u);
    const uint32_t sc_lo = u[0] & 0x3f3f3f3fu;
    const uint32_t mn_lo = u[1] & 0x3f3f3f3fu;
    const uint32_t sc_hi = (u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4);
    const uint32_t mn_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4);
    mins = uint64_t(mn_lo) | (uint64_t(mn_hi) << 32);
    return _mm_cvtepu8_epi16(_mm_cvtsi64_si128(int64_t(uint64_t(sc_lo) | (uint64_t(sc_hi) << 32))));
}

// Q5_K: the nibbles u of step p with their fifth bits added as 0x10 per byte, in the nibbles'
// order (below). Sub-block s's bit is bit s of qh[l] (s = 2p in the low half, 2p + 1 in the high
// one): one variable shift per half moves it to bit 4 (left while s < 4, right from s = 4 on), and
// one ternary op masks and merges it.
inline __m512i with_fifth_bits512(__m512i u, const uint8_t* qh, size_t p) {
    const __m512i h = _mm512_broadcast_i64x4(load256(qh));
    const int64_t s = int64_t(2 * p);
    const __m512i moved = p < 2 ? _mm512_sllv_epi64(h, _mm512_setr_epi64(4 - s, 4 - s, 4 - s, 4 - s, 3 - s, 3 - s, 3 - s, 3 - s))
                                : _mm512_srlv_epi64(h, _mm512_setr_epi64(s - 4, s - 4, s - 4, s - 4, s - 3, s - 3, s - 3, s - 3));
    return _mm512_ternarylogic_epi32(u, moved, _mm512_set1_epi8(0x10), 0xF8);  // u | (moved & 0x10)
}

// Q4_K/Q5_K: step p covers sub-blocks 2p (low nibbles of qs[32p..32p+32)) and 2p+1 (high
// nibbles), which are exactly the 64 contiguous activations y.qs[64p..64p+64). So the 32 weight
// bytes are broadcast to both 256-bit halves and the upper half shifted by 4: no shuffle needed.
// Q5_K's fifth bit of sub-block s is bit s of qh[l], moved to 0x10 the same way.
template <typename Block, bool kFifthBit, size_t R, size_t T>
void tile_k4_512(size_t n, const std::byte* w, size_t w_stride, const std::byte* act, size_t act_stride, float* out,
                 size_t out_stride) noexcept {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i nibble_shift = _mm512_setr_epi64(0, 0, 0, 0, 4, 4, 4, 4);
    __m256 sum[T];
    for (size_t t = 0; t < T; ++t) sum[t] = _mm256_setzero_ps();
    for (size_t i = 0; i < n / kQKK; ++i) {
        prefetch_next_rows<R, sizeof(Block)>(w, w_stride, i);
        const Block* x[R];
        // The 8 scales as int16, widened only where vpermw reads them: kept (or spilled) at the
        // 16 bytes they have, a 64-byte reload of a 16-byte store would miss store forwarding.
        __m128i sc16[R];
        __m256i mins16[R];
        #pragma GCC unroll 8  // rows in registers: a loop kept them in stack arrays
        for (size_t r = 0; r < R; ++r) {
            x[r] = reinterpret_cast<const Block*>(w + r * w_stride) + i;
            uint64_t mins;
            sc16[r] = k4_scales16(x[r]->scales, mins);
            mins16[r] = k4_mins16(mins);
        }
        const BlockQ8_K* y[T];
        for (size_t t = 0; t < T; ++t) y[t] = reinterpret_cast<const BlockQ8_K*>(act + t * act_stride) + i;
        __m512i isum[R][T];
        for (size_t r = 0; r < R; ++r)
            for (size_t t = 0; t < T; ++t) isum[r][t] = _mm512_setzero_si512();
        for (size_t p = 0; p < 4; ++p) {
            // int16 lanes 0-15 take scale 2p, lanes 16-31 scale 2p+1.
            const __m512i pick = _mm512_inserti64x4(_mm512_set1_epi16(int16_t(2 * p)), _mm256_set1_epi16(int16_t(2 * p + 1)), 1);
            __m512i u[R], scale[R];
            for (size_t r = 0; r < R; ++r) {
                const __m512i q = _mm512_broadcast_i64x4(load256(x[r]->qs + 32 * p));
                u[r] = _mm512_and_si512(_mm512_srlv_epi64(q, nibble_shift), low4);
                if constexpr (kFifthBit) u[r] = with_fifth_bits512(u[r], x[r]->qh, p);
                scale[r] = _mm512_permutexvar_epi16(pick, _mm512_castsi128_si512(sc16[r]));
            }
            for (size_t t = 0; t < T; ++t) {
                const __m512i ya = load512(y[t]->qs + 64 * p);
                for (size_t r = 0; r < R; ++r) isum[r][t] = scaled_dot512(isum[r][t], u[r], ya, scale[r]);
            }
        }
        // Lane r: the scalar sum += (d * d_a) * isum - (dmin * d_a) * msum, for all rows at once.
        uint16_t d16[R], dmin16[R];
        #pragma GCC unroll 8  // rows in registers: a loop kept them in stack arrays
        for (size_t r = 0; r < R; ++r) {
            d16[r] = x[r]->d;
            dmin16[r] = x[r]->dmin;
        }
        const __m256 d = halves_ps(d16), dmin = halves_ps(dmin16);
        for (size_t t = 0; t < T; ++t) {
            __m256i is[R], ms[R];
            for (size_t r = 0; r < R; ++r) {
                is[r] = fold256(isum[r][t]);
                ms[r] = _mm256_madd_epi16(load256(y[t]->bsums), mins16[r]);
            }
            const __m256 da = _mm256_set1_ps(y[t]->d);
            const __m256 scaled = _mm256_mul_ps(_mm256_mul_ps(d, da), _mm256_cvtepi32_ps(row_sums(is)));
            const __m256 mins = _mm256_mul_ps(_mm256_mul_ps(dmin, da), _mm256_cvtepi32_ps(row_sums(ms)));
            sum[t] = _mm256_add_ps(sum[t], _mm256_sub_ps(scaled, mins));
        }
    }
    store_row_lanes<R, T>(sum, out, out_stride);
}

// The packed 6-bit scales and mins of a tile's 16 rows (12 bytes each, decode layout) decoded
// with vector operations at once: out[v] holds rows 4v .. 4v + 3 in its 128-bit lanes (the
// order the kernels read the rows in), each lane [scale 0..7 | min 0..7] as bytes. Same
// unpacking as k4_scales16 for a row's three 32-bit words u0, u1, u2: scales 0-3 = u0 & 63,
// 4-7 = (u2 & 15) | (u0 >> 6) << 4, mins 0-3 = u1 & 63, 4-7 = (u2 >> 4) | (u1 >> 6) << 4.
// (Per row in general registers, this unpacking had cost the single-token kernel ~20 % of its
// speed in cache.)
// Each row is read with a 16-byte load: the last one reads 4 bytes past the scales, into qs.
static_assert(offsetof(Q4_KTileBlock, qs) == offsetof(Q4_KTileBlock, scales) + sizeof(Q4_KTileBlock::scales) &&
              sizeof(Q4_KTileBlock::qs) >= 4);
inline void k4_tile_scales(const Q4_KTileBlock& blk, __m512i (&out)[4]) {  // Q5_KTileBlock too
    // Per lane, as 32-bit words: [u0 u2 u1 u2] for the low bits, [0 u0 0 u1] for the top two.
    const __m512i low_words = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11));
    const __m512i top_words = _mm512_broadcast_i32x4(_mm_setr_epi8(-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7));
    const __m512i shift = _mm512_broadcast_i32x4(_mm_setr_epi32(0, 0, 0, 4));
    const __m512i low_mask = _mm512_broadcast_i32x4(_mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    const __m512i top_mask = _mm512_broadcast_i32x4(_mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
    for (size_t v = 0; v < 4; ++v) {
        __m512i raw = _mm512_castsi128_si512(load128(blk.scales[4 * v]));
        for (size_t k = 1; k < 4; ++k) raw = _mm512_mask_broadcast_i32x4(raw, __mmask16(0xF << (4 * k)), load128(blk.scales[4 * v + k]));
        const __m512i low = _mm512_and_si512(_mm512_srlv_epi32(_mm512_shuffle_epi8(raw, low_words), shift), low_mask);
        // (u >> 6) << 4 per byte is (u >> 2) & 0x30; 0xF8: low | (top & top_mask).
        out[v] = _mm512_ternarylogic_epi32(low, _mm512_srli_epi32(_mm512_shuffle_epi8(raw, top_words), 2), top_mask, 0xF8);
    }
}

// Four vectors of 16 int32 partial sums, row k's in v[k], folded to 4 per row: row k's in 128-bit
// lane k (the form fold_row_sums takes). Integer sums, so the order is free.
inline __m512i fold_lanes(const __m512i (&v)[4]) {
    auto pairs = [](__m512i a, __m512i b) {  // [a0+a1, a2+a3, b0+b1, b2+b3] in 128-bit lanes
        return _mm512_add_epi32(_mm512_shuffle_i32x4(a, b, 0x88), _mm512_shuffle_i32x4(a, b, 0xDD));
    };
    return pairs(pairs(v[0], v[1]), pairs(v[2], v[3]));
}

// The K-quant single-token kernels visit a tile's rows in order, row 4v + k as step k of group v,
// so a tile block's bytes are read front to back, each row as its share is fetched
// (prefetch_row_share_ahead). Visiting rows v, 4 + v, ... as fold_row_sums lays them out jumps
// four rows' quants a row (512 bytes of Q4_K's qs): from DRAM on a Zen 5 core Q4_K streamed 31
// GB/s that way against 36 in order, Q6_K 34 against 36 (layers_x1_tiles, medians of 8).
// Folded by fold_row_sums, row 4v + k would land in lane 4k + v; the transposition puts lane r
// back as row r. Integer lanes: the bits do not change.
inline __m512i fold_rows_in_order(const __m512i (&s)[4]) {
    const __m512i transpose = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_epi32(transpose, fold_row_sums(s));
}

// The activations of super-block y in the order of the decode layout's Q4_K chunks
// (k4_tile_piece): lo[c] has, in 128-bit lane p, elements 16c .. 16c + 15 of sub-block 2p (what
// chunk c's low nibbles multiply), hi[c] the same of sub-block 2p + 1: a transposition of the
// 16-byte pieces of the four 64-byte vectors of y.qs.
inline void k4_tile_activations(const BlockQ8_K& y, __m512i (&lo)[2], __m512i (&hi)[2]) {
    __m512i v[4];
    for (size_t p = 0; p < 4; ++p) v[p] = load512(y.qs + 64 * p);  // lane m: sub-block 2p + m / 2, elements 16 (m % 2) ..
    const __m512i low01 = _mm512_shuffle_i32x4(v[0], v[1], 0x44), high01 = _mm512_shuffle_i32x4(v[0], v[1], 0xEE);
    const __m512i low23 = _mm512_shuffle_i32x4(v[2], v[3], 0x44), high23 = _mm512_shuffle_i32x4(v[2], v[3], 0xEE);
    lo[0] = _mm512_shuffle_i32x4(low01, low23, 0x88);
    lo[1] = _mm512_shuffle_i32x4(low01, low23, 0xDD);
    hi[0] = _mm512_shuffle_i32x4(high01, high23, 0x88);
    hi[1] = _mm512_shuffle_i32x4(high01, high23, 0xDD);
}

// One token through a Q4_K (Q5_K) matrix in the decode layout (decode_layout.hpp), 16 rows a
// tile, read front to back: per super-block the rows' d, dmin and packed scales, each row's two
// 64-byte chunks, then (Q5_K) the rows' fifth bits. The 16 rows' scales and mins are unpacked
// together (k4_tile_scales) and their mins dotted with the activations' 16-group sums in four
// vectors.
// A row's low nibbles of both chunks go into one vpdpbusd accumulator and its high nibbles into
// another; lane p of either keeps to one sub-block (2p or 2p + 1), so each is scaled once, by a
// vpmaddwd against its scales. Each int32 lane sums 8 products, |.| <= 8 * 31 * 128 < 2^15, so
// it is its own low int16 and the vpmaddwd against [scale, 0] is exact. On Zen 5 the 512-bit
// multiplies, shuffles and variable shifts share two pipes; this spends 10 of those per row and
// super-block (14 for Q5_K, with its 4 vprolvd) where a scaled vpmaddubsw/vpdpwssd per 64 weights
// (tile_k4_512's steps) spent 17 (21).
// The integer sums are exact, and the float combine runs tile_k4_512's expression with lane
// r = row r: vec_dot's bits.
template <typename TileBlock, bool kFifthBit>
inline void one_token_k4_tiles512(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) {
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    // Row k of a group's scales (lane k of k4_tile_scales' vector, scale s at byte s): the word
    // holding scales 2p and 2p + 1 (word 8k + p) picked into the low half of each int32 lane of
    // 128-bit lane p, the high half zeroed; its low byte is then the even scale, the next the odd.
    // (vpermw, not vpermb: the AVX-512 level does not require VBMI.)
    const __mmask32 low_word_of_dword = 0x55555555u;
    __m512i pick[4];
    for (size_t k = 0; k < 4; ++k) {
        alignas(64) uint16_t words[32];
        for (size_t w = 0; w < 32; ++w) words[w] = uint16_t(8 * k + w / 8);
        pick[k] = _mm512_load_si512(words);
    }
    const __m512i low_byte = _mm512_set1_epi32(0xFF);
    // Q5_K: bit 2p (2p + 1) of qh[l], for lane p's low (high) nibbles, rotated to bit 4 of its byte.
    const __m512i fifth_even = _mm512_setr_epi32(4, 4, 4, 4, 2, 2, 2, 2, 0, 0, 0, 0, 30, 30, 30, 30);
    const __m512i fifth_odd = _mm512_setr_epi32(3, 3, 3, 3, 1, 1, 1, 1, 31, 31, 31, 31, 29, 29, 29, 29);
    for_each_tile<TileBlock>(n, tiles, n_rows, out, [&](const TileBlock* blk, size_t nb, float* tile_out) {
        __m512 sum = _mm512_setzero_ps();
        for (size_t i = 0; i < nb; ++i, ++blk) {
            prefetch_page_ahead(blk);
            __m512i ya_lo[2], ya_hi[2];
            k4_tile_activations(y[i], ya_lo, ya_hi);
            __m512i scales_mins[4];
            k4_tile_scales(*blk, scales_mins);
            // Sub-block s's activation sum is bsums[2s] + bsums[2s+1] (|.| <= 32 * 128: int16).
            const __m512i sub_sums = _mm512_broadcast_i32x4(_mm_hadd_epi16(load128(y[i].bsums), load128(y[i].bsums + 8)));
            __m512i min_dots[4];
            for (size_t v = 0; v < 4; ++v)
                min_dots[v] = _mm512_madd_epi16(_mm512_unpackhi_epi8(scales_mins[v], _mm512_setzero_si512()), sub_sums);
            const __m512i min_sums = fold_rows_in_order(min_dots);  // now: fewer live registers below
            __m512i int_sums[4];
            // Not unrolled: unrolled, GCC gathered the 16 rows' prefetches at the top and hoisted
            // their loads, and from DRAM it streamed 30 GB/s against 36 (same speed in cache).
            #pragma GCC unroll 1
            for (size_t v = 0; v < 4; ++v) {
                __m512i row_isum[4];
                #pragma GCC unroll 4  // rows in registers: a loop kept them in stack arrays
                for (size_t k = 0; k < 4; ++k) {
                    const size_t r = 4 * v + k;
                    prefetch_row_share_ahead(blk, r);
                    __m512i acc_lo = _mm512_setzero_si512(), acc_hi = _mm512_setzero_si512();
                    #pragma GCC unroll 2
                    for (size_t c = 0; c < 2; ++c) {
                        const __m512i q = load512(blk->qs[r] + 64 * c);
                        __m512i u_lo = _mm512_and_si512(q, low4), u_hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);
                        if constexpr (kFifthBit) {
                            const __m512i h = _mm512_broadcast_i32x4(load128(blk->qh[r] + 16 * c));
                            const __m512i bit = _mm512_set1_epi8(0x10);
                            // u | (moved & 0x10)
                            u_lo = _mm512_ternarylogic_epi32(u_lo, _mm512_rolv_epi32(h, fifth_even), bit, 0xF8);
                            u_hi = _mm512_ternarylogic_epi32(u_hi, _mm512_rolv_epi32(h, fifth_odd), bit, 0xF8);
                        }
                        acc_lo = _mm512_dpbusd_epi32(acc_lo, u_lo, ya_lo[c]);
                        acc_hi = _mm512_dpbusd_epi32(acc_hi, u_hi, ya_hi[c]);
                    }
                    const __m512i pair = _mm512_maskz_permutexvar_epi16(low_word_of_dword, pick[k], scales_mins[v]);
                    const __m512i scale_even = _mm512_and_si512(pair, low_byte), scale_odd = _mm512_srli_epi32(pair, 8);
                    row_isum[k] = _mm512_dpwssd_epi32(_mm512_madd_epi16(acc_lo, scale_even), acc_hi, scale_odd);
                }
                int_sums[v] = fold_lanes(row_isum);
            }
            const __m512 da = _mm512_set1_ps(y[i].d);
            const __m512 d = _mm512_cvtph_ps(load256(blk->d)), dmin = _mm512_cvtph_ps(load256(blk->dmin));
            const __m512i isums = fold_rows_in_order(int_sums);
            const __m512 scaled = _mm512_mul_ps(_mm512_mul_ps(d, da), _mm512_cvtepi32_ps(isums));
            const __m512 mins = _mm512_mul_ps(_mm512_mul_ps(dmin, da), _mm512_cvtepi32_ps(min_sums));
            sum = _mm512_add_ps(sum, _mm512_sub_ps(scaled, mins));
        }
        _mm512_storeu_ps(tile_out, sum);
    });
}

// Q6_K: half h's activations y.qs[128h..128h+128) are two 64-byte vectors, quarters (0,1) and
// (2,3) (q6_quarters' numbering). Quarters 2m and 2m+1 come from the 64 contiguous bytes
// ql[64h..64h+64) (low nibbles for m = 0, high for m = 1) and qh[32h..32h+32) broadcast to both
// halves, each half shifted so its two bits land on bits 4-5. Each 128-bit lane of a vector is
// one 16-group: groups 8h + 4m + lane.
template <size_t R, size_t T>
void tile_q6_K_512(size_t n, const std::byte* w, size_t w_stride, const std::byte* act, size_t act_stride, float* out,
                   size_t out_stride) noexcept {
    const __m512i low4 = _mm512_set1_epi8(0x0F), top2 = _mm512_set1_epi8(0x30);
    // Quarter k's top bits are bits 2k..2k+1 of qh: left by 4, left by 2, as is, right by 2.
    const __m512i qh_left01 = _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2);
    const __m512i qh_right23 = _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2);
    __m256 sum[T];
    for (size_t t = 0; t < T; ++t) sum[t] = _mm256_setzero_ps();
    for (size_t i = 0; i < n / kQKK; ++i) {
        prefetch_next_rows<R, sizeof(BlockQ6_K)>(w, w_stride, i);
        const BlockQ6_K* x[R];
        __m256i sc16[R];
        #pragma GCC unroll 8  // rows in registers: a loop kept them in stack arrays
        for (size_t r = 0; r < R; ++r) {
            x[r] = reinterpret_cast<const BlockQ6_K*>(w + r * w_stride) + i;
            sc16[r] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[r]->scales)));
        }
        const BlockQ8_K* y[T];
        for (size_t t = 0; t < T; ++t) y[t] = reinterpret_cast<const BlockQ8_K*>(act + t * act_stride) + i;
        __m512i isum[R][T];
        for (size_t r = 0; r < R; ++r)
            for (size_t t = 0; t < T; ++t) isum[r][t] = _mm512_setzero_si512();
        for (size_t h = 0; h < 2; ++h) {
            __m512i q[R][2];
            for (size_t r = 0; r < R; ++r) {
                const __m512i ql = load512(x[r]->ql + 64 * h);
                const __m512i qh = _mm512_broadcast_i64x4(load256(x[r]->qh + 32 * h));
                q[r][0] = _mm512_or_si512(_mm512_and_si512(ql, low4), _mm512_and_si512(_mm512_sllv_epi64(qh, qh_left01), top2));
                q[r][1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi64(ql, 4), low4),
                                          _mm512_and_si512(_mm512_srlv_epi64(qh, qh_right23), top2));
            }
            for (size_t m = 0; m < 2; ++m) {
                // int16 lanes 8c..8c+7 take group 8h + 4m + c.
                const __m512i lane_index = _mm512_setr_epi64(0, 0, 0x0001000100010001, 0x0001000100010001, 0x0002000200020002,
                                                             0x0002000200020002, 0x0003000300030003, 0x0003000300030003);
                const __m512i pick = _mm512_add_epi16(lane_index, _mm512_set1_epi16(int16_t(8 * h + 4 * m)));
                __m512i scale[R];
                for (size_t r = 0; r < R; ++r) scale[r] = _mm512_permutexvar_epi16(pick, _mm512_castsi256_si512(sc16[r]));
                for (size_t t = 0; t < T; ++t) {
                    const __m512i ya = load512(y[t]->qs + 128 * h + 64 * m);
                    for (size_t r = 0; r < R; ++r) isum[r][t] = scaled_dot512(isum[r][t], q[r][m], ya, scale[r]);
                }
            }
        }
        // Lane r: the scalar sum += (d * d_a) * float(isum - 32 * bias), for all rows at once.
        uint16_t d16[R];
        for (size_t r = 0; r < R; ++r) d16[r] = x[r]->d;
        const __m256 d = halves_ps(d16);
        for (size_t t = 0; t < T; ++t) {
            __m256i is[R], bs[R];
            for (size_t r = 0; r < R; ++r) {
                is[r] = fold256(isum[r][t]);
                bs[r] = _mm256_madd_epi16(sc16[r], load256(y[t]->bsums));
            }
            const __m256i total = _mm256_sub_epi32(row_sums(is), _mm256_slli_epi32(row_sums(bs), 5));
            const __m256 da = _mm256_set1_ps(y[t]->d);
            sum[t] = _mm256_add_ps(sum[t], _mm256_mul_ps(_mm256_mul_ps(d, da), _mm256_cvtepi32_ps(total)));
        }
    }
    store_row_lanes<R, T>(sum, out, out_stride);
}

// One token through a Q6_K matrix in the decode layout (decode_layout.hpp), 16 rows a tile, read
// front to back (prefetch_row_share_ahead): each row's integer sums are tile_q6_K_512's
// (exact; the bias term joins a row's lanes before they are folded, fold_lanes then
// fold_row_sums, which measured ~20 % faster in cache than per-row horizontal sums), and the float
// combine runs its expression with lane r = row r: vec_dot's bits.
inline void one_token_q6_k_tiles512(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) {
    const auto* y = reinterpret_cast<const BlockQ8_K*>(act);
    const __m512i low4 = _mm512_set1_epi8(0x0F), top2 = _mm512_set1_epi8(0x30);
    const __m512i qh_left01 = _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2);
    const __m512i qh_right23 = _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2);
    const __m512i lane_index = _mm512_setr_epi64(0, 0, 0x0001000100010001, 0x0001000100010001, 0x0002000200020002,
                                                 0x0002000200020002, 0x0003000300030003, 0x0003000300030003);
    __m512i pick[2][2];  // int16 lanes 8c..8c+7 take group 8h + 4m + c
    for (size_t h = 0; h < 2; ++h)
        for (size_t m = 0; m < 2; ++m) pick[h][m] = _mm512_add_epi16(lane_index, _mm512_set1_epi16(int16_t(8 * h + 4 * m)));
    for_each_tile<Q6_KTileBlock>(n, tiles, n_rows, out, [&](const Q6_KTileBlock* blk, size_t nb, float* tile_out) {
        __m512 sum = _mm512_setzero_ps();
        for (size_t i = 0; i < nb; ++i, ++blk) {
            prefetch_page_ahead(blk);
            __m512i ya[2][2];
            for (size_t h = 0; h < 2; ++h)
                for (size_t m = 0; m < 2; ++m) ya[h][m] = load512(y[i].qs + 128 * h + 64 * m);
            const __m256i bsums = load256(y[i].bsums);
            __m512i int_sums[4];  // rows 4v .. 4v + 3: 4 partial sums each, in 128-bit lanes 0-3
            for (size_t v = 0; v < 4; ++v) {
                __m512i row_isum[4];
                #pragma GCC unroll 4  // rows in registers: a loop kept them in stack arrays
                for (size_t k = 0; k < 4; ++k) {
                    const size_t r = 4 * v + k;
                    prefetch_row_share_ahead(blk, r);
                    const __m256i sc16 = _mm256_cvtepi8_epi16(load128(blk->scales[r]));
                    // The bias 32 * sum(scale * bsum) leaves the row's lanes before they are folded.
                    __m512i isum = _mm512_sub_epi32(_mm512_setzero_si512(),
                                                    _mm512_zextsi256_si512(_mm256_slli_epi32(_mm256_madd_epi16(sc16, bsums), 5)));
                    #pragma GCC unroll 2
                    for (size_t h = 0; h < 2; ++h) {
                        const __m512i ql = load512(blk->ql[r] + 64 * h);
                        const __m512i qh = _mm512_broadcast_i64x4(load256(blk->qh[r] + 32 * h));
                        const __m512i q[2] = {
                            _mm512_or_si512(_mm512_and_si512(ql, low4), _mm512_and_si512(_mm512_sllv_epi64(qh, qh_left01), top2)),
                            _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi64(ql, 4), low4),
                                            _mm512_and_si512(_mm512_srlv_epi64(qh, qh_right23), top2))};
                        for (size_t m = 0; m < 2; ++m)
                            isum = scaled_dot512(isum, q[m], ya[h][m],
                                                 _mm512_permutexvar_epi16(pick[h][m], _mm512_castsi256_si512(sc16)));
                    }
                    row_isum[k] = isum;
                }
                int_sums[v] = fold_lanes(row_isum);
            }
            const __m512 da = _mm512_set1_ps(y[i].d);
            const __m512 d = _mm512_cvtph_ps(load256(blk->d));
            const __m512i isums = fold_rows_in_order(int_sums);
            sum = _mm512_add_ps(sum, _mm512_mul_ps(_mm512_mul_ps(d, da), _mm512_cvtepi32_ps(isums)));
        }
        _mm512_storeu_ps(tile_out, sum);
    });
}

template <size_t R, size_t T>
struct Q4_KTile512 {
    static constexpr auto tile = tile_k4_512<BlockQ4_K, false, R, T>;
};
template <size_t R, size_t T>
struct Q5_KTile512 {
    static constexpr auto tile = tile_k4_512<BlockQ5_K, true, R, T>;
};
template <size_t R, size_t T>
struct Q6_KTile512 {
    static constexpr auto tile = tile_q6_K_512<R, T>;
};

}  // namespace
}  // namespace hearth::kernels::x86
