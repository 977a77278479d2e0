// Pieces both AVX-512 block GEMMs (legacy and K-quant) share: the register tile's shape, the
// packing of a q8 activation row's bytes into token lanes, and the scattered store of a tile.
// Only for translation units built with the AVX-512 flags.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/kernels.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr size_t kTileRows = 8;    // accumulators per register tile (8 + 8 activation vectors + temporaries)
constexpr size_t kPanelRows = 32;  // rows repacked per panel: 4 register tiles

// 32 activation bytes, biased by +128 (vpdpbusd multiplies unsigned by signed), into token lane
// l of 8 consecutive 64-byte lane vectors: byte 4k+j lands at dst[k][l][j].
inline void scatter_act_bytes(const int8_t* src, uint8_t (*dst)[kGemmTokens][4], size_t l) {
    const __m256i dword_offsets = _mm256_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112);
    const __m256i q = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)), _mm256_set1_epi8(char(0x80)));
    _mm256_i32scatter_epi32(reinterpret_cast<int*>(&dst[0][l][0]), dword_offsets, q, 4);
}

// Padding tokens: activation 0 (+128), in the same 8 lane vectors.
inline void clear_act_bytes(uint8_t (*dst)[kGemmTokens][4], size_t l) {
    for (size_t k = 0; k < 8; ++k) std::memset(dst[k][l], 0x80, 4);
}

inline int32_t load_i32(const void* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// out[l * out_stride + i] = c[i] lane l, for rows i < n_rows and tokens l < n_tokens.
inline void store_tile(const __m512 (&c)[kTileRows], size_t n_rows, size_t n_tokens, float* out, size_t out_stride) {
    const __m512i token_offsets = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(int(out_stride)));
    const __mmask16 tokens = __mmask16((1u << std::min(n_tokens, kGemmTokens)) - 1);
    for (size_t i = 0; i < std::min(kTileRows, n_rows); ++i)
        _mm512_mask_i32scatter_ps(out + i, tokens, token_offsets, c[i], 4);
}

}  // namespace
}  // namespace hearth::kernels::x86
