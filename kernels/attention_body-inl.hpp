// Attention bodies shared by every SIMD row (AVX2, AVX-512, NEON), written once over a 16-lane
// float vector L::V (one __m512, two __m256 or four float32x4_t). Every lane and every rounding
// step mirrors the scalar reference in kernels/ref/attention.cpp, so each output is bit-identical
// to it (tests/test_attention_simd.cpp sweeps this). No intrinsics here: the including TU brings
// its ISA's header and its L. Internal linkage: each including TU compiles its own copy with its
// own target flags.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/attention_kernels.hpp"

namespace hearth::kernels::simd {
namespace {

constexpr size_t kLanes = 16;     // one L::V
constexpr size_t kDotStep = 64;   // ggml's 4 x 16-lane step
constexpr size_t kTileKv = kAttentionTileKv;

// Tails through a zeroed 16-lane stack buffer, for an L without masked loads and stores (AVX2,
// NEON): rows are not padded in memory, so a full-width access could cross into an unmapped page.
template <class L>
struct BufferTails {
    static auto load_partial(const float* p, size_t n) {
        alignas(64) float buf[kLanes] = {};
        std::memcpy(buf, p, n * sizeof(float));
        return L::load(buf);
    }
    template <class V>
    static void store_partial(float* p, V v, size_t n) {
        alignas(64) float buf[kLanes];
        L::store(buf, v);
        std::memcpy(p, buf, n * sizeof(float));
    }
    static auto load_f16_partial(const uint16_t* p, size_t n) {
        alignas(64) uint16_t buf[kLanes] = {};
        std::memcpy(buf, p, n * sizeof(uint16_t));
        return L::load_f16(buf);
    }
};

// L supplies V (16 float lanes) and, on it: zero, set1, load/store (+ _partial for the first n
// lanes, zero-filled), load_f16(_partial), round_f16 (through binary16 and back, ties to even),
// fma, mul, add, sub, max (a > b ? a : b), fill_prefix, reduce16 (ref::reduce_add16's tree),
// pow2_scale (ldexp as exp_poly needs it); scalar f16_to_f32; kScoreRows, the positions
// tile_scores keeps in flight (the FMA chains the register file holds).
template <class L>
struct Attention {
    using V = typename L::V;

    static V load_f16_n(const uint16_t* p, size_t n) { return n >= kLanes ? L::load_f16(p) : L::load_f16_partial(p, n); }
    static V load_n(const float* p, size_t n) { return n >= kLanes ? L::load(p) : L::load_partial(p, n); }
    static void store_n(float* p, V v, size_t n) {
        if (n >= kLanes)
            L::store(p, v);
        else
            L::store_partial(p, v, n);
    }
    // Prefetches never fault, so running past the cache's last row is harmless. The builtin is
    // prefetcht0 on x86 and prfm pldl1keep on AArch64 (read, keep in all cache levels).
    static void prefetch_row(const uint16_t* p, size_t d) {
        for (size_t i = 0; i < d; i += 32) __builtin_prefetch(p + i, 0, 3);
    }

    static size_t blocks(size_t n) { return (n + kLanes - 1) / kLanes; }

    // ref::exp_poly lane by lane: same fma steps; L::pow2_scale does ldexp and the |n| > 192 cases.
    static V exp_poly(V x) {
        const V shift = L::set1(0x1.8p23f);
        const V n = L::sub(L::fma(x, L::set1(0x1.715476p+0f), shift), shift);
        const V neg_n = L::sub(L::zero(), n);  // -n, but +0 for n = 0: b is then ±0, j = 1 either way
        const V b = L::fma(neg_n, L::set1(0x1.7f7d1cp-20f), L::fma(neg_n, L::set1(0x1.62e4p-1f), x));
        const V u = L::mul(b, b);
        const V hi = L::fma(L::fma(L::set1(0x1.0e4020p-7f), b, L::set1(0x1.573e2ep-5f)), u,
                            L::fma(L::set1(0x1.555e66p-3f), b, L::set1(0x1.fffdb6p-2f)));
        const V j = L::fma(hi, u, L::fma(L::set1(0x1.ffffecp-1f), b, L::set1(1.0f)));
        return L::pow2_scale(j, n);
    }

    static void exp_poly_n(const float* x, float* y, size_t n) noexcept {
        for (size_t i = 0; i < n; i += kLanes) store_n(y + i, exp_poly(load_n(x + i, n - i)), n - i);
    }

    static V widen(const uint16_t* p) { return L::load_f16(p); }
    static V widen(const float* p) { return L::load(p); }

    // dot_f16's 64-element part: four accumulators, then (a0 + a2) + (a1 + a3) and reduce16's tree.
    // b is f16, or f16 values already widened to f32 (same products).
    template <class B>
    static float dot_main(const uint16_t* a, const B* b, size_t main) {
        V acc[4] = {L::zero(), L::zero(), L::zero(), L::zero()};
        for (size_t i = 0; i < main; i += kDotStep)
            for (size_t j = 0; j < 4; ++j) acc[j] = L::fma(L::load_f16(a + i + j * kLanes), widen(b + i + j * kLanes), acc[j]);
        return L::reduce16(L::add(L::add(acc[0], acc[2]), L::add(acc[1], acc[3])));
    }

    // f16 x f16 products are exact in f32; the tail sums them in double.
    template <class B>
    static float dot_any(const uint16_t* a, const B* b, size_t n) {
        const size_t main = n - n % kDotStep;
        double sum = main > 0 ? static_cast<double>(dot_main(a, b, main)) : 0.0;
        for (size_t i = main; i < n; ++i) sum += static_cast<double>(L::f16_to_f32(a[i]) * as_float(b[i]));
        return static_cast<float>(sum);
    }
    static float as_float(uint16_t h) { return L::f16_to_f32(h); }
    static float as_float(float f) { return f; }

    static float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) noexcept { return dot_any(a, b, n); }

    // --- heads of one token, f16 query and accumulator (batches below kAttentionTileQ) --------
    // Per block of positions: all scores first, then the softmax bookkeeping with its libm exp
    // calls (which clobber every vector register), then the V updates: the same operations in
    // the same order as the scalar loop. Heads sharing the KV head run together so each V row
    // is widened once and the heads' f16 rounding chains (fma -> vcvtps2ph -> vcvtph2ps, ~15
    // cycles a position) overlap instead of running back to back.
    static constexpr size_t kScoreBlock = 32;
    static constexpr size_t kMaxHeads = 4;

    struct HeadState {
        float max = -INFINITY, sum = 0.0f;
        float score[kScoreBlock], weight[kScoreBlock], rescale[kScoreBlock];
        bool new_max[kScoreBlock];
    };

    // The softmax bookkeeping of attend_head for count positions (scores already in st.score).
    static void softmax_steps(HeadState& st, size_t count) {
        for (size_t j = 0; j < count; ++j) {
            float ms = 1.0f, vs = 1.0f;
            st.new_max[j] = st.score[j] > st.max;
            if (st.new_max[j]) {
                ms = std::exp(st.max - st.score[j]);
                st.max = st.score[j];
            } else {
                vs = std::exp(st.score[j] - st.max);
            }
            st.rescale[j] = ms;
            st.weight[j] = vs;
            st.sum = softmax_running_sum(st.sum, ms, vs);
        }
    }

    static void attend_heads_impl(const float* q, size_t nh, const KvHeadView& kv, size_t n_kv, size_t d, float scale,
                                  float* out) {
        const size_t nb = blocks(d), dp = nb * kLanes;
        alignas(64) float qf[kMaxHeads * kAttentionMaxSimdHeadDim];   // f16 queries, widened once
        alignas(64) float acc[kMaxHeads * kAttentionMaxSimdHeadDim];  // f16 running sums, widened
        HeadState hs[kMaxHeads];
        for (size_t h = 0; h < nh; ++h)
            for (size_t b = 0; b < nb; ++b) {
                L::store(qf + h * dp + b * kLanes, L::round_f16(load_n(q + h * d + b * kLanes, d - b * kLanes)));
                L::store(acc + h * dp + b * kLanes, L::zero());
            }
        for (size_t p0 = 0; p0 < n_kv; p0 += kScoreBlock) {
            const size_t count = std::min(kScoreBlock, n_kv - p0);
            for (size_t j = 0; j < count; ++j) {
                // The next block's K and this block's V rows: one head's slice per row of the
                // cache (kv_dim apart) is a stride the hardware prefetcher follows poorly.
                prefetch_row(kv.k + (p0 + j + kScoreBlock) * kv.k_stride, d);
                prefetch_row(kv.v + (p0 + j) * kv.v_stride, d);
                for (size_t h = 0; h < nh; ++h) hs[h].score[j] = dot_any(kv.k + (p0 + j) * kv.k_stride, qf + h * dp, d) * scale;
            }
            for (size_t h = 0; h < nh; ++h) softmax_steps(hs[h], count);
            for (size_t j = 0; j < count; ++j) {
                const uint16_t* v = kv.v + (p0 + j) * kv.v_stride;
                for (size_t h = 0; h < nh; ++h)
                    if (hs[h].new_max[j]) {
                        const V ms = L::set1(hs[h].rescale[j]);
                        for (size_t b = 0; b < nb; ++b)
                            L::store(acc + h * dp + b * kLanes, L::round_f16(L::mul(L::load(acc + h * dp + b * kLanes), ms)));
                    }
                for (size_t b = 0; b < nb; ++b) {
                    const V vb = load_f16_n(v + b * kLanes, d - b * kLanes);
                    for (size_t h = 0; h < nh; ++h) {
                        float* a = acc + h * dp + b * kLanes;
                        const V w = L::set1(hs[h].weight[j]);
                        L::store(a, L::round_f16(L::fma(vb, w, L::load(a))));
                    }
                }
            }
        }
        for (size_t h = 0; h < nh; ++h) {
            const V inv = L::set1(hs[h].sum == 0.0f ? 0.0f : 1.0f / hs[h].sum);
            for (size_t b = 0; b < nb; ++b) store_n(out + h * d + b * kLanes, L::mul(L::load(acc + h * dp + b * kLanes), inv), d - b * kLanes);
        }
    }

    static void attend_heads(const float* q, size_t n_heads, const KvHeadView& kv, size_t n_kv, size_t d, float scale,
                             const AttentionScratch&, float* out) noexcept {
        for (size_t h = 0; h < n_heads; h += kMaxHeads)
            attend_heads_impl(q + h * d, std::min(kMaxHeads, n_heads - h), kv, n_kv, d, scale, out + h * d);
    }

    static void attend_head(const float* q, const KvHeadView& kv, size_t n_kv, size_t d, float scale,
                            const AttentionScratch&, float* out) noexcept {
        attend_heads_impl(q, 1, kv, n_kv, d, scale, out);
    }

    // --- rows of consecutive tokens, f32 tiled numerics (batches of kAttentionTileQ and more) ---
    // Lanes are query rows: each K row is widened once and broadcast against 16 transposed
    // queries, L::kScoreRows positions at a time (independent FMA chains hide FMA latency).
    static constexpr size_t kRows = kLanes;
    static constexpr size_t kP = L::kScoreRows;

    struct TiledState {
        alignas(64) float qt[kAttentionMaxSimdHeadDim * kRows];   // [d][row] query, transposed
        alignas(64) float acc[kRows * kAttentionMaxSimdHeadDim];  // [row][d] running sum of V
        alignas(64) float scores[kTileKv * kRows];                // [position in tile][row]
        alignas(64) float rows16[kLanes * kAttentionMaxSimdHeadDim];  // widened K (or V) rows
        alignas(64) float max[kRows], sum[kRows], tile_max[kRows], block_sum[kTileKv / kLanes][kRows];
    };

    // scores[j][r] = scale * (FMA chain over d of k_j[d] * q_r[d]) for j < count, -inf where
    // position p0 + j is past row r's causal limit (n_kv0 + r) and for j >= count.
    static void tile_scores(TiledState& st, const KvHeadView& kv, size_t p0, size_t count, size_t n_kv0,
                            size_t d, float scale) {
        const size_t dp = blocks(d) * kLanes;
        for (size_t j0 = 0; j0 < count; j0 += kP) {
            const size_t np = std::min(kP, count - j0);
            for (size_t jj = 0; jj < kP; ++jj)
                for (size_t b = 0; b * kLanes < d; ++b)
                    L::store(st.rows16 + jj * dp + b * kLanes,
                             jj < np ? load_f16_n(kv.k + (p0 + j0 + jj) * kv.k_stride + b * kLanes, d - b * kLanes) : L::zero());
            V s[kP];
            for (size_t jj = 0; jj < kP; ++jj) s[jj] = L::zero();
            for (size_t i = 0; i < d; ++i) {
                const V qd = L::load(st.qt + i * kRows);
                for (size_t jj = 0; jj < kP; ++jj) s[jj] = L::fma(L::set1(st.rows16[jj * dp + i]), qd, s[jj]);
            }
            for (size_t jj = 0; jj < np; ++jj) {
                const size_t pos = p0 + j0 + jj;
                const size_t masked = pos + 1 > n_kv0 ? std::min(kRows, pos + 1 - n_kv0) : 0;  // rows r < masked
                L::store(st.scores + (j0 + jj) * kRows, L::fill_prefix(L::mul(s[jj], L::set1(scale)), masked, -INFINITY));
            }
        }
        for (size_t j = count; j < kTileKv; ++j) L::store(st.scores + j * kRows, L::set1(-INFINITY));
    }

    // acc_r += sum_j v_j * scores[j][r] over this tile's j < count_r, one FMA chain per element
    // in j order; V rows are widened 16 at a time and shared by all rows.
    static void tile_values(TiledState& st, const KvHeadView& kv, size_t p0, size_t count, size_t n_kv0,
                            size_t nr, size_t d) {
        const size_t nb = blocks(d), dp = nb * kLanes;
        for (size_t c0 = 0; c0 < count; c0 += kLanes) {
            const size_t nc = std::min(kLanes, count - c0);
            for (size_t j = 0; j < nc; ++j)
                for (size_t b = 0; b < nb; ++b)
                    L::store(st.rows16 + j * dp + b * kLanes, load_f16_n(kv.v + (p0 + c0 + j) * kv.v_stride + b * kLanes, d - b * kLanes));
            for (size_t r = 0; r < nr; ++r) {
                if (n_kv0 + r <= p0) continue;                          // row finished earlier
                const size_t end = std::min(c0 + nc, n_kv0 + r - p0);  // row r's own count in this tile
                if (end <= c0) continue;
                float* acc = st.acc + r * dp;
                size_t b = 0;
                for (; b + 4 <= nb; b += 4) {  // four independent chains per row
                    V a[4] = {L::load(acc + b * kLanes), L::load(acc + (b + 1) * kLanes), L::load(acc + (b + 2) * kLanes),
                              L::load(acc + (b + 3) * kLanes)};
                    for (size_t j = c0; j < end; ++j) {
                        const V w = L::set1(st.scores[j * kRows + r]);
                        const float* v = st.rows16 + (j - c0) * dp + b * kLanes;
                        for (size_t i = 0; i < 4; ++i) a[i] = L::fma(L::load(v + i * kLanes), w, a[i]);
                    }
                    for (size_t i = 0; i < 4; ++i) L::store(acc + (b + i) * kLanes, a[i]);
                }
                for (; b < nb; ++b) {
                    V a = L::load(acc + b * kLanes);
                    for (size_t j = c0; j < end; ++j)
                        a = L::fma(L::load(st.rows16 + (j - c0) * dp + b * kLanes), L::set1(st.scores[j * kRows + r]), a);
                    L::store(acc + b * kLanes, a);
                }
            }
        }
    }

    // Up to 16 rows: row r is token n_kv0 + r - 1 and sees positions < n_kv0 + r.
    static void tiled_block(const float* const* q, float* const* out, size_t nr, size_t n_kv0, const KvHeadView& kv,
                            size_t d, float scale, TiledState& st) {
        const size_t nb = blocks(d), dp = nb * kLanes, n_kv_end = n_kv0 + nr - 1;
        for (size_t i = 0; i < dp; ++i)
            for (size_t r = 0; r < kRows; ++r) st.qt[i * kRows + r] = r < nr && i < d ? q[r][i] : 0.0f;
        for (size_t i = 0; i < nr * dp; ++i) st.acc[i] = 0.0f;
        for (size_t r = 0; r < kRows; ++r) {
            st.max[r] = -INFINITY;
            st.sum[r] = 0.0f;
        }
        for (size_t p0 = 0; p0 < n_kv_end; p0 += kTileKv) {
            const size_t count = std::min(kTileKv, n_kv_end - p0);
            tile_scores(st, kv, p0, count, n_kv0, d, scale);
            V tmax = L::set1(-INFINITY);  // max(s, m) keeps m on ties and NaN, as std::max(m, s)
            for (size_t j = 0; j < kTileKv; ++j) tmax = L::max(L::load(st.scores + j * kRows), tmax);
            L::store(st.tile_max, tmax);
            for (size_t r = 0; r < nr; ++r) {
                if (n_kv0 + r <= p0) continue;  // row finished in an earlier tile
                const float new_max = std::fmax(st.max[r], st.tile_max[r]);
                if (new_max > st.max[r]) {
                    const float ms = std::exp(st.max[r] - new_max);
                    float* acc = st.acc + r * dp;
                    for (size_t b = 0; b < nb; ++b) L::store(acc + b * kLanes, L::mul(L::load(acc + b * kLanes), L::set1(ms)));
                    st.sum[r] *= ms;
                }
                st.max[r] = new_max;
            }
            const V mx = L::load(st.max);
            for (size_t j = 0; j < kTileKv; ++j)
                L::store(st.scores + j * kRows, exp_poly(L::sub(L::load(st.scores + j * kRows), mx)));
            for (size_t blk = 0; blk < kTileKv / kLanes; ++blk) {  // reduce16's tree across positions
                const float* s = st.scores + blk * kLanes * kRows;
                V h8[8], h4[4];
                for (size_t i = 0; i < 8; ++i) h8[i] = L::add(L::load(s + i * kRows), L::load(s + (i + 8) * kRows));
                for (size_t i = 0; i < 4; ++i) h4[i] = L::add(h8[i], h8[i + 4]);
                L::store(st.block_sum[blk], L::add(L::add(h4[0], h4[2]), L::add(h4[1], h4[3])));
            }
            for (size_t r = 0; r < nr; ++r) {
                if (n_kv0 + r <= p0) continue;
                double tile_sum = 0.0;
                for (size_t blk = 0; blk < kTileKv / kLanes; ++blk) tile_sum += static_cast<double>(st.block_sum[blk][r]);
                st.sum[r] = static_cast<float>(static_cast<double>(st.sum[r]) + tile_sum);
            }
            tile_values(st, kv, p0, count, n_kv0, nr, d);
        }
        for (size_t r = 0; r < nr; ++r) {
            const V inv = L::set1(st.sum[r] == 0.0f ? 0.0f : 1.0f / st.sum[r]);
            for (size_t b = 0; b < nb; ++b) store_n(out[r] + b * kLanes, L::mul(L::load(st.acc + r * dp + b * kLanes), inv), d - b * kLanes);
        }
    }

    static void attend_rows_tiled(const QueryRows& rows, const KvHeadView& kv, size_t d, float scale,
                                  const AttentionScratchF32&) noexcept {
        TiledState st;
        const float* q[kRows];
        float* out[kRows];
        for (size_t i0 = 0; i0 < rows.n_rows; i0 += kRows) {
            const size_t nr = std::min(kRows, rows.n_rows - i0);
            for (size_t r = 0; r < nr; ++r) {
                q[r] = rows.q + (i0 + r) * rows.stride;
                out[r] = rows.out + (i0 + r) * rows.stride;
            }
            tiled_block(q, out, nr, rows.n_kv0 + i0, kv, d, scale, st);
        }
    }

    // --- the Q8_0 cache's f32 accumulator ----------------------------------------------------
    static void scale_f32(float* y, float s, size_t n) noexcept {
        for (size_t i = 0; i < n; i += kLanes) store_n(y + i, L::mul(load_n(y + i, n - i), L::set1(s)), n - i);
    }
    static void mad_f32(float* y, const float* x, float s, size_t n) noexcept {
        for (size_t i = 0; i < n; i += kLanes) store_n(y + i, L::fma(load_n(x + i, n - i), L::set1(s), load_n(y + i, n - i)), n - i);
    }

    static constexpr AttentionKernels kTable = {
        .dot_f16 = dot_f16,
        .attend_head = attend_head,
        .attend_heads = attend_heads,
        .attend_rows_tiled = attend_rows_tiled,
        .scale_f32 = scale_f32,
        .mad_f32 = mad_f32,
        .exp_poly = exp_poly_n,
    };
};

}  // namespace
}  // namespace hearth::kernels::simd
