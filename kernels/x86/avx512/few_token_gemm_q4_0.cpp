// The few-token GEMM (kernels.hpp, FewTokenGemm) for Q4_0 weights with AVX-512 VNNI: the decode
// step of 2-15 server streams. A zmm holds 4 weight rows x 4 tokens, lane 4r + t, so one
// vpdpbusd does 64 multiply-adds for 16 (row, token) pairs without any horizontal reduction, and
// the float epilogue (convert, d_w * d_a, FMA) runs once per 16 block results. Per 32-element
// block of 4 rows: four 16-byte loads of the nibbles as stored (no repacked panel, no load-time
// copy), two unpack ops, then for each of the 8 dword positions k a vpshufd that spreads row r's
// dword k over its 4 token lanes and a vpdpbusd against the activations' dword k of the 4 tokens.
// The nibbles go in as vpdpbusd's unsigned operand (0..15, no -8), so the block sum starts from
// -8 * sum(activation quants), prepared with the activations: exact in int32 either way.
#include "kernels/x86/avx512/block_gemm_common.hpp"
#include "kernels/x86/block_gemm_x86.hpp"
#include "kernels/x86/x86_common.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kRowsPerVec = 4;         // rows per zmm: lane 4r + t holds (row r, token t)
constexpr size_t kVecsPerTile = 4;        // zmm accumulators per tile: 16 rows
constexpr size_t kTileRowsFew = kRowsPerVec * kVecsPerTile;
static_assert(kFewTokens == 4, "one 128-bit lane per row holds the 4 tokens");

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

// Where the rows of a tile start: 4 per vector; past the last real row the last row stands in
// (computed, never stored), so a ragged end needs no copy and every load stays in bounds.
template <size_t V>
struct TileRows {
    const std::byte* row[V * kRowsPerVec];
    TileRows(const std::byte* w, size_t w_stride, size_t n_rows) {
        for (size_t i = 0; i < V * kRowsPerVec; ++i) row[i] = w + std::min(i, n_rows - 1) * w_stride;
    }
    const BlockQ4_0& block(size_t i, size_t b) const { return reinterpret_cast<const BlockQ4_0*>(row[i])[b]; }
};

// The row scales of block b for vector v, each over its row's 4 token lanes.
template <size_t V>
inline __m512 row_scales(const TileRows<V>& rows, size_t v, size_t b) {
    uint64_t bits = 0;
    for (size_t r = 0; r < kRowsPerVec; ++r) bits |= uint64_t(rows.block(v * kRowsPerVec + r, b).d) << (16 * r);
    const __m128 d = _mm_cvtph_ps(_mm_cvtsi64_si128(int64_t(bits)));
    const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    return _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(d));
}

// c[v] lane 4r + t = the block-integer dot of tile row 4v + r with token t, over nb blocks.
template <size_t V>
void tile(size_t nb, const TileRows<V>& rows, const FewActBlock* group, __m512 (&c)[V]) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    for (size_t v = 0; v < V; ++v) c[v] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
        const FewActBlock& g = group[b];
        __m512i a[kQK / 4];
        for (size_t k = 0; k < kQK / 4; ++k) a[k] = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(g.q[k])));
        const __m512i offset = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(g.offset)));
        const __m512 da = _mm512_broadcast_f32x4(_mm_load_ps(g.d));
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
            __m512i acc = offset;
            acc = _mm512_dpbusd_epi32(acc, _mm512_shuffle_epi32(lo, _MM_PERM_AAAA), a[0]);
            acc = _mm512_dpbusd_epi32(acc, _mm512_shuffle_epi32(lo, _MM_PERM_BBBB), a[1]);
            acc = _mm512_dpbusd_epi32(acc, _mm512_shuffle_epi32(lo, _MM_PERM_CCCC), a[2]);
            acc = _mm512_dpbusd_epi32(acc, _mm512_shuffle_epi32(lo, _MM_PERM_DDDD), a[3]);
            acc = _mm512_dpbusd_epi32(acc, _mm512_shuffle_epi32(hi, _MM_PERM_AAAA), a[4]);
            acc = _mm512_dpbusd_epi32(acc, _mm512_shuffle_epi32(hi, _MM_PERM_BBBB), a[5]);
            acc = _mm512_dpbusd_epi32(acc, _mm512_shuffle_epi32(hi, _MM_PERM_CCCC), a[6]);
            acc = _mm512_dpbusd_epi32(acc, _mm512_shuffle_epi32(hi, _MM_PERM_DDDD), a[7]);
            c[v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), _mm512_mul_ps(row_scales(rows, v, b), da), c[v]);
        }
    }
}

// out[t * out_stride + 4v + r] = c[v] lane 4r + t, for rows < n_rows and tokens < n_tokens.
template <size_t V>
void store(const __m512 (&c)[V], size_t n_rows, size_t n_tokens, float* out, size_t out_stride) {
    alignas(64) float lanes[V][16];
    for (size_t v = 0; v < V; ++v) _mm512_store_ps(lanes[v], c[v]);
    for (size_t t = 0; t < n_tokens; ++t)
        for (size_t r = 0; r < std::min(n_rows, V * kRowsPerVec); ++r)
            out[t * out_stride + r] = lanes[r / kRowsPerVec][r % kRowsPerVec * kFewTokens + t];
}

template <size_t V>
void rows_x_group(size_t nb, const std::byte* w, size_t w_stride, size_t n_rows, const FewActBlock* group,
                  size_t n_tokens, float* out, size_t out_stride) {
    __m512 c[V];
    tile(nb, TileRows<V>(w, w_stride, n_rows), group, c);
    store(c, n_rows, n_tokens, out, out_stride);
}

void multiply(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* group_bytes,
              size_t n_tokens, float* out, size_t out_stride) {
    const auto* group = reinterpret_cast<const FewActBlock*>(group_bytes);
    const size_t nb = n / kQK;
    n_tokens = std::min(n_tokens, kFewTokens);
    size_t r = 0;
    for (; r + kTileRowsFew <= n_rows; r += kTileRowsFew)
        rows_x_group<kVecsPerTile>(nb, w + r * w_stride, w_stride, kTileRowsFew, group, n_tokens, out + r, out_stride);
    for (; r < n_rows; r += kRowsPerVec)
        rows_x_group<1>(nb, w + r * w_stride, w_stride, std::min(kRowsPerVec, n_rows - r), group, n_tokens, out + r,
                        out_stride);
}

}  // namespace

FewTokenGemm avx512_few_q4_0() noexcept { return {act_group_bytes, pack_act, multiply}; }

}  // namespace hearth::kernels::x86
