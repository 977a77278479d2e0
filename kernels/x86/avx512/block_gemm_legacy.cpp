// Block-integer GEMM (kernels.hpp, BlockGemm) for Q4_0 and Q8_0 weights with AVX-512 VNNI.
// One zmm lane per token: a group packs 16 tokens' q8_0 activations so that the 4 bytes each
// vpdpbusd lane multiplies are adjacent (byte 4g+j of token l at q[g][l][j]), and each weight
// row contributes its 4 bytes as a broadcast memory operand. A block of 32 elements for one row
// and 16 tokens is then 8 vpdpbusd + convert + scale + FMA: ~11 uops for 512 multiply-adds,
// against ~4 uops per 32 in the vec_dot tiles, whose per-lane float sums need a horizontal
// reduction per output. vpdpbusd multiplies unsigned by signed bytes, so the activations are
// stored biased by +128 and each weight block carries -128 * sum(w) as its starting value:
// the block's integer sum stays exact.
#include <immintrin.h>

#include <algorithm>

#include "kernels/simd_kernels.hpp"
#include "kernels/x86/x86_common.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kTileRows = 8;    // accumulators per register tile (8 + 8 activation vectors + temporaries)
constexpr size_t kPanelRows = 32;  // rows repacked per panel: 4 register tiles

struct ActGroupBlock {
    uint8_t q[kQK / 4][kGemmTokens][4];  // activation + 128
    float d[kGemmTokens];
};
static_assert(sizeof(ActGroupBlock) == 576);

struct PanelBlock {
    int8_t w[kTileRows][kQK];
    float d[kTileRows];
    int32_t bias[kTileRows];  // -128 * sum(w): cancels the activations' bias
};
static_assert(sizeof(PanelBlock) == 320);

size_t act_group_bytes(size_t n) { return n / kQK * sizeof(ActGroupBlock); }
size_t panel_bytes(size_t n) { return kPanelRows / kTileRows * (n / kQK) * sizeof(PanelBlock); }

void pack_act_q8_0(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) {
    auto* group = reinterpret_cast<ActGroupBlock*>(dst);
    const size_t nb = n / kQK;
    // Dword k of a token's block goes to q[k][l]: 64 bytes apart.
    const __m256i dword_offsets = _mm256_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112);
    const __m256i bias = _mm256_set1_epi8(char(0x80));
    for (size_t l = 0; l < kGemmTokens; ++l) {
        const auto* a = reinterpret_cast<const BlockQ8_0*>(act + l * act_stride);
        for (size_t b = 0; b < nb; ++b) {
            const bool real = l < n_tokens;  // padding tokens are zeros (+128) with scale 0
            const __m256i q = real ? _mm256_xor_si256(load256(a[b].qs), bias) : bias;
            _mm256_i32scatter_epi32(reinterpret_cast<int*>(&group[b].q[0][l][0]), dword_offsets, q, 4);
            group[b].d[l] = real ? half_to_float(a[b].d) : 0.0f;
        }
    }
}

// 32 weights of one block as signed bytes, and their scale.
struct Q4_0Rows {
    static __m256i values(const std::byte* row, size_t b, float& d) {
        const auto& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
        d = half_to_float(blk.d);
        return _mm256_sub_epi8(unpack_nibbles(blk.qs), _mm256_set1_epi8(8));
    }
};
struct Q8_0Rows {
    static __m256i values(const std::byte* row, size_t b, float& d) {
        const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
        d = half_to_float(blk.d);
        return load256(blk.qs);
    }
};

template <typename Rows>
void pack_panel(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    auto* panel = reinterpret_cast<PanelBlock*>(dst);
    const size_t nb = n / kQK;
    const __m256i bias = _mm256_set1_epi8(char(0x80));
    for (size_t tile = 0; tile < kPanelRows / kTileRows; ++tile)
        for (size_t i = 0; i < kTileRows; ++i) {
            const size_t r = tile * kTileRows + i;
            for (size_t b = 0; b < nb; ++b) {
                PanelBlock& p = panel[tile * nb + b];
                if (r >= n_rows) {
                    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i]), _mm256_setzero_si256());
                    p.d[i] = 0.0f;
                    p.bias[i] = 0;
                    continue;
                }
                float d;
                const __m256i q = Rows::values(w + r * w_stride, b, d);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i]), q);
                p.d[i] = d;
                // sum(w) = sum(w + 128) - 32 * 128, the biased bytes summed by vpsadbw.
                const int32_t biased = hsum(_mm256_sad_epu8(_mm256_xor_si256(q, bias), _mm256_setzero_si256()));
                p.bias[i] = -128 * (biased - int32_t(kQK) * 128);
            }
        }
}

inline int32_t load_i32(const int8_t* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// C[i] lane l = the block-integer dot of tile row i with group token l, over nb blocks.
void tile_rows_x_group(size_t nb, const PanelBlock* tile, const ActGroupBlock* group, __m512 (&c)[kTileRows]) {
    for (size_t i = 0; i < kTileRows; ++i) c[i] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
        const ActGroupBlock& g = group[b];
        __m512i a[kQK / 4];
        for (size_t k = 0; k < kQK / 4; ++k) a[k] = _mm512_load_si512(g.q[k]);
        const __m512 da = _mm512_load_ps(g.d);
        const PanelBlock& p = tile[b];
        for (size_t i = 0; i < kTileRows; ++i) {
            __m512i acc = _mm512_set1_epi32(p.bias[i]);
            for (size_t k = 0; k < kQK / 4; ++k)
                acc = _mm512_dpbusd_epi32(acc, a[k], _mm512_set1_epi32(load_i32(p.w[i] + 4 * k)));
            c[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), _mm512_mul_ps(da, _mm512_set1_ps(p.d[i])), c[i]);
        }
    }
}

void multiply(size_t n, const std::byte* panel_bytes_, size_t n_rows, const std::byte* group_bytes, size_t n_tokens,
              float* out, size_t out_stride) {
    const auto* panel = reinterpret_cast<const PanelBlock*>(panel_bytes_);
    const auto* group = reinterpret_cast<const ActGroupBlock*>(group_bytes);
    const size_t nb = n / kQK;
    const __m512i token_offsets = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(int(out_stride)));
    const __mmask16 tokens = __mmask16((1u << std::min(n_tokens, kGemmTokens)) - 1);
    for (size_t tile = 0; tile * kTileRows < n_rows; ++tile) {
        __m512 c[kTileRows];
        tile_rows_x_group(nb, panel + tile * nb, group, c);
        const size_t rows = std::min(kTileRows, n_rows - tile * kTileRows);
        for (size_t i = 0; i < rows; ++i)
            _mm512_mask_i32scatter_ps(out + tile * kTileRows + i, tokens, token_offsets, c[i], 4);
    }
}

template <typename Rows>
constexpr BlockGemm legacy_gemm() {
    return {kPanelRows, act_group_bytes, pack_act_q8_0, panel_bytes, pack_panel<Rows>, multiply};
}

}  // namespace

BlockGemm avx512_gemm_q4_0() noexcept { return legacy_gemm<Q4_0Rows>(); }
BlockGemm avx512_gemm_q8_0() noexcept { return legacy_gemm<Q8_0Rows>(); }

}  // namespace hearth::kernels::x86
