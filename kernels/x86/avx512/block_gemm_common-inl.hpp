// Pieces the AVX-512 and AMX block GEMMs share: the register tile's shape, the packing of q8
// activation bytes into token lanes, and the scattered store of a tile. Only for translation
// units built with the AVX-512 flags.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/block_gemm_panel.hpp"
#include "kernels/kernels.hpp"
#include "kernels/ref/blocks.hpp"
#include "kernels/x86/common-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kTileRows = 8;    // accumulators per register tile (8 + 8 activation vectors + temporaries)
constexpr size_t kPanelRows = 32;  // rows repacked per panel: 4 register tiles

// Activation bytes as the GEMMs read them: kVnniBias (+128, as vpdpbusd multiplies unsigned by
// signed bytes) or kNoBias (AMX multiplies signed by signed).
constexpr uint8_t kVnniBias = 0x80;
constexpr uint8_t kNoBias = 0;

// 32 activation bytes, plus bias, into token lane l of 8 consecutive 64-byte lane vectors: byte
// 4k+j lands at dst[k][l][j].
inline void scatter_act_bytes(const int8_t* src, uint8_t (*dst)[kGemmTokens][4], size_t l, uint8_t bias) {
    const __m256i dword_offsets = _mm256_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112);
    const __m256i q = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)), _mm256_set1_epi8(char(bias)));
    _mm256_i32scatter_epi32(reinterpret_cast<int*>(&dst[0][l][0]), dword_offsets, q, 4);
}

// Padding tokens: activation 0 (plus bias), in the same 8 lane vectors.
inline void clear_act_bytes(uint8_t (*dst)[kGemmTokens][4], size_t l, uint8_t bias) {
    for (size_t k = 0; k < 8; ++k) std::memset(dst[k][l], bias, 4);
}

// One 32-element block of a group of kGemmTokens q8_0 activation rows.
struct ActGroupBlock {
    uint8_t q[kQK / 4][kGemmTokens][4];  // byte 4k+j of token l at q[k][l][j], plus the bias
    float d[kGemmTokens];
};
static_assert(sizeof(ActGroupBlock) == 576);

inline size_t act_group_bytes_q8_0(size_t n) { return n / kQK * sizeof(ActGroupBlock); }

template <uint8_t kBias>
void pack_act_q8_0(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) {
    auto* group = reinterpret_cast<ActGroupBlock*>(dst);
    const size_t nb = n / kQK;
    for (size_t l = 0; l < kGemmTokens; ++l) {
        const auto* a = reinterpret_cast<const BlockQ8_0*>(act + l * act_stride);
        for (size_t b = 0; b < nb; ++b) {
            if (l < n_tokens) {
                scatter_act_bytes(a[b].qs, group[b].q, l, kBias);
                group[b].d[l] = _cvtsh_ss(a[b].d);
            } else {  // padding: scale 0
                clear_act_bytes(group[b].q, l, kBias);
                group[b].d[l] = 0.0f;
            }
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

inline int32_t load_i32(const void* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Transposes 16 rows of 16 floats in registers: afterwards r[j] holds column j.
inline void transpose16(__m512 (&r)[16]) {
    __m512 t[16], u[16];
    for (size_t i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // u[4i + k], 128-bit chunk c: column 4c + k of rows 4i..4i+3.
    for (size_t i = 0; i < 4; ++i) {
        u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (size_t k = 0; k < 4; ++k) {
        const __m512 v0 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x88), v1 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xDD);
        const __m512 w0 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x88), w1 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xDD);
        r[k] = _mm512_shuffle_f32x4(v0, w0, 0x88);
        r[8 + k] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
        r[4 + k] = _mm512_shuffle_f32x4(v1, w1, 0x88);
        r[12 + k] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
    }
}

// out[l * out_stride + i] = c[i] lane l, for rows i < n_rows and tokens l < n_tokens: an
// in-register transpose, then one masked store of up to 16 rows per token (scattering 256
// single floats measured ~10% of an AMX GEMM at K = 2048).
template <size_t R>
inline void store_tile(const __m512 (&c)[R], size_t n_rows, size_t n_tokens, float* out, size_t out_stride) {
    static_assert(R <= 16);
    __m512 r[16];
    for (size_t i = 0; i < 16; ++i) r[i] = i < R ? c[i] : _mm512_setzero_ps();
    transpose16(r);
    const __mmask16 rows = __mmask16((1u << std::min(R, n_rows)) - 1);
    for (size_t l = 0; l < std::min(n_tokens, kGemmTokens); ++l) _mm512_mask_storeu_ps(out + l * out_stride, rows, r[l]);
}

}  // namespace
}  // namespace hearth::kernels::x86
