// Block-integer GEMM (kernels.hpp, BlockGemm) for Q4_K on Intel AMX. The sub-block scales are
// folded into the weights, so a whole super-block is 4 full-width (K = 64) tdpbssd per tile:
// each 6-bit scale is split as sc = 8 * hi + lo (hi, lo <= 7) and the panel holds q * lo and
// q * hi (<= 105: signed bytes); then S = 8 * C_hi + C_lo = sum over sub-blocks of sc * dot is
// the spec's exact integer (ref::block_gemm_k), and the float steps are the VNNI path's. Against
// one tdpbssd per 32-element sub-block plus an integer multiply per row and sub-block, this
// halves the tile work and removes most of the AVX-512 epilogue. (Q6_K's signed 8-bit scales
// do not split into byte-sized products; it stays on VNNI.)
#include "kernels/x86/amx/amx_tiles-inl.hpp"
#include "kernels/x86/avx512/block_gemm_k_pack-inl.hpp"
#include "kernels/x86/block_gemm_x86.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kAmxRows = 16;
constexpr size_t kChunk = 64;  // K bytes per tdpbssd

struct AmxPanelQ4_K {
    int8_t w_lo[kAmxRows][kQKK];  // q * (scale & 7)
    int8_t w_hi[kAmxRows][kQKK];  // q * (scale >> 3)
    int32_t min_pairs[kAmxRows][kMinPairs];
    float d[kAmxRows];
    float dmin[kAmxRows];
};

size_t panel_bytes(size_t n) { return kPanelRows / kAmxRows * (n / kQKK) * sizeof(AmxPanelQ4_K); }

void pack_panel(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    PanelK<1> row;  // one row of one super-block, unpacked as the VNNI path does
    fill_panel<AmxPanelQ4_K, kPanelRows, kAmxRows>(n / kQKK, n_rows, dst, [&](size_t r, size_t b, AmxPanelQ4_K& p, size_t i) {
        Q4_KRows::unpack(w + r * w_stride, b, row, 0);
        for (size_t j = 0; j < kQKK / kQK; ++j) {
            // q <= 15 and factor <= 7: byte products never carry into the next byte of a 16-bit
            // lane, so one 16-bit multiply scales 32 bytes.
            const __m256i q = load256(row.w[0] + kQK * j);
            const int sc = row.scale[0][j];
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w_lo[i] + kQK * j), _mm256_mullo_epi16(q, _mm256_set1_epi16(int16_t(sc & 7))));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w_hi[i] + kQK * j), _mm256_mullo_epi16(q, _mm256_set1_epi16(int16_t(sc >> 3))));
        }
        std::memcpy(p.min_pairs[i], row.min_pairs[0], sizeof p.min_pairs[i]);
        p.d[i] = row.d[0];
        p.dmin[i] = row.dmin[0];
    });
}

using TileSums = int32_t[kAmxRows][kGemmTokens];

// C_lo (tmm0) and C_hi (tmm1) of one super-block, stored to sums[0] and sums[1].
inline void super_block_tiles(const AmxPanelQ4_K& p, const ActGroupK& g, TileSums* sums) {
    _tile_zero(0);
    _tile_zero(1);
    for (size_t c = 0; c < kQKK / kChunk; ++c) {
        _tile_loadd(6, g.q[c * kChunk / 4], 64);
        _tile_loadd(4, p.w_lo[0] + c * kChunk, kQKK);
        _tile_dpbssd(0, 4, 6);
        _tile_loadd(5, p.w_hi[0] + c * kChunk, kQKK);
        _tile_dpbssd(1, 5, 6);
    }
    _tile_stored(0, sums[0], 64);
    _tile_stored(1, sums[1], 64);
}

inline void finish(const TileSums* sums, const AmxPanelQ4_K& p, const ActGroupK& g, __m512 (&c)[kAmxRows]) {
    __m512i s[kAmxRows];
    for (size_t m = 0; m < kAmxRows; ++m)
        s[m] = _mm512_add_epi32(_mm512_slli_epi32(_mm512_load_si512(sums[1][m]), 3), _mm512_load_si512(sums[0][m]));
    finish_super_block<Q4_KRows>(s, p, g, c);
}

void multiply(size_t n, const std::byte* panel_bytes_, size_t n_rows, const std::byte* group_bytes, size_t n_tokens,
              float* out, size_t out_stride) {
    amx::configure(kChunk);
    const auto* panel = reinterpret_cast<const AmxPanelQ4_K*>(panel_bytes_);
    const auto* group = reinterpret_cast<const ActGroupK*>(group_bytes);
    const size_t nb = n / kQKK;
    // Super-blocks are software-pipelined: the tiles of block b are computed and stored while the
    // epilogue reads block b-1's sums (reading a tile store right away stalls on forwarding).
    alignas(64) TileSums sums[2][2];
    for (size_t tile = 0; tile * kAmxRows < n_rows; ++tile) {
        const AmxPanelQ4_K* w = panel + tile * nb;
        __m512 c[kAmxRows];
        for (__m512& v : c) v = _mm512_setzero_ps();
        for (size_t b = 0; b < nb; ++b) {
            super_block_tiles(w[b], group[b], sums[b % 2]);
            if (b > 0) finish(sums[(b - 1) % 2], w[b - 1], group[b - 1], c);
        }
        if (nb > 0) finish(sums[(nb - 1) % 2], w[nb - 1], group[nb - 1], c);
        store_tile(c, n_rows - tile * kAmxRows, n_tokens, out + tile * kAmxRows, out_stride);
    }
}

}  // namespace

BlockGemm amx_gemm_q4_k() noexcept {
    return {kPanelRows, act_group_bytes_q8_K, pack_act_q8_K<kNoBias>, panel_bytes, pack_panel, multiply};
}

}  // namespace hearth::kernels::x86
