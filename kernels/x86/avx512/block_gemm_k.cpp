// Block-integer GEMM (kernels.hpp, BlockGemm) for Q4_K, Q5_K and Q6_K weights with q8_K activations,
// AVX-512 VNNI, one zmm lane per token as in block_gemm_legacy.cpp. Per super-block of 256 and
// row: S = sum over sub-blocks of scale * (integer dot), then out = fma(S, d * d_a, out), and for
// Q4_K and Q5_K also out = fma(-M, dmin * d_a, out) with M = sum of min * (sub-block sum of activations).
// The activations' +128 bias is cancelled by a per-row constant folded into S's start value:
// -128 * sum(scale * sub-block sum of weights).
#include "kernels/x86/avx512/block_gemm_k_pack-inl.hpp"
#include "kernels/x86/block_gemm_x86.hpp"
#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

template <typename Rows>
void tile_rows_x_group(size_t nb, const PanelK<kTileRows>* tile, const ActGroupK* group, __m512 (&c)[kTileRows]) {
    constexpr size_t kVecs = Rows::kSub / 4;  // lane vectors per sub-block
    for (size_t i = 0; i < kTileRows; ++i) c[i] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
        const ActGroupK& g = group[b];
        const PanelK<kTileRows>& p = tile[b];
        __m512i s[kTileRows];
        for (size_t i = 0; i < kTileRows; ++i) s[i] = _mm512_set1_epi32(p.bias[i]);
        for (size_t j = 0; j < kQKK / Rows::kSub; ++j) {
            __m512i a[kVecs];
            for (size_t k = 0; k < kVecs; ++k) a[k] = _mm512_load_si512(g.q[j * kVecs + k]);
            for (size_t i = 0; i < kTileRows; ++i) {
                __m512i dot = _mm512_setzero_si512();
                for (size_t k = 0; k < kVecs; ++k)
                    dot = _mm512_dpbusd_epi32(dot, a[k], _mm512_set1_epi32(load_i32(p.w[i] + Rows::kSub * j + 4 * k)));
                s[i] = _mm512_add_epi32(s[i], _mm512_mullo_epi32(dot, _mm512_set1_epi32(p.scale[i][j])));
            }
        }
        finish_super_block<Rows>(s, p, g, c);
    }
}

template <typename Rows>
void multiply(size_t n, const std::byte* panel_bytes_, size_t n_rows, const std::byte* group_bytes, size_t n_tokens,
              float* out, size_t out_stride) {
    const auto* panel = reinterpret_cast<const PanelK<kTileRows>*>(panel_bytes_);
    const auto* group = reinterpret_cast<const ActGroupK*>(group_bytes);
    const size_t nb = n / kQKK;
    for (size_t tile = 0; tile * kTileRows < n_rows; ++tile) {
        __m512 c[kTileRows];
        tile_rows_x_group<Rows>(nb, panel + tile * nb, group, c);
        store_tile(c, n_rows - tile * kTileRows, n_tokens, out + tile * kTileRows, out_stride);
    }
}

template <typename Rows>
constexpr BlockGemm k_gemm() {
    return {kPanelRows, act_group_bytes_q8_K, pack_act_q8_K<kVnniBias>, panel_bytes_k<kTileRows>, pack_panel_k<Rows, kTileRows>,
            multiply<Rows>};
}

}  // namespace

BlockGemm avx512_gemm_q4_k() noexcept { return k_gemm<Q4_KRows>(); }
BlockGemm avx512_gemm_q5_k() noexcept { return k_gemm<Q5_KRows>(); }
BlockGemm avx512_gemm_q6_k() noexcept { return k_gemm<Q6_KRows>(); }

}  // namespace hearth::kernels::x86
