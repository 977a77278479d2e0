// Block-integer GEMM (kernels.hpp, BlockGemm) for Q4_0 and Q8_0 weights on Intel AMX: one
// tdpbssd multiplies a 16-row x 32 weight tile by a block of 16 tokens (the activation group's
// lane layout is exactly AMX's B-tile layout), giving each output's exact integer block sum;
// AVX-512 then scales it into float accumulators as the spec does (out = fma(sumi, d_w * d_a,
// out)), so the bits equal the VNNI path's and ref::block_gemm's. Signed x signed bytes: no bias.
// The float epilogue (load, convert, scale, FMA per row: 4 uops per 256 products) is what limits
// this kernel, against ~11 uops per 512 products for vpdpbusd.
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernels/x86/amx/amx_tiles-inl.hpp"
#include "kernels/x86/avx512/block_gemm_common-inl.hpp"
#include "kernels/x86/block_gemm_x86.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kAmxRows = 16;  // rows of a weight tile (and of a C tile)

struct AmxPanelBlock {
    int8_t w[kAmxRows][kQK];  // A tile: 16 rows x 32 bytes
    float d[kAmxRows];
};
static_assert(sizeof(AmxPanelBlock) == 576);

size_t panel_bytes(size_t n) { return kPanelRows / kAmxRows * (n / kQK) * sizeof(AmxPanelBlock); }

template <typename Rows>
void pack_panel(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    fill_panel<AmxPanelBlock, kPanelRows, kAmxRows>(n / kQK, n_rows, dst, [&](size_t r, size_t b, AmxPanelBlock& p, size_t i) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i]), Rows::values(w + r * w_stride, b, p.d[i]));
    });
}

using BlockSums = int32_t[kAmxRows][kGemmTokens];

// c[m] lane l += exact block dot (row m, token l) * d_w[m] * d_a[l].
inline void scale_block(const BlockSums& sums, const AmxPanelBlock& p, const ActGroupBlock& g, __m512 (&c)[kAmxRows]) {
    const __m512 da = _mm512_load_ps(g.d);
    for (size_t m = 0; m < kAmxRows; ++m)
        c[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(sums[m])), _mm512_mul_ps(da, _mm512_set1_ps(p.d[m])), c[m]);
}

// Tile products of blocks b, b+1 into sums[0], sums[1].
inline void tile_pair(const AmxPanelBlock* w, const ActGroupBlock* g, size_t b, BlockSums* sums) {
    _tile_zero(0);
    _tile_loadd(4, w[b].w, kQK);
    _tile_loadd(6, g[b].q, 64);
    _tile_dpbssd(0, 4, 6);
    _tile_zero(1);
    _tile_loadd(5, w[b + 1].w, kQK);
    _tile_loadd(7, g[b + 1].q, 64);
    _tile_dpbssd(1, 5, 7);
    _tile_stored(0, sums[0], 64);
    _tile_stored(1, sums[1], 64);
}

void multiply(size_t n, const std::byte* panel_bytes_, size_t n_rows, const std::byte* group_bytes, size_t n_tokens,
              float* out, size_t out_stride) {
    amx::configure(kQK);
    const auto* panel = reinterpret_cast<const AmxPanelBlock*>(panel_bytes_);
    const auto* group = reinterpret_cast<const ActGroupBlock*>(group_bytes);
    const size_t nb = n / kQK;
    // Block pairs are software-pipelined: the tiles of pair i are computed and stored while the
    // float epilogue reads pair i-1's sums, which were stored a whole pair earlier (reading a
    // tile store right away stalls on store forwarding).
    alignas(64) BlockSums sums[2][2];
    for (size_t tile = 0; tile * kAmxRows < n_rows; ++tile) {
        const AmxPanelBlock* w = panel + tile * nb;
        __m512 c[kAmxRows];
        for (__m512& v : c) v = _mm512_setzero_ps();
        const size_t pairs = nb / 2;
        for (size_t i = 0; i < pairs; ++i) {
            tile_pair(w, group, 2 * i, sums[i % 2]);
            if (i > 0) {
                const size_t prev = 2 * (i - 1);
                scale_block(sums[(i - 1) % 2][0], w[prev], group[prev], c);
                scale_block(sums[(i - 1) % 2][1], w[prev + 1], group[prev + 1], c);
            }
        }
        if (pairs > 0) {
            const size_t prev = 2 * (pairs - 1);
            scale_block(sums[(pairs - 1) % 2][0], w[prev], group[prev], c);
            scale_block(sums[(pairs - 1) % 2][1], w[prev + 1], group[prev + 1], c);
        }
        if (nb % 2 != 0) {  // odd block count: the last block alone
            const size_t b = nb - 1;
            _tile_zero(0);
            _tile_loadd(4, w[b].w, kQK);
            _tile_loadd(6, group[b].q, 64);
            _tile_dpbssd(0, 4, 6);
            _tile_stored(0, sums[0][0], 64);
            scale_block(sums[0][0], w[b], group[b], c);
        }
        store_tile(c, n_rows - tile * kAmxRows, n_tokens, out + tile * kAmxRows, out_stride);
    }
}

template <typename Rows>
constexpr BlockGemm amx_gemm() {
    return {kPanelRows, act_group_bytes_q8_0, pack_act_q8_0<kNoBias>, panel_bytes, pack_panel<Rows>, multiply};
}

}  // namespace

BlockGemm amx_gemm_q4_0() noexcept {
    BlockGemm g = amx_gemm<Q4_0Rows>();
    g.few = avx512_few_q4_0();  // a few tokens fill too little of a tile: VNNI, weights as stored
    return g;
}
BlockGemm amx_gemm_q8_0() noexcept { return amx_gemm<Q8_0Rows>(); }

bool amx_usable() noexcept {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    const bool tile = (edx >> 24) & 1, int8 = (edx >> 25) & 1;
    if (!tile || !int8) return false;
    // Linux hands out the 8 KiB tile state only to processes that ask (ARCH_REQ_XCOMP_PERM for
    // XFEATURE_XTILEDATA); without it the first tile instruction faults.
    constexpr long kArchReqXcompPerm = 0x1023;
    constexpr long kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

}  // namespace hearth::kernels::x86
