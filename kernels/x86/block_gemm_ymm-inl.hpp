// Block-integer GEMMs (kernels.hpp, BlockGemm) on 256-bit registers: the bodies the AVX2 and
// AVX-VNNI levels share (compiled once per level, by avx2/overrides.cpp and avxvnni/overrides.cpp),
// for Q4_0, Q8_0, Q4_K, Q5_K and Q6_K. One ymm lane per token (8 of a group's 16 tokens per
// register), each weight row's 4 bytes broadcast, as in the AVX-512 GEMMs; a tile is R rows x 8
// tokens.
//
// The weights are stored unsigned and the activations signed, the orientation both vpmaddubsw
// (AVX2) and vpdpbusd (AVX-VNNI) take without a bias: Q4_0's nibbles (0..15), Q4_K/Q5_K's values,
// Q6_K's 6-bit values before their -32, and for AVX-VNNI Q8_0's bytes + 128. The offsets come
// back exactly from the activation sums the packed groups carry: sum((u - o) * a) = sum(u * a) -
// o * sum(a). AVX2's Q8_0 has signed weights on both sides, so it moves each weight's sign onto
// the activation (psignb) and multiplies |w|.
//
// vpmaddubsw saturates its int16 pair sums, so AVX2 adds at most kSlots16 of them in int16 before
// widening: with |a| <= 128 (q8_K's -128 included) and u <= 15 / 31 / 63 / 128 a pair is at most
// 3840 / 7936 / 16128 / 32768 - 256, so 8 / 4 / 2 / 1 stay below 32767. Every integer sum is then
// exact, so both levels give the spec's bits (ref::block_gemm).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/block_gemm_panel.hpp"
#include "kernels/kernels.hpp"
#include "kernels/ref/blocks.hpp"
#include "kernels/x86/common-inl.hpp"
#include "kernels/x86/one_token_q4_0_ymm-inl.hpp"
#include "kernels/x86/one_token_tiles_ymm-inl.hpp"
#include "kernels/x86/overrides-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

#if defined(__AVXVNNI__)
constexpr bool kVnni = true;
#else
constexpr bool kVnni = false;
#endif

constexpr size_t kLanes = 8;  // tokens per ymm
constexpr size_t kYmmTileRows = 4;
constexpr size_t kYmmPanelRows = 32;
static_assert(kGemmTokens % kLanes == 0 && kYmmPanelRows % kYmmTileRows == 0);

inline __m256i bcast4(const uint8_t* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

// Sum of 32 signed bytes.
inline int32_t byte_sum(const int8_t* p) {
    const __m256i biased = _mm256_xor_si256(load256(p), _mm256_set1_epi8(char(0x80)));
    return hsum(_mm256_sad_epu8(biased, _mm256_setzero_si256())) - 32 * 128;
}

// An empty asm that claims to change v: GCC otherwise re-associates the unrolled int16/int32
// accumulations into trees of independent products, which need more than 16 registers and
// spilled (measured: ~25 stack stores per block in the Q4_0 tile).
inline void pin(__m256i& v) { asm("" : "+x"(v)); }

// The 4 bytes at src + 4k go to dst[k][l] for k < 8 (one token's 32 activations in lanes).
inline void scatter_token(const int8_t* src, int8_t (*dst)[kGemmTokens][4], size_t l) {
    for (size_t k = 0; k < 8; ++k) std::memcpy(dst[k][l], src + 4 * k, 4);
}

// ---- activation groups ---------------------------------------------------------------------

// One 32-element block of a group of kGemmTokens q8_0 rows.
struct YActBlock {
    int8_t q[kQK / 4][kGemmTokens][4];  // byte 4k+j of token l at q[k][l][j]
    float d[kGemmTokens];
    int32_t sum[kGemmTokens];  // sum of the token's 32 values
};

// One 256-element super-block of a group of kGemmTokens q8_K rows.
struct YActK {
    int8_t q[kQKK / 4][kGemmTokens][4];
    float d[kGemmTokens];
    int32_t sub_pairs[4][kGemmTokens];   // int16 pairs (sum of 32-sub-block 2p, of 2p+1): Q4_K/Q5_K mins
    int32_t bsum_pairs[8][kGemmTokens];  // int16 pairs (bsums[2p], bsums[2p+1]): Q6_K's -32
};
static_assert(sizeof(YActBlock) % 32 == 0 && sizeof(YActK) % 32 == 0);

size_t ymm_group_bytes_q8_0(size_t n) { return n / kQK * sizeof(YActBlock); }
size_t ymm_group_bytes_q8_K(size_t n) { return n / kQKK * sizeof(YActK); }

void ymm_pack_act_q8_0(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) {
    auto* group = reinterpret_cast<YActBlock*>(dst);
    std::memset(dst, 0, ymm_group_bytes_q8_0(n));  // padding tokens: zeros, scale 0
    for (size_t l = 0; l < n_tokens; ++l) {
        const auto* a = reinterpret_cast<const BlockQ8_0*>(act + l * act_stride);
        for (size_t b = 0; b < n / kQK; ++b) {
            scatter_token(a[b].qs, group[b].q, l);
            group[b].d[l] = half_to_float(a[b].d);
            group[b].sum[l] = byte_sum(a[b].qs);
        }
    }
}

void ymm_pack_act_q8_K(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) {
    auto* group = reinterpret_cast<YActK*>(dst);
    std::memset(dst, 0, ymm_group_bytes_q8_K(n));
    for (size_t l = 0; l < n_tokens; ++l) {
        const auto* a = reinterpret_cast<const BlockQ8_K*>(act + l * act_stride);
        for (size_t b = 0; b < n / kQKK; ++b) {
            YActK& g = group[b];
            for (size_t c = 0; c < kQKK / kQK; ++c) scatter_token(a[b].qs + kQK * c, g.q + 8 * c, l);
            g.d[l] = a[b].d;
            const int16_t* s = a[b].bsums;
            for (size_t p = 0; p < 4; ++p) g.sub_pairs[p][l] = int16_pair(s[4 * p] + s[4 * p + 1], s[4 * p + 2] + s[4 * p + 3]);
            for (size_t p = 0; p < 8; ++p) g.bsum_pairs[p][l] = int16_pair(s[2 * p], s[2 * p + 1]);
        }
    }
}

// Tile results c[i] (row i, 8 token lanes from token t0) into out, skipping padding.
template <size_t R>
inline void store_ymm_tile(const __m256 (&c)[R], size_t n_rows, size_t t0, size_t n_tokens, float* out,
                           size_t out_stride) {
    alignas(32) float v[R][kLanes];
    for (size_t i = 0; i < R; ++i) _mm256_store_ps(v[i], c[i]);
    const size_t rows = std::min(R, n_rows), tokens = std::min(kLanes, n_tokens - t0);
    for (size_t l = 0; l < tokens; ++l)
        for (size_t i = 0; i < rows; ++i) out[(t0 + l) * out_stride + i] = v[i][l];
}

// The tiles of a panel against the halves of a group: tile(nb, tile blocks, group, half, c).
template <typename PanelBlockT, typename GroupBlockT, size_t R, size_t kElems, typename Tile>
void multiply_panel(size_t n, const std::byte* panel_bytes, size_t n_rows, const std::byte* group_bytes,
                    size_t n_tokens, float* out, size_t out_stride, Tile&& tile) {
    const auto* panel = reinterpret_cast<const PanelBlockT*>(panel_bytes);
    const auto* group = reinterpret_cast<const GroupBlockT*>(group_bytes);
    const size_t nb = n / kElems;
    for (size_t t0 = 0; t0 < n_tokens; t0 += kLanes)
        for (size_t r0 = 0; r0 < n_rows; r0 += R) {
            __m256 c[R];
            tile(nb, panel + r0 / R * nb, group, t0, c);
            store_ymm_tile(c, n_rows - r0, t0, n_tokens, out + r0, out_stride);
        }
}

// ---- Q4_0 and Q8_0 ---------------------------------------------------------------------------

// R rows of one 32-element block: unsigned values, and for kSigned (AVX2's Q8_0) the signed
// bytes whose signs move onto the activations.
template <size_t R, bool kSigned>
struct YPanelBlock {
    uint8_t w[R][kQK];
    int8_t sign[kSigned ? R : 1][kQK];
    float d[R];
};

// Q4_0: nibble = value + 8.
struct Q4_0Ymm {
    static constexpr bool kSigned = false;
    static constexpr int kOffsetShift = 3;  // offset 8
    static __m256i unsigned_values(const std::byte* row, size_t b, float& d) {
        const auto& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
        d = half_to_float(blk.d);
        return unpack_nibbles(blk.qs);
    }
};

// Q8_0: AVX-VNNI stores value + 128 (offset 128); AVX2 stores |value| and the value.
struct Q8_0Ymm {
    static constexpr bool kSigned = !kVnni;
    static constexpr int kOffsetShift = 7;
    static __m256i signed_values(const std::byte* row, size_t b, float& d) {
        const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
        d = half_to_float(blk.d);
        return load256(blk.qs);
    }
    static __m256i unsigned_values(const std::byte* row, size_t b, float& d) {
        return _mm256_xor_si256(signed_values(row, b, d), _mm256_set1_epi8(char(0x80)));
    }
};

template <typename Rows>
using LegacyPanel = YPanelBlock<kYmmTileRows, Rows::kSigned>;

template <typename Rows>
size_t ymm_panel_bytes_legacy(size_t n) { return kYmmPanelRows / kYmmTileRows * (n / kQK) * sizeof(LegacyPanel<Rows>); }

template <typename Rows>
void ymm_pack_panel_legacy(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    using P = LegacyPanel<Rows>;
    fill_panel<P, kYmmPanelRows, kYmmTileRows>(n / kQK, n_rows, dst, [&](size_t r, size_t b, P& p, size_t i) {
        float d;
        if constexpr (Rows::kSigned) {
            const __m256i q = Rows::signed_values(w + r * w_stride, b, d);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i]), _mm256_abs_epi8(q));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.sign[i]), q);
        } else {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i]), Rows::unsigned_values(w + r * w_stride, b, d));
        }
        p.d[i] = d;
    });
}

// c[i] lane l = the block-integer dot of tile row i with token t0 + l.
template <typename Rows>
void legacy_tile(size_t nb, const LegacyPanel<Rows>* tile, const YActBlock* group, size_t t0,
                 __m256 (&c)[kYmmTileRows]) {
    constexpr size_t R = kYmmTileRows;
    const __m256i ones = _mm256_set1_epi16(1);
    for (size_t i = 0; i < R; ++i) c[i] = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
        const YActBlock& g = group[b];
        const LegacyPanel<Rows>& p = tile[b];
        __m256i s[R];
        if constexpr (Rows::kSigned) {  // AVX2 Q8_0: |w| x (a with w's sign), widened per slot
            for (size_t i = 0; i < R; ++i) s[i] = _mm256_setzero_si256();
            for (size_t k = 0; k < kQK / 4; ++k) {
                const __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(g.q[k][t0]));
                for (size_t i = 0; i < R; ++i) {
                    const __m256i sa = _mm256_sign_epi8(a, bcast4(reinterpret_cast<const uint8_t*>(p.sign[i]) + 4 * k));
                    s[i] = _mm256_add_epi32(s[i], _mm256_madd_epi16(_mm256_maddubs_epi16(bcast4(p.w[i] + 4 * k), sa), ones));
                    pin(s[i]);
                }
            }
        } else {
            // The offset's share: -o * sum(a), the same for every row.
            const __m256i start = _mm256_sub_epi32(
                _mm256_setzero_si256(),
                _mm256_slli_epi32(_mm256_load_si256(reinterpret_cast<const __m256i*>(g.sum + t0)), Rows::kOffsetShift));
            if constexpr (kVnni) {
                for (size_t i = 0; i < R; ++i) s[i] = start;
                for (size_t k = 0; k < kQK / 4; ++k) {
                    const __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(g.q[k][t0]));
                    for (size_t i = 0; i < R; ++i) {
                        s[i] = _mm256_dpbusd_avx_epi32(s[i], bcast4(p.w[i] + 4 * k), a);
                        pin(s[i]);
                    }
                }
            } else {  // Q4_0: all 8 slots in int16 (15 * 127 * 2 * 8 < 32767)
                __m256i acc[R];
                for (size_t i = 0; i < R; ++i) acc[i] = _mm256_setzero_si256();
                for (size_t k = 0; k < kQK / 4; ++k) {
                    const __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(g.q[k][t0]));
                    for (size_t i = 0; i < R; ++i) {
                        acc[i] = _mm256_add_epi16(acc[i], _mm256_maddubs_epi16(bcast4(p.w[i] + 4 * k), a));
                        pin(acc[i]);
                    }
                }
                for (size_t i = 0; i < R; ++i) s[i] = _mm256_add_epi32(start, _mm256_madd_epi16(acc[i], ones));
            }
        }
        const __m256 da = _mm256_load_ps(g.d + t0);
        for (size_t i = 0; i < R; ++i)
            c[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[i]), _mm256_mul_ps(da, _mm256_set1_ps(p.d[i])), c[i]);
    }
}

template <typename Rows>
void ymm_multiply_legacy(size_t n, const std::byte* panel, size_t n_rows, const std::byte* group, size_t n_tokens,
                         float* out, size_t out_stride) {
    multiply_panel<LegacyPanel<Rows>, YActBlock, kYmmTileRows, kQK>(n, panel, n_rows, group, n_tokens, out, out_stride,
                                                                   legacy_tile<Rows>);
}

template <typename Rows>
constexpr BlockGemm ymm_gemm_legacy() {
    return {kYmmPanelRows,      ymm_group_bytes_q8_0,          ymm_pack_act_q8_0,
            ymm_panel_bytes_legacy<Rows>, ymm_pack_panel_legacy<Rows>, ymm_multiply_legacy<Rows>};
}

// ---- Q4_K, Q5_K, Q6_K --------------------------------------------------------------------------

// R rows of one super-block: unsigned values, per-sub-block scales (AVX2: an int16 pair (s, s)
// for vpmaddwd; AVX-VNNI: the int32 for vpmulld), and the int16 pairs that multiply the group's
// sum pairs: Q4_K/Q5_K mins (m_2p, m_2p+1), Q6_K's offset 32 * (s_2p, s_2p+1).
template <size_t R>
struct YPanelK {
    uint8_t w[R][kQKK];
    int32_t scale[R][16];
    int32_t pairs[R][8];
    float d[R];
    float dmin[R];
};
using KPanel = YPanelK<kYmmTileRows>;

inline int32_t scale_word(int s) { return kVnni ? int32_t(s) : int16_pair(s, s); }

// What k_tile needs to know of a type: elements per scale, vpmaddubsw results added in int16
// (AVX2), and whether the super-block has mins.
template <size_t Sub, size_t Slots16, bool Mins>
struct KShape {
    static constexpr size_t kSub = Sub;
    static constexpr size_t kSlots16 = Slots16;
    static constexpr bool kMins = Mins;
};

struct Q4_KYmm : KShape<32, 8, true> {
    static void unpack(const std::byte* row, size_t b, KPanel& p, size_t i) {
        const auto& blk = reinterpret_cast<const BlockQ4_K*>(row)[b];
        for (size_t c = 0; c < 8; ++c) _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i] + 32 * c), k4_nibbles(blk.qs, c));
        k4_scales(blk.scales, p, i);
        p.d[i] = half_to_float(blk.d);
        p.dmin[i] = half_to_float(blk.dmin);
    }
    static void k4_scales(const uint8_t* scales, KPanel& p, size_t i) {
        uint8_t sc[8], m[8];
        for (size_t j = 0; j < 8; ++j) {
            k_scale_min(j, scales, sc[j], m[j]);
            p.scale[i][j] = scale_word(sc[j]);
        }
        for (size_t q = 0; q < 4; ++q) p.pairs[i][q] = int16_pair(m[2 * q], m[2 * q + 1]);
    }
};

struct Q5_KYmm : KShape<32, 4, true> {
    static void unpack(const std::byte* row, size_t b, KPanel& p, size_t i) {
        const auto& blk = reinterpret_cast<const BlockQ5_K*>(row)[b];
        const __m256i qh = load256(blk.qh);
        for (size_t c = 0; c < 8; ++c) _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i] + 32 * c), k5_values(blk.qs, qh, c));
        Q4_KYmm::k4_scales(blk.scales, p, i);
        p.d[i] = half_to_float(blk.d);
        p.dmin[i] = half_to_float(blk.dmin);
    }
};

struct Q6_KYmm : KShape<16, 2, false> {
    static void unpack(const std::byte* row, size_t b, KPanel& p, size_t i) {
        const auto& blk = reinterpret_cast<const BlockQ6_K*>(row)[b];
        for (size_t n = 0; n < 2; ++n) {  // 128 elements: four quarters share ql/qh bytes
            const __m256i qh = load256(blk.qh + 32 * n);
            for (size_t k = 0; k < 4; ++k) {
                const __m256i ql = load256(blk.ql + 64 * n + 32 * (k % 2));
                const __m256i low = _mm256_and_si256(k / 2 ? _mm256_srli_epi16(ql, 4) : ql, _mm256_set1_epi8(0x0F));
                const __m256i high = _mm256_and_si256(_mm256_slli_epi16(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(int(2 * k))), 4),
                                                      _mm256_set1_epi8(0x30));
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i] + 128 * n + 32 * k), _mm256_or_si256(low, high));
            }
        }
        for (size_t g = 0; g < 16; ++g) p.scale[i][g] = scale_word(blk.scales[g]);
        for (size_t q = 0; q < 8; ++q) p.pairs[i][q] = int16_pair(32 * blk.scales[2 * q], 32 * blk.scales[2 * q + 1]);
        p.d[i] = half_to_float(blk.d);
        p.dmin[i] = 0.0f;
    }
};

size_t ymm_panel_bytes_k(size_t n) { return kYmmPanelRows / kYmmTileRows * (n / kQKK) * sizeof(KPanel); }

template <typename Rows>
void ymm_pack_panel_k(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    fill_panel<KPanel, kYmmPanelRows, kYmmTileRows>(n / kQKK, n_rows, dst,
                                         [&](size_t r, size_t b, KPanel& p, size_t i) { Rows::unpack(w + r * w_stride, b, p, i); });
}

inline __m256i group_lanes(const int32_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }

template <typename Rows>
void k_tile(size_t nb, const KPanel* tile, const YActK* group, size_t t0, __m256 (&c)[kYmmTileRows]) {
    constexpr size_t R = kYmmTileRows, kSlots = Rows::kSub / 4;
    for (size_t i = 0; i < R; ++i) c[i] = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
        const YActK& g = group[b];
        const KPanel& p = tile[b];
        __m256i s[R];
        for (size_t i = 0; i < R; ++i) s[i] = _mm256_setzero_si256();
        for (size_t j = 0; j < kQKK / Rows::kSub; ++j) {
            const size_t k0 = j * kSlots;
            if constexpr (kVnni) {
                __m256i dot[R];
                for (size_t i = 0; i < R; ++i) dot[i] = _mm256_setzero_si256();
                for (size_t k = k0; k < k0 + kSlots; ++k) {
                    const __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(g.q[k][t0]));
                    for (size_t i = 0; i < R; ++i) {
                        dot[i] = _mm256_dpbusd_avx_epi32(dot[i], bcast4(p.w[i] + 4 * k), a);
                        pin(dot[i]);
                    }
                }
                for (size_t i = 0; i < R; ++i)
                    s[i] = _mm256_add_epi32(s[i], _mm256_mullo_epi32(dot[i], _mm256_set1_epi32(p.scale[i][j])));
            } else {
                for (size_t k1 = k0; k1 < k0 + kSlots; k1 += Rows::kSlots16) {
                    __m256i acc[R];
                    for (size_t i = 0; i < R; ++i) acc[i] = _mm256_setzero_si256();
                    for (size_t k = k1; k < k1 + Rows::kSlots16; ++k) {
                        const __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(g.q[k][t0]));
                        for (size_t i = 0; i < R; ++i) {
                            acc[i] = _mm256_add_epi16(acc[i], _mm256_maddubs_epi16(bcast4(p.w[i] + 4 * k), a));
                            pin(acc[i]);
                        }
                    }
                    for (size_t i = 0; i < R; ++i)
                        s[i] = _mm256_add_epi32(s[i], _mm256_madd_epi16(acc[i], _mm256_set1_epi32(p.scale[i][j])));
                }
            }
        }
        const __m256 da = _mm256_load_ps(g.d + t0);
        __m256i m[R];
        for (size_t i = 0; i < R; ++i) m[i] = _mm256_setzero_si256();
        if constexpr (Rows::kMins) {  // M = sum of min * sub-block sum of activations
            for (size_t q = 0; q < 4; ++q) {
                const __m256i sums = group_lanes(g.sub_pairs[q] + t0);
                for (size_t i = 0; i < R; ++i) m[i] = _mm256_add_epi32(m[i], _mm256_madd_epi16(sums, _mm256_set1_epi32(p.pairs[i][q])));
            }
        } else {  // Q6_K: S -= 32 * sum of scale * 16-sum of activations, still in integers
            for (size_t q = 0; q < 8; ++q) {
                const __m256i sums = group_lanes(g.bsum_pairs[q] + t0);
                for (size_t i = 0; i < R; ++i) s[i] = _mm256_sub_epi32(s[i], _mm256_madd_epi16(sums, _mm256_set1_epi32(p.pairs[i][q])));
            }
        }
        for (size_t i = 0; i < R; ++i) {
            c[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[i]), _mm256_mul_ps(da, _mm256_set1_ps(p.d[i])), c[i]);
            if constexpr (Rows::kMins)
                c[i] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(m[i]), _mm256_mul_ps(da, _mm256_set1_ps(p.dmin[i])), c[i]);
        }
    }
}

template <typename Rows>
void ymm_multiply_k(size_t n, const std::byte* panel, size_t n_rows, const std::byte* group, size_t n_tokens, float* out,
                    size_t out_stride) {
    multiply_panel<KPanel, YActK, kYmmTileRows, kQKK>(n, panel, n_rows, group, n_tokens, out, out_stride, k_tile<Rows>);
}

template <typename Rows>
constexpr BlockGemm ymm_gemm_k() {
    return {kYmmPanelRows, ymm_group_bytes_q8_K, ymm_pack_act_q8_K, ymm_panel_bytes_k, ymm_pack_panel_k<Rows>,
            ymm_multiply_k<Rows>};
}

// A 256-bit level's override list: the shared x86 kernel bodies with AVX2's tile shapes (16 ymm
// registers), plus the GEMM of every type this file covers, Q4_0's single-token member and the
// single-token kernels of the decode layout (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K).
inline auto ymm_level_overrides() {
    auto list = std::to_array(kOverrides<4, 2, 2, 2>);
    for (auto& o : list) {
        if (o.type == GgmlType::q4_0) {
            o.gemm = ymm_gemm_legacy<Q4_0Ymm>();
            o.gemm.few.one = one_token_q4_0_ymm;
            o.gemm.few.one_tiled = one_token_q4_0_tiles_ymm;
        }
        if (o.type == GgmlType::q8_0) o.gemm = ymm_gemm_legacy<Q8_0Ymm>();
        if (o.type == GgmlType::q4_k) o.gemm = ymm_gemm_k<Q4_KYmm>();
        if (o.type == GgmlType::q5_k) o.gemm = ymm_gemm_k<Q5_KYmm>();
        if (o.type == GgmlType::q6_k) o.gemm = ymm_gemm_k<Q6_KYmm>();
        if (auto tiled = one_token_tiles_ymm(o.type)) o.gemm.few.one_tiled = tiled;
    }
    return list;
}

}  // namespace
}  // namespace hearth::kernels::x86
