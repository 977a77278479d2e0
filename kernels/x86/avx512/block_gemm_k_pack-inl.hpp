// Packing for the K-quant block GEMMs (AVX-512 VNNI in block_gemm_k.cpp, AMX in
// ../amx/block_gemm_amx_k.cpp): q8_K activations into token lanes, Q4_K / Q5_K / Q6_K super-blocks
// unpacked to signed bytes with integer sub-block scales, Q4_K / Q5_K mins as int16 pairs.
#pragma once

#include <type_traits>

#include "kernels/x86/avx512/block_gemm_common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kMinPairs = 4;  // Q4_K's 8 mins as 4 int16 pairs (vpdpwssd)

struct ActGroupK {
    uint8_t q[kQKK / 4][kGemmTokens][4];  // activation + 128
    float d[kGemmTokens];
    int32_t sum_pairs[kMinPairs][kGemmTokens];  // int16 pair (sum of sub-block 2p, of 2p+1)
};
static_assert(sizeof(ActGroupK) == 4096 + 64 + 256);

// One super-block of R rows (a register tile for VNNI, an A tile for AMX).
template <size_t R>
struct PanelK {
    int8_t w[R][kQKK];
    int32_t scale[R][16];  // per sub-block (8 used by Q4_K)
    int32_t min_pairs[R][kMinPairs];
    float d[R];
    float dmin[R];
    int32_t bias[R];  // -128 * sum(scale * sub-block sum of w), for biased activations
};

inline size_t act_group_bytes_q8_K(size_t n) { return n / kQKK * sizeof(ActGroupK); }
template <size_t R>
size_t panel_bytes_k(size_t n) { return kPanelRows / R * (n / kQKK) * sizeof(PanelK<R>); }

template <uint8_t kBias>
void pack_act_q8_K(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) {
    auto* group = reinterpret_cast<ActGroupK*>(dst);
    const size_t nb = n / kQKK;
    for (size_t l = 0; l < kGemmTokens; ++l) {
        const auto* a = reinterpret_cast<const BlockQ8_K*>(act + l * act_stride);
        for (size_t b = 0; b < nb; ++b) {
            ActGroupK& g = group[b];
            for (size_t c = 0; c < kQKK / kQK; ++c) {
                if (l < n_tokens)
                    scatter_act_bytes(a[b].qs + c * kQK, g.q + c * 8, l, kBias);
                else
                    clear_act_bytes(g.q + c * 8, l, kBias);
            }
            g.d[l] = l < n_tokens ? a[b].d : 0.0f;
            for (size_t p = 0; p < kMinPairs; ++p) {
                const int16_t* s = l < n_tokens ? a[b].bsums + 4 * p : nullptr;
                g.sum_pairs[p][l] = s ? int16_pair(s[0] + s[1], s[2] + s[3]) : 0;
            }
        }
    }
}

// sum of the 32 signed bytes of v, per 16-byte half: {sum of bytes 0-15, sum of bytes 16-31}.
inline void half_sums(__m256i v, int32_t& lo, int32_t& hi) {
    const __m256i s = _mm256_sad_epu8(_mm256_xor_si256(v, _mm256_set1_epi8(char(0x80))), _mm256_setzero_si256());
    lo = _mm256_extract_epi32(s, 0) + _mm256_extract_epi32(s, 2) - 16 * 128;
    hi = _mm256_extract_epi32(s, 4) + _mm256_extract_epi32(s, 6) - 16 * 128;
}

// Row i of a tile from one super-block. Each writes values, scales, d/dmin and the bias.
// Q4_K, and with kFifthBit Q5_K (values 0..31 under the same scales and mins).
template <bool kFifthBit>
struct K4Rows {
    using Block = std::conditional_t<kFifthBit, BlockQ5_K, BlockQ4_K>;
    static constexpr size_t kSub = 32;
    static constexpr bool kMins = true;
    template <typename Panel>
    static void unpack(const std::byte* row, size_t b, Panel& p, size_t i) {
        const auto& blk = reinterpret_cast<const Block*>(row)[b];
        __m256i qh = _mm256_setzero_si256();
        if constexpr (kFifthBit) qh = load256(blk.qh);
        int32_t sums[8];
        for (size_t c = 0; c < 8; ++c) {  // sub-block c: low nibbles for even c
            const __m256i v = kFifthBit ? k5_values(blk.qs, qh, c) : k4_nibbles(blk.qs, c);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i] + 32 * c), v);
            int32_t lo, hi;
            half_sums(v, lo, hi);
            sums[c] = lo + hi;
        }
        int32_t bias = 0;
        uint8_t sc[8], m[8];
        for (size_t j = 0; j < 8; ++j) {
            k_scale_min(j, blk.scales, sc[j], m[j]);
            p.scale[i][j] = sc[j];
            bias += int32_t(sc[j]) * sums[j];
        }
        for (size_t q = 0; q < kMinPairs; ++q) p.min_pairs[i][q] = int16_pair(m[2 * q], m[2 * q + 1]);
        p.bias[i] = -128 * bias;
        p.d[i] = half_to_float(blk.d);
        p.dmin[i] = half_to_float(blk.dmin);
    }
};
using Q4_KRows = K4Rows<false>;
using Q5_KRows = K4Rows<true>;

struct Q6_KRows {
    static constexpr size_t kSub = 16;
    static constexpr bool kMins = false;
    template <typename Panel>
    static void unpack(const std::byte* row, size_t b, Panel& p, size_t i) {
        const auto& blk = reinterpret_cast<const BlockQ6_K*>(row)[b];
        int32_t bias = 0;
        for (size_t n = 0; n < 2; ++n) {  // 128 elements: four quarters share ql/qh bytes
            const __m256i qh = load256(blk.qh + 32 * n);
            for (size_t k = 0; k < 4; ++k) {
                const __m256i ql = load256(blk.ql + 64 * n + 32 * (k % 2));
                const __m256i low = _mm256_and_si256(_mm256_srli_epi16(ql, int(4 * (k / 2))), _mm256_set1_epi8(0x0F));
                const __m256i high = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, int(2 * k)), 4),
                                                      _mm256_set1_epi8(0x30));
                const __m256i w = _mm256_sub_epi8(_mm256_or_si256(low, high), _mm256_set1_epi8(32));
                const size_t e = 128 * n + 32 * k;
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.w[i] + e), w);
                int32_t s0, s1;
                half_sums(w, s0, s1);
                bias += int32_t(blk.scales[e / 16]) * s0 + int32_t(blk.scales[e / 16 + 1]) * s1;
            }
        }
        for (size_t g = 0; g < 16; ++g) p.scale[i][g] = blk.scales[g];
        for (size_t q = 0; q < kMinPairs; ++q) p.min_pairs[i][q] = 0;
        p.bias[i] = -128 * bias;
        p.d[i] = half_to_float(blk.d);
        p.dmin[i] = 0.0f;
    }
};

template <typename Rows, size_t R>
void pack_panel_k(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) {
    fill_panel<PanelK<R>, kPanelRows, R>(n / kQKK, n_rows, dst,
                             [&](size_t r, size_t b, PanelK<R>& p, size_t i) { Rows::unpack(w + r * w_stride, b, p, i); });
}

// c[i] += one super-block's contribution from its integer sums s[i]: fma(S, d * d_a, c), then for
// types with mins fma(-M, dmin * d_a, c) (fnmadd rounds -(M * x) + c once), as ref::block_gemm_k.
template <typename Rows, size_t R, typename Panel>
inline void finish_super_block(const __m512i (&s)[R], const Panel& p, const ActGroupK& g, __m512 (&c)[R]) {
    const __m512 da = _mm512_load_ps(g.d);
    for (size_t i = 0; i < R; ++i)
        c[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[i]), _mm512_mul_ps(da, _mm512_set1_ps(p.d[i])), c[i]);
    if constexpr (Rows::kMins) {
        __m512i sums[kMinPairs];
        for (size_t q = 0; q < kMinPairs; ++q) sums[q] = _mm512_load_si512(g.sum_pairs[q]);
        for (size_t i = 0; i < R; ++i) {
            __m512i m = _mm512_setzero_si512();
            for (size_t q = 0; q < kMinPairs; ++q) m = _mm512_dpwssd_epi32(m, sums[q], _mm512_set1_epi32(p.min_pairs[i][q]));
            c[i] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(m), _mm512_mul_ps(da, _mm512_set1_ps(p.dmin[i])), c[i]);
        }
    }
}

}  // namespace
}  // namespace hearth::kernels::x86
