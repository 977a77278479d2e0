// The AMX level (Sapphire Rapids and later): the AVX-512 base list with the prompt GEMMs of Q4_0,
// Q8_0 and Q4_K on AMX tiles. It keeps the 256-bit vec_dot tiles, which measured faster than the
// 512-bit ones on the Xeon (see avx512/overrides.cpp), and so takes the 256-bit levels' kernels
// for single tokens over the decode layout, which give those tiles' bits (Q4_0's comes with its
// few-token GEMM). The CPU check is amx_usable().
#include "kernels/x86/avx512/base_overrides-inl.hpp"
#include "kernels/x86/one_token_tiles_ymm-inl.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> amx_overrides() noexcept {
    static const auto list = [] {
        auto l = x86::avx512_base_overrides();
        for (SimdOverride& o : l) {
            if (o.type == GgmlType::q4_0) o.gemm = x86::amx_gemm_q4_0();
            if (o.type == GgmlType::q8_0) o.gemm = x86::amx_gemm_q8_0();
            // Q6_K stays on VNNI: with 16-element sub-blocks the per-sub-block integer scaling
            // dominates and AMX measured ~10% slower (bench gemm128_prepacked/q6_K).
            if (o.type == GgmlType::q4_k) o.gemm = x86::amx_gemm_q4_k();
            if (auto tiled = x86::one_token_tiles_ymm(o.type)) o.gemm.few.one_tiled = tiled;
        }
        return l;
    }();
    return list;
}

}  // namespace hearth::kernels
