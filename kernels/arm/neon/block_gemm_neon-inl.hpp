// Block-integer GEMMs (kernels.hpp, BlockGemm) on NEON: the bodies the sdot and smmla variants
// share, compiled once per variant (block_gemm_sdot.cpp, i8mm/block_gemm_smmla.cpp), for Q4_0,
// Q8_0 (q8_0 activations), Q4_K, Q5_K and Q6_K (q8_K activations).
//
// A tile is 8 weight rows x 4 tokens = 8 int32x4 accumulators. A Core says how its instruction
// fills them: which rows and tokens share a register, how the panel and the group interleave
// their bytes for it, and dot16(), the tile's dot products over 16 elements. sdot: 4 rows per
// register (lanes), one token each, a token's 4 bytes picked by vdotq_laneq; smmla: 2 rows x 2
// tokens per register, from 8-byte rows of both. Everything else (unpacking, scales, mins, the
// float steps) is written once here in terms of per-register lane vectors.
//
// sdot and smmla multiply signed bytes on both sides, so the weights are stored as their signed
// values (Q4_0 nibble - 8, Q6_K 6-bit value - 32, the others as they are): no offsets, and every
// integer sum is exact in int32 (|sum| at most 32 * 128 * 128 = 2^19 per 32-block; 16 slots *
// 128 * (16 * 32 * 128) = 2^27 per Q6_K super-block, less for Q4_K/Q5_K). The float steps are the
// spec's (ref::block_gemm): per block fma(float(sumi), d_w * d_a, acc), and for Q4_K/Q5_K a fused
// subtraction of float(M) * (dmin_w * d_a) right after, so results are bit-identical to it.
#pragma once

#include <arm_neon.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "kernels/block_gemm_panel.hpp"
#include "kernels/kernels.hpp"
#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"

namespace hearth::kernels::neon {
namespace {

constexpr size_t kUnit = 16;  // elements per dot16 step (Q6_K's scale granularity)
constexpr size_t kTileRows = 8;
constexpr size_t kTileTokens = 4;
constexpr size_t kTilesPerGroup = kGemmTokens / kTileTokens;
constexpr size_t kPanelRows = 32;
constexpr size_t kVecs = 8;  // int32x4 accumulators per tile
static_assert(kPanelRows % kTileRows == 0 && kGemmTokens % kTileTokens == 0 && kVecs * 4 == kTileRows * kTileTokens);

// Where element e of row r (of n rows interleaved in groups of g, c bytes at a time) goes: each
// 16-element unit holds all n rows, a group's rows alternate every c bytes within it.
template <size_t kN, size_t kG, size_t kC>
void interleave(const int8_t* src, size_t len, size_t r, int8_t* dst) {
    static_assert(kUnit % kC == 0 && kN % kG == 0);
    for (size_t e = 0; e < len; e += kC)
        std::memcpy(dst + e / kUnit * (kN * kUnit) + r / kG * (kG * kUnit) + e % kUnit / kC * (kG * kC) + r % kG * kC, src + e, kC);
}

// Sets the lanes of the register holding item i (of groups of g) to v: lanes[i / g][l] for the
// lanes l whose item within the group (of(l)) is i % g.
template <size_t kG, typename T>
void put_lanes(T (*lanes)[4], size_t i, T v, size_t (*of)(size_t)) {
    for (size_t l = 0; l < 4; ++l)
        if (of(l) == i % kG) lanes[i / kG][l] = v;
}

// ---- weight rows as signed bytes ---------------------------------------------------------------

inline void store_nibbles(uint8x16_t raw, int8_t* lo, int8_t* hi, int8_t bias) {
    vst1q_s8(lo, vsubq_s8(vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0F))), vdupq_n_s8(bias)));
    vst1q_s8(hi, vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), vdupq_n_s8(bias)));
}

struct Q4_0Rows {
    static float values(const std::byte* row, size_t b, int8_t* q) {
        const auto& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
        store_nibbles(vld1q_u8(blk.qs), q, q + 16, 8);
        return fp16_to_fp32(blk.d);
    }
};

struct Q8_0Rows {
    static float values(const std::byte* row, size_t b, int8_t* q) {
        const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
        std::memcpy(q, blk.qs, kQK);
        return fp16_to_fp32(blk.d);
    }
};

// One K-quant super-block as signed values, a scale per scale slot (32 or 16 elements) and, for
// Q4_K/Q5_K, a min per 32 elements.
struct KValues {
    int8_t q[kQKK];
    int32_t scale[kQKK / kUnit];
    int32_t min[kQKK / kQK];
    float d;
    float dmin;
};

// Q4_K/Q5_K: each 64 elements are the low nibbles of 32 qs bytes, then their high nibbles.
template <typename Block>
void k4_values(const Block& blk, KValues& v) {
    for (size_t j = 0; j < 4; ++j)
        for (size_t h = 0; h < 2; ++h)
            store_nibbles(vld1q_u8(blk.qs + 32 * j + 16 * h), v.q + 64 * j + 16 * h, v.q + 64 * j + 32 + 16 * h, 0);
    for (size_t s = 0; s < 8; ++s) {
        uint8_t sc, m;
        k_scale_min(s, blk.scales, sc, m);
        v.scale[s] = sc;
        v.min[s] = m;
    }
    v.d = fp16_to_fp32(blk.d);
    v.dmin = fp16_to_fp32(blk.dmin);
}

struct Q4_KRows {
    static constexpr size_t kScaleUnits = 2;  // 16-element units per scale
    static constexpr bool kMins = true;
    static void values(const std::byte* row, size_t b, KValues& v) { k4_values(reinterpret_cast<const BlockQ4_K*>(row)[b], v); }
};

// Q5_K: Q4_K's layout plus a fifth bit, bit c of qh[l] for element l of 32-chunk c.
struct Q5_KRows : Q4_KRows {
    static void values(const std::byte* row, size_t b, KValues& v) {
        const auto& blk = reinterpret_cast<const BlockQ5_K*>(row)[b];
        k4_values(blk, v);
        for (size_t c = 0; c < 8; ++c)
            for (size_t h = 0; h < 2; ++h) {
                const uint8x16_t bit = vandq_u8(vshlq_u8(vld1q_u8(blk.qh + 16 * h), vdupq_n_s8(int8_t(-int(c)))), vdupq_n_u8(1));
                int8_t* dst = v.q + 32 * c + 16 * h;
                vst1q_s8(dst, vorrq_s8(vld1q_s8(dst), vreinterpretq_s8_u8(vshlq_n_u8(bit, 4))));
            }
    }
};

struct Q6_KRows {
    static constexpr size_t kScaleUnits = 1;
    static constexpr bool kMins = false;
    static void values(const std::byte* row, size_t b, KValues& v) {
        const auto& blk = reinterpret_cast<const BlockQ6_K*>(row)[b];
        // Per 128 elements n: quarter k takes nibble k/2 of ql[64n + 32(k%2) + l] and bits 2k..2k+1
        // of qh[32n + l] on top; stored biased by 32.
        for (size_t n = 0; n < 2; ++n)
            for (size_t h = 0; h < 2; ++h) {
                const uint8x16_t qh = vld1q_u8(blk.qh + 32 * n + 16 * h);
                for (size_t k = 0; k < 4; ++k) {
                    const uint8x16_t ql = vld1q_u8(blk.ql + 64 * n + 32 * (k % 2) + 16 * h);
                    const uint8x16_t low = k / 2 ? vshrq_n_u8(ql, 4) : vandq_u8(ql, vdupq_n_u8(0x0F));
                    const uint8x16_t high = vandq_u8(vshlq_u8(qh, vdupq_n_s8(int8_t(4 - 2 * int(k)))), vdupq_n_u8(0x30));
                    vst1q_s8(v.q + 128 * n + 32 * k + 16 * h, vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low, high)), vdupq_n_s8(32)));
                }
            }
        for (size_t g = 0; g < 16; ++g) v.scale[g] = blk.scales[g];
        v.d = fp16_to_fp32(blk.d);
        v.dmin = 0.0f;
    }
};

// ---- panels (8-row tiles of weights) and groups (4-token tiles of activations) ----------------

template <typename Core>
inline constexpr size_t kRowRegs = kTileRows / Core::kRowGroup;  // registers across a tile's rows
template <typename Core>
inline constexpr size_t kTokRegs = kTileTokens / Core::kTokGroup;

// One 32-element block of a tile's 8 rows.
template <typename Core>
struct LegacyPanel {
    int8_t w[kTileRows * kQK];
    float d[kRowRegs<Core>][4];
};

// One super-block of a tile's 8 rows: scales and mins as lane vectors of each row register.
template <typename Core>
struct KPanel {
    int8_t w[kTileRows * kQKK];
    int32_t scale[kQKK / kUnit][kRowRegs<Core>][4];
    int32_t min[kQKK / kQK][kRowRegs<Core>][4];
    float d[kRowRegs<Core>][4];
    float dmin[kRowRegs<Core>][4];
};

// One 32-element block of a group's 16 q8_0 tokens, in 4-token tiles.
template <typename Core>
struct LegacyGroup {
    int8_t q[kTilesPerGroup][kTileTokens * kQK];
    float d[kTilesPerGroup][kTokRegs<Core>][4];
};

// One super-block of a group's 16 q8_K tokens; sum = each 32 elements' sum (Q4_K/Q5_K mins).
template <typename Core>
struct KGroup {
    int8_t q[kTilesPerGroup][kTileTokens * kQKK];
    float d[kTilesPerGroup][kTokRegs<Core>][4];
    int32_t sum[kTilesPerGroup][kQKK / kQK][kTokRegs<Core>][4];
};

// Token i (of a 4-token tile) or row i (of an 8-row tile) into the tile's interleave.
template <typename Core>
void put_token_values(const int8_t* src, size_t len, size_t i, int8_t* tile) {
    interleave<kTileTokens, Core::kTokGroup, Core::kTokChunk>(src, len, i, tile);
}

template <typename Core>
void put_row_values(const int8_t* src, size_t len, size_t i, int8_t* tile) {
    interleave<kTileRows, Core::kRowGroup, Core::kRowChunk>(src, len, i, tile);
}

template <typename Core>
size_t group_bytes_q8_0(size_t n) { return n / kQK * sizeof(LegacyGroup<Core>); }
template <typename Core>
size_t group_bytes_q8_K(size_t n) { return n / kQKK * sizeof(KGroup<Core>); }

// The walk both group packers share: every block of every token, with the token's tile and its
// place in it. Padding tokens stay zero (values and scales): their lanes compute zeros nobody stores.
template <typename GroupT, typename ActBlock, typename Fill>
void fill_group(size_t nb, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst, Fill&& fill) {
    auto* group = reinterpret_cast<GroupT*>(dst);
    std::memset(dst, 0, nb * sizeof(GroupT));
    for (size_t l = 0; l < n_tokens; ++l) {
        const auto* a = reinterpret_cast<const ActBlock*>(act + l * act_stride);
        for (size_t b = 0; b < nb; ++b) fill(a[b], group[b], l / kTileTokens, l % kTileTokens);
    }
}

template <typename Core>
void pack_act_q8_0(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) {
    fill_group<LegacyGroup<Core>, BlockQ8_0>(n / kQK, act, act_stride, n_tokens, dst,
                                             [](const BlockQ8_0& a, LegacyGroup<Core>& g, size_t tile, size_t i) {
                                                 put_token_values<Core>(a.qs, kQK, i, g.q[tile]);
                                                 put_lanes<Core::kTokGroup>(g.d[tile], i, fp16_to_fp32(a.d), Core::tok_of);
                                             });
}

template <typename Core>
void pack_act_q8_K(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) {
    fill_group<KGroup<Core>, BlockQ8_K>(n / kQKK, act, act_stride, n_tokens, dst,
                                        [](const BlockQ8_K& a, KGroup<Core>& g, size_t tile, size_t i) {
                                            put_token_values<Core>(a.qs, kQKK, i, g.q[tile]);
                                            put_lanes<Core::kTokGroup>(g.d[tile], i, a.d, Core::tok_of);
                                            for (size_t s = 0; s < kQKK / kQK; ++s)
                                                put_lanes<Core::kTokGroup>(g.sum[tile][s], i,
                                                                           int32_t(a.bsums[2 * s] + a.bsums[2 * s + 1]), Core::tok_of);
                                        });
}

template <typename Core>
size_t panel_bytes_legacy(size_t n) { return kPanelRows / kTileRows * (n / kQK) * sizeof(LegacyPanel<Core>); }
template <typename Core>
size_t panel_bytes_k(size_t n) { return kPanelRows / kTileRows * (n / kQKK) * sizeof(KPanel<Core>); }

template <typename Core, typename Rows>
void pack_panel_legacy(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    using P = LegacyPanel<Core>;
    fill_panel<P, kPanelRows, kTileRows>(n / kQK, n_rows, dst, [&](size_t r, size_t b, P& p, size_t i) {
        int8_t q[kQK];
        const float d = Rows::values(w + r * w_stride, b, q);
        put_row_values<Core>(q, kQK, i, p.w);
        put_lanes<Core::kRowGroup>(p.d, i, d, Core::row_of);
    });
}

template <typename Core, typename Rows>
void pack_panel_k(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    using P = KPanel<Core>;
    fill_panel<P, kPanelRows, kTileRows>(n / kQKK, n_rows, dst, [&](size_t r, size_t b, P& p, size_t i) {
        KValues v;
        Rows::values(w + r * w_stride, b, v);
        put_row_values<Core>(v.q, kQKK, i, p.w);
        for (size_t s = 0; s < kQKK / kUnit / Rows::kScaleUnits; ++s) put_lanes<Core::kRowGroup>(p.scale[s], i, v.scale[s], Core::row_of);
        if constexpr (Rows::kMins)
            for (size_t s = 0; s < kQKK / kQK; ++s) put_lanes<Core::kRowGroup>(p.min[s], i, v.min[s], Core::row_of);
        put_lanes<Core::kRowGroup>(p.d, i, v.d, Core::row_of);
        put_lanes<Core::kRowGroup>(p.dmin, i, v.dmin, Core::row_of);
    });
}

// ---- tiles ------------------------------------------------------------------------------------

// Register v of a tile holds row register v / kTokRegs and token register v % kTokRegs.
template <typename Core>
constexpr size_t row_reg(size_t v) { return v / kTokRegs<Core>; }
template <typename Core>
constexpr size_t tok_reg(size_t v) { return v % kTokRegs<Core>; }

// f(v) for each accumulator v as a constant: GCC keeps a local array in registers only when every
// index is constant before its early scalar replacement, which runs before loops are unrolled
// (with plain loops it stored the float accumulators to the stack after every block).
template <typename F>
[[gnu::always_inline]] inline void each_vec(F&& f) {
    [&]<size_t... v>(std::index_sequence<v...>) { (f(std::integral_constant<size_t, v>{}), ...); }(std::make_index_sequence<kVecs>{});
}

inline void zero(int32x4_t (&s)[kVecs]) {
    each_vec([&](auto v) { s[v] = vdupq_n_s32(0); });
}

// `next`, at an address GCC must believe depends on the sums s: it then loads the next unit's
// weights (or the mins) only after s is formed. Without it the scheduler hoists every load of a
// block ahead of the dot products and the extra registers push accumulators out to the stack
// (measured: Q4_K sdot 1204 -> 1027 instructions per tile and super-block, no spills left).
template <typename T, typename V>
inline T* after(T* next, const V (&s)[kVecs]) {
    asm("" : "+r"(next) : "w"(s[0]), "w"(s[1]), "w"(s[2]), "w"(s[3]), "w"(s[4]), "w"(s[5]), "w"(s[6]), "w"(s[7]));
    return next;
}

// c = fma(float(s), d_w * d_a, c) per lane: the spec's step for one block.
template <typename Core>
inline void add_scaled(float32x4_t (&c)[kVecs], const int32x4_t (&s)[kVecs], const float (*dw)[4], const float (*da)[4]) {
    each_vec([&](auto v) {
        c[v] = vfmaq_f32(c[v], vcvtq_f32_s32(s[v]), vmulq_f32(vld1q_f32(dw[row_reg<Core>(v)]), vld1q_f32(da[tok_reg<Core>(v)])));
    });
}

// Tile results (8 rows x 4 tokens from r0, t0) into out, skipping padding rows and tokens.
template <typename Core>
void store_tile(const float32x4_t (&c)[kVecs], size_t r0, size_t n_rows, size_t t0, size_t n_tokens, float* out,
                size_t out_stride) {
    for (size_t v = 0; v < kVecs; ++v) {
        float lanes[4];
        vst1q_f32(lanes, c[v]);
        for (size_t l = 0; l < 4; ++l) {
            const size_t r = r0 + row_reg<Core>(v) * Core::kRowGroup + Core::row_of(l);
            const size_t t = t0 + tok_reg<Core>(v) * Core::kTokGroup + Core::tok_of(l);
            if (r < n_rows && t < n_tokens) out[t * out_stride + r] = lanes[l];
        }
    }
}

// Both tiles keep their float sums in registers and copy them to `out` once, at the end.
template <typename Core>
void legacy_tile(size_t nb, const LegacyPanel<Core>* p, const LegacyGroup<Core>* g, size_t tile, float32x4_t (&out)[kVecs]) {
    float32x4_t c[kVecs];
    each_vec([&](auto v) { c[v] = vdupq_n_f32(0.0f); });
    for (size_t b = 0; b < nb; ++b) {
        int32x4_t s[kVecs];
        zero(s);
#pragma GCC unroll 2
        for (size_t u = 0; u < kQK / kUnit; ++u)
            Core::dot16(after(p[b].w + u * kTileRows * kUnit, s), g[b].q[tile] + u * kTileTokens * kUnit, s);
        add_scaled<Core>(c, s, p[b].d, g[b].d[tile]);
    }
    each_vec([&](auto v) { out[v] = c[v]; });
}

// Per super-block: S = sum over scale slots of scale * (slot's dot), the spec's fma of S, then
// (Q4_K/Q5_K) M = sum of min * 32-sum of activations and its fused subtraction.
template <typename Core, typename Rows>
void k_tile(size_t nb, const KPanel<Core>* p, const KGroup<Core>* g, size_t tile, float32x4_t (&out)[kVecs]) {
    constexpr size_t kUnits = Rows::kScaleUnits;
    float32x4_t c[kVecs];
    each_vec([&](auto v) { c[v] = vdupq_n_f32(0.0f); });
    for (size_t b = 0; b < nb; ++b) {
        const KPanel<Core>& w = p[b];
        const KGroup<Core>& a = g[b];
        int32x4_t s[kVecs];
        zero(s);
#pragma GCC unroll 16
        for (size_t j = 0; j < kQKK / kUnit / kUnits; ++j) {
            int32x4_t dot[kVecs];
            zero(dot);
#pragma GCC unroll 2
            for (size_t u = j * kUnits; u < (j + 1) * kUnits; ++u) {
                const int32x4_t(&previous)[kVecs] = u == j * kUnits ? s : dot;  // the last sums formed
                Core::dot16(after(w.w + u * kTileRows * kUnit, previous), a.q[tile] + u * kTileTokens * kUnit, dot);
            }
            each_vec([&](auto v) { s[v] = vmlaq_s32(s[v], dot[v], vld1q_s32(w.scale[j][row_reg<Core>(v)])); });
        }
        add_scaled<Core>(c, s, w.d, a.d[tile]);
        if constexpr (Rows::kMins) {
            int32x4_t m[kVecs];
            zero(m);
            const auto* mins = after(w.min, c);  // loaded here, not among the dot products
#pragma GCC unroll 8
            for (size_t j = 0; j < kQKK / kQK; ++j)
                each_vec([&](auto v) {
                    m[v] = vmlaq_s32(m[v], vld1q_s32(mins[j][row_reg<Core>(v)]), vld1q_s32(a.sum[tile][j][tok_reg<Core>(v)]));
                });
            each_vec([&](auto v) {
                c[v] = vfmsq_f32(c[v], vcvtq_f32_s32(m[v]),
                                 vmulq_f32(vld1q_f32(w.dmin[row_reg<Core>(v)]), vld1q_f32(a.d[tile][tok_reg<Core>(v)])));
            });
        }
    }
    each_vec([&](auto v) { out[v] = c[v]; });
}

// Every 8 x 4 tile of a panel against a group.
template <typename Core, typename PanelT, typename GroupT, size_t kElems, typename Tile>
void multiply_panel(size_t n, const std::byte* panel_bytes, size_t n_rows, const std::byte* group_bytes, size_t n_tokens,
                    float* out, size_t out_stride, Tile&& tile) {
    const auto* panel = reinterpret_cast<const PanelT*>(panel_bytes);
    const auto* group = reinterpret_cast<const GroupT*>(group_bytes);
    const size_t nb = n / kElems;
    float32x4_t c[kVecs];
    for (size_t tt = 0; tt * kTileTokens < n_tokens; ++tt)  // token tiles outer, as the x86 GEMMs
        for (size_t rt = 0; rt * kTileRows < n_rows; ++rt) {
            tile(nb, panel + rt * nb, group, tt, c);
            store_tile<Core>(c, rt * kTileRows, n_rows, tt * kTileTokens, n_tokens, out, out_stride);
        }
}

template <typename Core>
void multiply_legacy(size_t n, const std::byte* panel, size_t n_rows, const std::byte* group, size_t n_tokens, float* out,
                     size_t out_stride) {
    multiply_panel<Core, LegacyPanel<Core>, LegacyGroup<Core>, kQK>(n, panel, n_rows, group, n_tokens, out, out_stride,
                                                                    legacy_tile<Core>);
}

template <typename Core, typename Rows>
void multiply_k(size_t n, const std::byte* panel, size_t n_rows, const std::byte* group, size_t n_tokens, float* out,
                size_t out_stride) {
    multiply_panel<Core, KPanel<Core>, KGroup<Core>, kQKK>(n, panel, n_rows, group, n_tokens, out, out_stride,
                                                           k_tile<Core, Rows>);
}

template <typename Core, typename Rows>
constexpr BlockGemm legacy_gemm() {
    return {kPanelRows, group_bytes_q8_0<Core>, pack_act_q8_0<Core>, panel_bytes_legacy<Core>,
            pack_panel_legacy<Core, Rows>, multiply_legacy<Core>};
}

template <typename Core, typename Rows>
constexpr BlockGemm k_gemm() {
    return {kPanelRows, group_bytes_q8_K<Core>, pack_act_q8_K<Core>, panel_bytes_k<Core>, pack_panel_k<Core, Rows>,
            multiply_k<Core, Rows>};
}

// The Core's GEMM for weight type t (panel_rows 0: none).
template <typename Core>
BlockGemm gemm_for(GgmlType t) {
    switch (t) {
        case GgmlType::q4_0: return legacy_gemm<Core, Q4_0Rows>();
        case GgmlType::q8_0: return legacy_gemm<Core, Q8_0Rows>();
        case GgmlType::q4_k: return k_gemm<Core, Q4_KRows>();
        case GgmlType::q5_k: return k_gemm<Core, Q5_KRows>();
        case GgmlType::q6_k: return k_gemm<Core, Q6_KRows>();
        default: return {};
    }
}

}  // namespace
}  // namespace hearth::kernels::neon
