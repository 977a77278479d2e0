// The x86 kernel list both levels compile from the same bodies: -mavx2 gives the maddubs path,
// the AVX-512 build turns dot_u8s8 into VNNI vpdpbusd (see common-inl.hpp). Each level picks
// its tile shapes (AVX2 has 16 vector registers, AVX-512VL 32).
#pragma once

#include "kernels/simd_kernels.hpp"
#include "kernels/x86/act_quant-inl.hpp"
#include "kernels/x86/float_types-inl.hpp"
#include "kernels/x86/ggml_k_orders-inl.hpp"
#include "kernels/x86/k_quants-inl.hpp"
#include "kernels/x86/legacy_quants-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

// Tile shapes: R x T for batches, kRows x 1 (legacy) / kRowsK x 1 (K-quants) for single tokens.
constexpr size_t kRows = 4;
constexpr size_t kRowsK = 2;

template <typename F, size_t R, size_t T>
constexpr SimdOverride legacy_entry(GgmlType type, void (*quantize)(const float*, std::byte*, size_t) noexcept) {
    return {type, quantize, dot_legacy<F>, nullptr,
            {tile_legacy<F, R, T>, R, T, tile_legacy<F, kRows, 1>, kRows, T > 2 ? tile_legacy<F, R, 2> : nullptr}};
}

template <template <size_t, size_t> class K, size_t R, size_t T>
constexpr SimdOverride k_entry(GgmlType type, GgmlOrderDots ggml = {}) {
    return {type, quantize_row_q8_K, dot_from_tile<K<1, 1>::tile>, nullptr,
            {K<R, T>::tile, R, T, K<kRowsK, 1>::tile, kRowsK, T > 2 ? K<R, 2>::tile : nullptr}, {}, ggml};
}

template <size_t RL, size_t TL, size_t RK, size_t TK>
constexpr SimdOverride kOverrides[] = {
    {GgmlType::f32, nullptr, dot_f32, nullptr},
    {GgmlType::f16, quantize_row_f16, dot_f16, nullptr},
    {GgmlType::bf16, nullptr, dot_bf16, nullptr},
    legacy_entry<Q4_0Format, RL, TL>(GgmlType::q4_0, quantize_row_q8_0),
    legacy_entry<Q4_1Format, RL, TL>(GgmlType::q4_1, quantize_row_q8_1),
    legacy_entry<Q5_0Format, RL, TL>(GgmlType::q5_0, quantize_row_q8_0),
    legacy_entry<Q5_1Format, RL, TL>(GgmlType::q5_1, quantize_row_q8_1),
    legacy_entry<Q8_0Format, RL, TL>(GgmlType::q8_0, quantize_row_q8_0),
    k_entry<Q2_KTile, RK, TK>(GgmlType::q2_k),
    k_entry<Q3_KTile, RK, TK>(GgmlType::q3_k),
    k_entry<Q4_KTile, RK, TK>(GgmlType::q4_k, kGgmlQ4_K),
    k_entry<Q5_KTile, RK, TK>(GgmlType::q5_k),
    k_entry<Q6_KTile, RK, TK>(GgmlType::q6_k, kGgmlQ6_K),
};

}  // namespace
}  // namespace hearth::kernels::x86
