// The few-token GEMM (kernels.hpp, FewTokenGemm) for Q4_0 weights with AVX-512 VNNI: the decode
// step of 2-15 server streams. A zmm holds 4 weight rows x 4 tokens, lane 4r + t, so one
// vpdpbusd does 64 multiply-adds for 16 (row, token) pairs without any horizontal reduction, and
// the float epilogue (convert, d_w * d_a, FMA) runs once per 16 block results. Per 32-element
// block of 4 rows: four 16-byte loads of the nibbles as stored (no repacked panel, no load-time
// copy), two unpack ops, then for each of the 8 dword positions k a vpshufd that spreads row r's
// dword k over its 4 token lanes and a vpdpbusd against the activations' dword k of the 4 tokens.
// The nibbles go in as vpdpbusd's unsigned operand (0..15, no -8), so the block sum starts from
// -8 * sum(activation quants), prepared with the activations: exact in int32 either way.
#include <array>
#include <cstddef>
#include <utility>

#include "kernels/decode_layout.hpp"
#include "kernels/x86/avx512/block_gemm_common-inl.hpp"
#include "kernels/x86/block_gemm_x86.hpp"
#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kRowsPerVec = 4;  // rows per zmm: lane 4r + t holds (row r, token t)
static_assert(kFewTokens == 4, "one 128-bit lane per row holds the 4 tokens");
static_assert(kFewGroupsPerCall == 2);

// One 32-element block of a group of kFewTokens q8_0 activation rows.
struct FewActBlock {
    uint8_t q[kQK / 4][kFewTokens][4];  // bytes 4k..4k+3 of token t at q[k][t]
    int32_t offset[kFewTokens];          // -8 * sum of token t's quants: Q4_0's zero point
    float d[kFewTokens];
};
static_assert(sizeof(FewActBlock) == 160);

size_t act_group_bytes(size_t n) { return n / kQK * sizeof(FewActBlock); }

// Padding tokens get quants, offset and scale 0: their lanes compute zeros that are never stored.
void pack_act(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) {
    auto* group = reinterpret_cast<FewActBlock*>(dst);
    const size_t nb = n / kQK;
    std::memset(dst, 0, act_group_bytes(n));
    for (size_t t = 0; t < std::min(n_tokens, kFewTokens); ++t) {
        const auto* a = reinterpret_cast<const BlockQ8_0*>(act + t * act_stride);
        for (size_t b = 0; b < nb; ++b) {
            int32_t sum = 0;
            for (size_t j = 0; j < kQK; ++j) {
                group[b].q[j / 4][t][j % 4] = uint8_t(a[b].qs[j]);
                sum += a[b].qs[j];
            }
            group[b].offset[t] = -8 * sum;
            group[b].d[t] = half_to_float(a[b].d);
        }
    }
}

// The rows of a tile: V * 4 rows from w, w_stride apart. A ragged tile (the last rows of a
// matrix) lets its last real row stand in for the missing ones (computed, never stored), so every
// load stays in bounds without a copy; a full tile addresses row i at the constant multiple i of
// the stride, which keeps the loop's addresses in general registers.
template <size_t V, bool kRagged>
struct TileRows {
    static constexpr size_t kRows = V * kRowsPerVec;
    const std::byte* w;
    size_t w_stride;
    size_t last = kRows - 1;  // the last real row
    const BlockQ4_0& block(size_t i, size_t b) const {
        const size_t row = kRagged ? std::min(i, last) : i;
        return reinterpret_cast<const BlockQ4_0*>(w + row * w_stride)[b];
    }
};

// The next tile's bytes (contiguous rows), spread evenly over this tile's blocks: the hardware
// prefetchers follow 16 row streams poorly, and at a tile's start they have seen none of them yet.
// A ragged tile is the matrix's last: nothing follows it.
template <size_t V, bool kRagged, _mm_hint kHint = _MM_HINT_T1>
class NextTilePrefetch {
public:
    NextTilePrefetch(const TileRows<V, kRagged>& rows, size_t nb) {
        if constexpr (!kRagged) {
            begin_ = cursor_ = reinterpret_cast<const char*>(rows.w + V * kRowsPerVec * rows.w_stride);
            per_block_ = (V * kRowsPerVec * rows.w_stride + nb - 1) / nb;
        }
    }
    void after_block(size_t b) {
        if constexpr (!kRagged)
            for (const char* end = begin_ + (b + 1) * per_block_; cursor_ < end; cursor_ += 64) _mm_prefetch(cursor_, kHint);
    }

private:
    const char* begin_ = nullptr;
    const char* cursor_ = nullptr;
    size_t per_block_ = 0;
};

// The row scales of block b for vector v, each over its row's 4 token lanes.
template <typename Rows>
inline __m512 row_scales(const Rows& rows, size_t v, size_t b) {
    uint64_t bits = 0;
    for (size_t r = 0; r < kRowsPerVec; ++r) bits |= uint64_t(rows.block(v * kRowsPerVec + r, b).d) << (16 * r);
    const __m128 d = _mm_cvtph_ps(_mm_cvtsi64_si128(int64_t(bits)));
    const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    return _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(d));
}

// The weights' dword K (elements 4K..4K+3) of each row, over that row's 4 token lanes.
template <size_t K>
inline __m512i spread_dword(__m512i lo, __m512i hi) {
    constexpr auto perm = _MM_PERM_ENUM((K % 4) * 0x55);
    return _mm512_shuffle_epi32(K < 4 ? lo : hi, perm);
}

// c[g][v] lane 4r + t = the block-integer dot of tile row 4v + r with token t of group g, over nb
// blocks. The G groups share each row's loads, unpacking and dword spreads.
template <size_t V, size_t G, bool kRagged>
void tile(size_t nb, const TileRows<V, kRagged>& rows, const FewActBlock* group, size_t group_blocks, __m512 (&c)[G][V]) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    for (size_t g = 0; g < G; ++g)
        for (size_t v = 0; v < V; ++v) c[g][v] = _mm512_setzero_ps();
    NextTilePrefetch<V, kRagged> next(rows, nb);
    for (size_t b = 0; b < nb; ++b) {
        __m512i a[G][kQK / 4], offset[G];
        __m512 da[G];
        for (size_t g = 0; g < G; ++g) {
            const FewActBlock& blk = group[g * group_blocks + b];
            for (size_t k = 0; k < kQK / 4; ++k)
                a[g][k] = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(blk.q[k])));
            offset[g] = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(blk.offset)));
            da[g] = _mm512_broadcast_f32x4(_mm_load_ps(blk.d));
        }
        next.after_block(b);
        for (size_t v = 0; v < V; ++v) {
            auto qs = [&](size_t r) {
                return _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows.block(v * kRowsPerVec + r, b).qs));
            };
            __m512i q = _mm512_castsi128_si512(qs(0));
            q = _mm512_inserti32x4(q, qs(1), 1);
            q = _mm512_inserti32x4(q, qs(2), 2);
            q = _mm512_inserti32x4(q, qs(3), 3);
            const __m512i lo = _mm512_and_si512(q, low4);                         // elements 0-15 of each row
            const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);  // elements 16-31
            __m512i acc[G];
            for (size_t g = 0; g < G; ++g) acc[g] = offset[g];
            [&]<size_t... K>(std::index_sequence<K...>) {
                auto step = [&]<size_t k>(std::integral_constant<size_t, k>) {
                    const __m512i w = spread_dword<k>(lo, hi);
                    for (size_t g = 0; g < G; ++g) acc[g] = _mm512_dpbusd_epi32(acc[g], w, a[g][k]);
                };
                (step(std::integral_constant<size_t, K>{}), ...);
            }(std::make_index_sequence<kQK / 4>{});
            const __m512 dw = row_scales(rows, v, b);
            for (size_t g = 0; g < G; ++g)
                c[g][v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[g]), _mm512_mul_ps(dw, da[g]), c[g][v]);
        }
    }
}

// out[(4g + t) * out_stride + 4v + r] = c[g][v] lane 4r + t, for rows < n_rows, tokens < n_tokens.
template <size_t V, size_t G>
void store(const __m512 (&c)[G][V], size_t n_rows, size_t n_tokens, float* out, size_t out_stride) {
    alignas(64) float lanes[G][V][16];
    for (size_t g = 0; g < G; ++g)
        for (size_t v = 0; v < V; ++v) _mm512_store_ps(lanes[g][v], c[g][v]);
    for (size_t t = 0; t < n_tokens; ++t)
        for (size_t r = 0; r < std::min(n_rows, V * kRowsPerVec); ++r)
            out[t * out_stride + r] = lanes[t / kFewTokens][r / kRowsPerVec][r % kRowsPerVec * kFewTokens + t % kFewTokens];
}

template <size_t V, size_t G, bool kRagged>
void rows_x_groups(size_t nb, const TileRows<V, kRagged>& rows, size_t n_rows, const FewActBlock* group, size_t n_tokens,
                   float* out, size_t out_stride) {
    __m512 c[G][V];
    tile(nb, rows, group, nb, c);
    store(c, n_rows, n_tokens, out, out_stride);
}

// Full tiles of V vectors, then the last rows 4 at a time.
template <size_t V, size_t G>
void multiply_groups(size_t nb, const std::byte* w, size_t w_stride, size_t n_rows, const FewActBlock* group,
                     size_t n_tokens, float* out, size_t out_stride) {
    constexpr size_t kTile = V * kRowsPerVec;
    size_t r = 0;
    for (; r + kTile <= n_rows; r += kTile)
        rows_x_groups<V, G>(nb, TileRows<V, false>{w + r * w_stride, w_stride}, kTile, group, n_tokens, out + r, out_stride);
    for (; r < n_rows; r += kRowsPerVec) {
        const size_t real = std::min(kRowsPerVec, n_rows - r);
        rows_x_groups<1, G>(nb, TileRows<1, true>{w + r * w_stride, w_stride, real - 1}, real, group, n_tokens, out + r,
                            out_stride);
    }
}

// One group: 4 vectors (16 rows) per tile. Two: 2 vectors, as the second group's 8 activation
// vectors take the registers the other accumulators would.
void multiply(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* groups,
              size_t n_tokens, float* out, size_t out_stride) {
    const auto* group = reinterpret_cast<const FewActBlock*>(groups);
    const size_t nb = n / kQK;
    if (n_tokens > kFewTokens)
        multiply_groups<2, 2>(nb, w, w_stride, n_rows, group, std::min(n_tokens, 2 * kFewTokens), out, out_stride);
    else
        multiply_groups<4, 1>(nb, w, w_stride, n_rows, group, n_tokens, out, out_stride);
}

// One token (FewTokenGemm::one): a tile of 16 rows ends each block with row r's exact sum in lane
// r, so the float epilogue (convert, d_w * d_a, FMA) runs once per 16 block results, as for
// several tokens, instead of once per row in vec_dot's 8 float lanes. Vector v holds rows v,
// 4 + v, 8 + v and 12 + v, one per 128-bit lane (the 16 nibble bytes as stored); two vpdpbusd
// against the activation's elements 0-15 and 16-31 (each broadcast to all four 128-bit lanes)
// leave 4 partial sums per row, and two transposing add steps fold the four vectors into one.
// The 16 rows' f16 scales are assembled in general registers, 4 per 64-bit word (a vpgatherdd
// took as long as all the dot products on Zen 5).
template <bool kRagged>
__m512 one_token_tile(size_t nb, const TileRows<4, kRagged>& rows, const BlockQ8_0* act) {
    const __m512i low4 = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8), zero = _mm512_setzero_si512();
    // Rows 4k + v of block b at lane_base[k] + v * stride: four advancing pointers and the stride
    // keep every address in general registers.
    const std::byte* lane_base[4];
    for (size_t k = 0; k < 4; ++k) lane_base[k] = reinterpret_cast<const std::byte*>(&rows.block(4 * k, 0));
    const auto lane_base_0 = std::to_array(lane_base);
    const size_t stride = rows.w_stride;
    auto block_at = [&](size_t k, size_t v) {
        return kRagged ? reinterpret_cast<const std::byte*>(&rows.block(4 * k + v, 0)) + (lane_base[k] - lane_base_0[k])
                       : lane_base[k] + v * stride;
    };
    auto qs = [&](size_t k, size_t v) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(block_at(k, v) + offsetof(BlockQ4_0, qs)));
    };
    auto scale_bits = [&](size_t k, size_t v) {
        uint16_t d;
        std::memcpy(&d, block_at(k, v) + offsetof(BlockQ4_0, d), sizeof d);
        return d;
    };
    __m512 c = _mm512_setzero_ps();
    NextTilePrefetch<4, kRagged, _MM_HINT_T0> next(rows, nb);
    for (size_t b = 0; b < nb; ++b) {
        const __m512i y_lo = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(act[b].qs)));
        const __m512i y_hi = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(act[b].qs + 16)));
        // -8 * (the activation's quants) per dword position: the nibbles' zero point, exact in int32.
        const __m512i offset = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, eight, y_lo), eight, y_hi));
        next.after_block(b);
        __m512i s[4];
        for (size_t v = 0; v < 4; ++v) {
            // Masked broadcasts rather than inserts: loads and blends, not shuffles.
            __m512i q = _mm512_broadcast_i32x4(qs(0, v));
            q = _mm512_mask_broadcast_i32x4(q, 0x00F0, qs(1, v));
            q = _mm512_mask_broadcast_i32x4(q, 0x0F00, qs(2, v));
            q = _mm512_mask_broadcast_i32x4(q, 0xF000, qs(3, v));
            const __m512i lo = _mm512_and_si512(q, low4);                         // elements 0-15
            const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);  // elements 16-31
            s[v] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(offset, lo, y_lo), hi, y_hi);
        }
        const __m512i sum = fold_row_sums(s);  // row r in lane r
        uint64_t d4[4];  // the f16 scales of rows 4k..4k+3 in d4[k]
        for (size_t k = 0; k < 4; ++k) {
            d4[k] = 0;
            for (size_t v = 0; v < 4; ++v) d4[k] |= uint64_t(scale_bits(k, v)) << (16 * v);
            asm("" : "+r"(d4[k]));  // built in a general register: GCC's vectorized version was slower
        }
        const __m256i d16 = _mm256_inserti128_si256(_mm256_castsi128_si256(words_to_xmm(d4[0], d4[1])), words_to_xmm(d4[2], d4[3]), 1);
        const __m512 dw = _mm512_cvtph_ps(d16);
        c = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_set1_ps(half_to_float(act[b].d))), c);
        for (const std::byte*& base : lane_base) base += sizeof(BlockQ4_0);
    }
    return c;
}

void one_token(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* act, float* out) {
    constexpr size_t kTile = 4 * kRowsPerVec;
    const auto* a = reinterpret_cast<const BlockQ8_0*>(act);
    const size_t nb = n / kQK;
    size_t r = 0;
    for (; r + kTile <= n_rows; r += kTile)
        _mm512_storeu_ps(out + r, one_token_tile(nb, TileRows<4, false>{w + r * w_stride, w_stride}, a));
    if (r < n_rows) {
        const size_t real = n_rows - r;
        const __m512 c = one_token_tile(nb, TileRows<4, true>{w + r * w_stride, w_stride, real - 1}, a);
        _mm512_mask_storeu_ps(out + r, __mmask16((1u << real) - 1), c);
    }
}

// The same for a matrix in the decode layout (decode_layout.hpp): vector v of a tile block is its
// qs[v], one 64-byte load with row 4k + v in 128-bit lane k, and the 16 scales one 32-byte load,
// all read front to back.
void one_token_tiles(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) {
    const auto* a = reinterpret_cast<const BlockQ8_0*>(act);
    const __m512i low4 = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8), zero = _mm512_setzero_si512();
    for_each_tile<Q4_0TileBlock>(n, tiles, n_rows, out, [&](const Q4_0TileBlock* blk, size_t nb, float* tile_out) {
        __m512 c = _mm512_setzero_ps();
        for (size_t b = 0; b < nb; ++b, ++blk) {
            prefetch_page_ahead(blk);
            prefetch_block_ahead(blk);
            const __m512i y_lo = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a[b].qs)));
            const __m512i y_hi = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a[b].qs + 16)));
            const __m512i offset = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, eight, y_lo), eight, y_hi));
            __m512i s[4];
            for (size_t v = 0; v < 4; ++v) {
                const __m512i q = _mm512_loadu_si512(blk->qs[v]);
                const __m512i lo = _mm512_and_si512(q, low4);
                const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);
                s[v] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(offset, lo, y_lo), hi, y_hi);
            }
            const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk->d)));
            c = _mm512_fmadd_ps(_mm512_cvtepi32_ps(fold_row_sums(s)), _mm512_mul_ps(dw, _mm512_set1_ps(half_to_float(a[b].d))), c);
        }
        _mm512_storeu_ps(tile_out, c);
    });
}

}  // namespace

FewTokenGemm avx512_few_q4_0() noexcept { return {act_group_bytes, pack_act, multiply, one_token, one_token_tiles}; }

}  // namespace hearth::kernels::x86
