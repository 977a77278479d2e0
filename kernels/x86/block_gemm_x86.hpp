// The x86 block-integer GEMMs (kernels.hpp, BlockGemm), defined in the avx512/ translation units.
// No intrinsics here: the override lists include it.
#pragma once

#include "kernels/kernels.hpp"

namespace hearth::kernels::x86 {

BlockGemm avx512_gemm_q4_0() noexcept;
BlockGemm avx512_gemm_q8_0() noexcept;
BlockGemm avx512_gemm_q4_k() noexcept;
BlockGemm avx512_gemm_q5_k() noexcept;
BlockGemm avx512_gemm_q6_k() noexcept;
FewTokenGemm avx512_few_q4_0() noexcept;  // the few-token companion of Q4_0's GEMMs

// In builds whose compiler has -mamx-tile/-mamx-int8 (HEARTH_HAVE_AMX_KERNELS). amx_usable()
// checks the CPU and asks Linux for the tile state; the GEMMs may run only after it said yes.
BlockGemm amx_gemm_q4_0() noexcept;
BlockGemm amx_gemm_q8_0() noexcept;
BlockGemm amx_gemm_q4_k() noexcept;
bool amx_usable() noexcept;

}  // namespace hearth::kernels::x86
