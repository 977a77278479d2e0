// Intrinsic helpers shared by the x86 kernel bodies. Included only by translation units built
// with -mavx2 (or -mavx512*), never by generic code; everything has internal linkage so each
// level's copy is compiled with its own flags and the linker cannot mix them up.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"

namespace hearth::kernels::x86 {
namespace {

// F16C scalar conversion: bit-identical to fp16_to_fp32 (tested) but branch-free.
inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline int32_t hsum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

// The 256-bit VNNI instructions where the level has them: EVEX-encoded with AVX512-VNNI + VL,
// VEX-encoded with AVX-VNNI; the AVX2 level has neither.
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define HEARTH_VNNI256(name) _mm256_##name##_epi32
#elif defined(__AVXVNNI__)
#define HEARTH_VNNI256(name) _mm256_##name##_avx_epi32
#endif

// acc + (sums of adjacent int16 products a*b) as 8 int32: one vpdpwssd with VNNI, else
// vpmaddwd + vpaddd. Exact either way (neither saturates).
inline __m256i add_madd16(__m256i acc, __m256i a, __m256i b) {
#ifdef HEARTH_VNNI256
    return HEARTH_VNNI256(dpwssd)(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

// acc + (sums of 4 adjacent products u8*s8) as 8 int32. Exact on both paths for the value
// ranges used here: maddubs' int16 pair sums cannot saturate while u <= 128 and |s| <= 127.
inline __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#ifdef HEARTH_VNNI256
    return HEARTH_VNNI256(dpbusd)(acc, u, s);
#else
    return add_madd16(acc, _mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

// acc + dot(u1, s1) + dot(u2, s2) in dot_u8s8's lanes, for 4-bit u (<= 15). Without VNNI the two
// vpmaddubsw results add as int16 first (each pair sum is at most 2 * 15 * 128 in magnitude, so
// their sum stays exact), leaving one vpmaddwd and one vpaddd for both: the same int32 lanes.
inline __m256i dot2_u4s8(__m256i acc, __m256i u1, __m256i s1, __m256i u2, __m256i s2) {
#ifdef HEARTH_VNNI256
    return dot_u8s8(dot_u8s8(acc, u1, s1), u2, s2);
#else
    return add_madd16(acc, _mm256_add_epi16(_mm256_maddubs_epi16(u1, s1), _mm256_maddubs_epi16(u2, s2)),
                      _mm256_set1_epi16(1));
#endif
}

// Signed x signed: moves x's sign onto s so the unsigned-by-signed instruction applies.
// Requires s != -128 (activations are in [-127, 127]).
inline __m256i dot_s8s8(__m256i acc, __m256i x, __m256i s) {
    return dot_u8s8(acc, _mm256_sign_epi8(x, x), _mm256_sign_epi8(s, x));
}

// 32 4-bit values from 16 bytes: low nibbles in bytes 0-15, high nibbles in bytes 16-31.
// A broadcast load and a per-half variable shift keep this off the shuffle port (port 5),
// which the scale broadcasts of the same loop already saturate (vinserti128 needed it).
inline __m256i unpack_nibbles(const uint8_t* p) {
    const __m256i raw = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    const __m256i both = _mm256_srlv_epi64(raw, _mm256_setr_epi64x(0, 0, 4, 4));
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// The f16 at p as 8 equal float lanes (p must have 8 readable bytes: true for the scale at the
// start of every 32-element block): a 64-bit load instead of a 16-bit insert saves a port-5 uop.
inline __m256 half_to_float_x8(const uint16_t* p) {
    return _mm256_broadcastss_ps(_mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// Byte i = 0x10 if bit i of the little-endian 32-bit word at p is set, else 0 (Q5 fifth bits).
inline __m256i bits_to_0x10(const uint8_t* p) {
    uint32_t bits;
    std::memcpy(&bits, p, sizeof bits);
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(int(bits)),
        _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
    const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ULL));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

// The hardware prefetcher loses track of R short interleaved row streams (a 2048-wide Q4_0 row
// is only 18 cache lines), so a tile's step i also fetches step i's slice of the next R-row group,
// which the caller's row loop reads next (measured: Q4_0 mat x vec 4.7 -> 9.4 GB/s per core).
// Prefetches never fault, so running past the matrix end is harmless.
template <size_t R, size_t kStepBytes>
inline void prefetch_next_rows(const std::byte* w, size_t w_stride, size_t i) {
    if constexpr (R > 1) {
        const char* p = reinterpret_cast<const char*>(w + R * w_stride) + i * (R * kStepBytes);
        for (size_t o = 0; o < R * kStepBytes; o += 64) _mm_prefetch(p + o, _MM_HINT_T0);
    }
}

// The f16 values h[0..R), R <= 8, as floats in lanes 0..R-1: assembled in general registers,
// so one conversion serves all the rows of a tile.
template <size_t R>
inline __m256 halves_ps(const uint16_t (&h)[R]) {
    static_assert(R <= 8);
    uint64_t word[2] = {0, 0};
    for (size_t r = 0; r < R; ++r) word[r / 4] |= uint64_t(h[r]) << (16 * (r % 4));
    return _mm256_cvtph_ps(_mm_set_epi64x(int64_t(word[1]), int64_t(word[0])));
}

// Two 64-bit words from general registers as one xmm, by vmovq + vpinsrq: GCC's _mm_set_epi64x
// may store the words and reload them as one 16-byte value, which stalls store forwarding.
inline __m128i words_to_xmm(uint64_t lo, uint64_t hi) {
    __m128i v = _mm_cvtsi64_si128(int64_t(lo));
    asm("" : "+x"(v));
    return _mm_insert_epi64(v, int64_t(hi), 1);
}

inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// The integer ops fold_row_sums needs, for 256- and (where compiled for) 512-bit vectors.
inline __m256i add32(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
inline __m256i unpacklo32(__m256i a, __m256i b) { return _mm256_unpacklo_epi32(a, b); }
inline __m256i unpackhi32(__m256i a, __m256i b) { return _mm256_unpackhi_epi32(a, b); }
inline __m256i unpacklo64(__m256i a, __m256i b) { return _mm256_unpacklo_epi64(a, b); }
inline __m256i unpackhi64(__m256i a, __m256i b) { return _mm256_unpackhi_epi64(a, b); }
#if defined(__AVX512F__)
inline __m512i add32(__m512i a, __m512i b) { return _mm512_add_epi32(a, b); }
inline __m512i unpacklo32(__m512i a, __m512i b) { return _mm512_unpacklo_epi32(a, b); }
inline __m512i unpackhi32(__m512i a, __m512i b) { return _mm512_unpackhi_epi32(a, b); }
inline __m512i unpacklo64(__m512i a, __m512i b) { return _mm512_unpacklo_epi64(a, b); }
inline __m512i unpackhi64(__m512i a, __m512i b) { return _mm512_unpackhi_epi64(a, b); }
#endif

// Four vectors of 4 int32 partial sums per row, row 4k + v in 128-bit lane k of s[v], folded
// into one with row 4k + v's total in lane 4k + v: per 128-bit lane [a0 b0 a1 b1] + [a2 b2 a3 b3],
// then the same on 64-bit pairs (the single-token Q4_0 kernels' reduction).
template <typename V>
inline V fold_row_sums(const V (&s)[4]) {
    const V s01 = add32(unpacklo32(s[0], s[1]), unpackhi32(s[0], s[1]));
    const V s23 = add32(unpacklo32(s[2], s[3]), unpackhi32(s[2], s[3]));
    return add32(unpacklo64(s01, s23), unpackhi64(s01, s23));
}

// Lane r < R of the result = the sum of v[r]'s 8 int32 lanes (lanes >= R: 0). Integer sums, so
// the order is free; a tile's rows then share one float epilogue, lane r per row.
template <size_t R>
inline __m256i row_sums(const __m256i (&v)[R]) {
    static_assert(R <= 8);
    auto at = [&](size_t r) { return r < R ? v[r] : _mm256_setzero_si256(); };
    const __m256i a = _mm256_hadd_epi32(at(0), at(1)), b = _mm256_hadd_epi32(at(2), at(3));
    const __m256i lo = _mm256_hadd_epi32(a, b);  // rows 0-3: sums of lanes 0-3 | of lanes 4-7
    __m256i hi = _mm256_setzero_si256();
    if constexpr (R > 4) hi = _mm256_hadd_epi32(_mm256_hadd_epi32(at(4), at(5)), _mm256_hadd_epi32(at(6), at(7)));
    return _mm256_add_epi32(_mm256_permute2x128_si256(lo, hi, 0x20), _mm256_permute2x128_si256(lo, hi, 0x31));
}

// 32 4-bit values of chunk c (0..7) of a Q4_K/Q5_K super-block's qs: low nibbles for even c.
inline __m256i k4_nibbles(const uint8_t* qs, size_t c) {
    const __m256i x = load256(qs + 32 * (c / 2));
    return _mm256_and_si256(c % 2 ? _mm256_srli_epi16(x, 4) : x, _mm256_set1_epi8(0x0F));
}

// Q5_K's 32 values (0..31) of chunk c: the nibbles plus bit c of qh[l] as 16 for element l (qh:
// the super-block's 32 qh bytes, loaded once for its 8 chunks).
inline __m256i k5_values(const uint8_t* qs, __m256i qh, size_t c) {
    const __m256i bit = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(int(c))), _mm256_set1_epi8(1));
    return _mm256_or_si256(k4_nibbles(qs, c), _mm256_slli_epi16(bit, 4));
}

}  // namespace
}  // namespace hearth::kernels::x86
