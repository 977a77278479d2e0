// Block-integer GEMM (kernels.hpp, BlockGemm) for Q4_0 and Q8_0 weights with AVX-512 VNNI.
// One zmm lane per token: a group packs 16 tokens' q8_0 activations so that the 4 bytes each
// vpdpbusd lane multiplies are adjacent (byte 4g+j of token l at q[g][l][j]), and each weight
// row contributes its 4 bytes as a broadcast memory operand. A block of 32 elements for one row
// and 16 tokens is then 8 vpdpbusd + convert + scale + FMA: ~11 uops for 512 multiply-adds,
// against ~4 uops per 32 in the vec_dot tiles, whose per-lane float sums need a horizontal
// reduction per output. vpdpbusd multiplies unsigned by signed bytes, so the activations are
// stored biased by +128 and each weight block carries -128 * sum(w) as its starting value:
// the block's integer sum stays exact.
#include "kernels/x86/avx512/block_gemm_common-inl.hpp"
#include "kernels/x86/block_gemm_x86.hpp"
#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

struct PanelBlock {
    int8_t w[kTileRows][kQK];
    float d[kTileRows];
    int32_t bias[kTileRows];  // -128 * sum(w): cancels the activations' bias
};
static_assert(sizeof(PanelBlock) == 320);

size_t panel_bytes(size_t n) { return kPanelRows / kTileRows * (n / kQK) * sizeof(PanelBlock); }

template <typename Rows>
void pack_panel(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    const __m256i bias = _mm256_set1_epi8(char(0x80));
    fill_panel<PanelBlock, kPanelRows, kTileRows>(n / kQK, n_rows, dst, [&](size_t r, size_t b, PanelBlock& p, size_t i) {
        float d;
        const __m256i q = Rows::values(w + r * w_stride, b, d);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i]), q);
        p.d[i] = d;
        // sum(w) = sum(w + 128) - 32 * 128, the biased bytes summed by vpsadbw.
        const int32_t biased = hsum(_mm256_sad_epu8(_mm256_xor_si256(q, bias), _mm256_setzero_si256()));
        p.bias[i] = -128 * (biased - int32_t(kQK) * 128);
    });
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
    for (size_t tile = 0; tile * kTileRows < n_rows; ++tile) {
        __m512 c[kTileRows];
        tile_rows_x_group(nb, panel + tile * nb, group, c);
        store_tile(c, n_rows - tile * kTileRows, n_tokens, out + tile * kTileRows, out_stride);
    }
}

template <typename Rows>
constexpr BlockGemm legacy_gemm() {
    return {kPanelRows, act_group_bytes_q8_0, pack_act_q8_0<kVnniBias>, panel_bytes, pack_panel<Rows>, multiply};
}

}  // namespace

BlockGemm avx512_gemm_q4_0() noexcept {
    BlockGemm g = legacy_gemm<Q4_0Rows>();
    g.few = avx512_few_q4_0();
    return g;
}
BlockGemm avx512_gemm_q8_0() noexcept { return legacy_gemm<Q8_0Rows>(); }

}  // namespace hearth::kernels::x86
