// The x86 kernel list both levels compile from the same bodies: -mavx2 gives the maddubs path,
// the AVX-512 build turns dot_u8s8 into VNNI vpdpbusd (see x86_common.hpp).
#pragma once

#include "kernels/simd_kernels.hpp"
#include "kernels/x86/act_quant_x86.hpp"
#include "kernels/x86/float_types_x86.hpp"
#include "kernels/x86/k_quants_x86.hpp"
#include "kernels/x86/legacy_quants_x86.hpp"

namespace hearth::kernels::x86 {
namespace {

constexpr SimdOverride kOverrides[] = {
    {GgmlType::f32, nullptr, dot_f32, nullptr},
    {GgmlType::f16, quantize_row_f16, dot_f16, nullptr},
    {GgmlType::bf16, nullptr, dot_bf16, nullptr},
    {GgmlType::q4_0, quantize_row_q8_0, dot_q4_0_q8_0, nullptr},
    {GgmlType::q4_1, quantize_row_q8_1, dot_q4_1_q8_1, nullptr},
    {GgmlType::q5_0, quantize_row_q8_0, dot_q5_0_q8_0, nullptr},
    {GgmlType::q5_1, quantize_row_q8_1, dot_q5_1_q8_1, nullptr},
    {GgmlType::q8_0, quantize_row_q8_0, dot_q8_0_q8_0, nullptr},
    {GgmlType::q2_k, quantize_row_q8_K, nullptr, nullptr},
    {GgmlType::q3_k, quantize_row_q8_K, nullptr, nullptr},
    {GgmlType::q4_k, quantize_row_q8_K, dot_q4_K_q8_K, nullptr},
    {GgmlType::q5_k, quantize_row_q8_K, dot_q5_K_q8_K, nullptr},
    {GgmlType::q6_k, quantize_row_q8_K, dot_q6_K_q8_K, nullptr},
};

}  // namespace
}  // namespace hearth::kernels::x86
