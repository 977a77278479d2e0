// Block-integer GEMM (kernels.hpp, BlockGemm) for Q4_K on Intel AMX (Q6_K measured faster on
// VNNI, see avx512/overrides.cpp; the code takes any sub-block size): one tdpbssd per
// sub-block (32 elements for Q4_K, 16 for Q6_K) gives the exact integer dot of 16 rows x 16
// tokens; AVX-512 multiplies it by each row's sub-block scale into an integer sum per
// super-block, then applies d * d_a (and Q4_K's mins) in float exactly as the spec
// (ref::block_gemm_k) and the VNNI path do. Sub-blocks are software-pipelined in pairs, as in
// block_gemm_amx.cpp.
#include "kernels/x86/amx/amx_tiles.hpp"
#include "kernels/x86/avx512/block_gemm_k_pack.hpp"
#include "kernels/x86/block_gemm_x86.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kAmxRows = 16;
using Panel = PanelK<kAmxRows>;
using SubSums = int32_t[kAmxRows][kGemmTokens];

// s[m] += sums[m] * scale of sub-block j of row m.
inline void scale_sub(const SubSums& sums, const Panel& p, size_t j, __m512i (&s)[kAmxRows]) {
    for (size_t m = 0; m < kAmxRows; ++m)
        s[m] = _mm512_add_epi32(s[m], _mm512_mullo_epi32(_mm512_load_si512(sums[m]), _mm512_set1_epi32(p.scale[m][j])));
}

// Tile products of sub-blocks j, j+1 of one super-block into sums[0], sums[1].
template <size_t kSub>
inline void tile_pair(const Panel& p, const ActGroupK& g, size_t j, SubSums* sums) {
    constexpr size_t kVecs = kSub / 4;
    _tile_zero(0);
    _tile_loadd(4, p.w[0] + kSub * j, kQKK);
    _tile_loadd(6, g.q[kVecs * j], 64);
    _tile_dpbssd(0, 4, 6);
    _tile_zero(1);
    _tile_loadd(5, p.w[0] + kSub * (j + 1), kQKK);
    _tile_loadd(7, g.q[kVecs * (j + 1)], 64);
    _tile_dpbssd(1, 5, 7);
    _tile_stored(0, sums[0], 64);
    _tile_stored(1, sums[1], 64);
}

template <typename Rows>
void multiply(size_t n, const std::byte* panel_bytes_, size_t n_rows, const std::byte* group_bytes, size_t n_tokens,
              float* out, size_t out_stride) {
    constexpr size_t kSubs = kQKK / Rows::kSub;  // even: pairs never straddle super-blocks
    amx::configure(Rows::kSub);
    const auto* panel = reinterpret_cast<const Panel*>(panel_bytes_);
    const auto* group = reinterpret_cast<const ActGroupK*>(group_bytes);
    const size_t nb = n / kQKK;
    const size_t pairs = nb * kSubs / 2;
    alignas(64) SubSums sums[2][2];
    for (size_t tile = 0; tile * kAmxRows < n_rows; ++tile) {
        const Panel* w = panel + tile * nb;
        __m512 c[kAmxRows];
        __m512i s[kAmxRows];
        for (size_t m = 0; m < kAmxRows; ++m) c[m] = _mm512_setzero_ps(), s[m] = _mm512_setzero_si512();
        // Pair i covers sub-blocks 2i, 2i+1 of all super-blocks in order; its tiles are issued
        // one pair ahead of the integer scaling that reads them.
        auto scale_pair = [&](size_t i) {
            const size_t b = 2 * i / kSubs, j = 2 * i % kSubs;
            scale_sub(sums[i % 2][0], w[b], j, s);
            scale_sub(sums[i % 2][1], w[b], j + 1, s);
            if (j + 2 == kSubs) {
                finish_super_block<Rows>(s, w[b], group[b], c);
                for (__m512i& v : s) v = _mm512_setzero_si512();
            }
        };
        for (size_t i = 0; i < pairs; ++i) {
            tile_pair<Rows::kSub>(w[2 * i / kSubs], group[2 * i / kSubs], 2 * i % kSubs, sums[i % 2]);
            if (i > 0) scale_pair(i - 1);
        }
        if (pairs > 0) scale_pair(pairs - 1);
        store_tile(c, n_rows - tile * kAmxRows, n_tokens, out + tile * kAmxRows, out_stride);
    }
}

template <typename Rows>
constexpr BlockGemm amx_k_gemm() {
    return {kPanelRows, act_group_bytes_q8_K, pack_act_q8_K<kNoBias>, panel_bytes_k<kAmxRows>, pack_panel_k<Rows, kAmxRows>,
            multiply<Rows>};
}

}  // namespace

BlockGemm amx_gemm_q4_k() noexcept { return amx_k_gemm<Q4_KRows>(); }

}  // namespace hearth::kernels::x86
