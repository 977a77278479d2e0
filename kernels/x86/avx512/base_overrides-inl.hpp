// The override list the AVX-512 and AMX levels start from: the shared x86 kernel bodies with the
// AVX-512 tile shapes (32 vector registers) and the 512-bit VNNI block GEMMs. avx512/overrides.cpp
// adds the 512-bit vec_dot tiles, amx/overrides.cpp the AMX GEMMs. Only for translation units
// built with the AVX-512 flags.
#pragma once

#include <array>

#include "kernels/x86/block_gemm_x86.hpp"
#include "kernels/x86/overrides-inl.hpp"

namespace hearth::kernels::x86 {
namespace {

inline auto avx512_base_overrides() {
    auto l = std::to_array(kOverrides<4, 4, 2, 4>);
    for (SimdOverride& o : l) {
        if (o.type == GgmlType::q4_0) o.gemm = avx512_gemm_q4_0();
        if (o.type == GgmlType::q8_0) o.gemm = avx512_gemm_q8_0();
        if (o.type == GgmlType::q4_k) o.gemm = avx512_gemm_q4_k();
        if (o.type == GgmlType::q5_k) o.gemm = avx512_gemm_q5_k();
        if (o.type == GgmlType::q6_k) o.gemm = avx512_gemm_q6_k();
    }
    return l;
}

}  // namespace
}  // namespace hearth::kernels::x86
