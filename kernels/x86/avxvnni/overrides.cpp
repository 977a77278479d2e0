// The AVX-VNNI level: the shared x86 kernel bodies compiled with -mavx2 -mavxvnni, where every
// unsigned x signed byte dot product is one VEX-encoded vpdpbusd instead of AVX2's
// vpmaddubsw + vpmaddwd + vpaddd (common-inl.hpp, dot_u8s8), in the vec_dot tiles and in the
// 256-bit block GEMMs (block_gemm_ymm-inl.hpp). Same tile shapes as AVX2: 16 ymm registers.
#include "kernels/x86/block_gemm_ymm-inl.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> avxvnni_overrides() noexcept {
    static const auto list = x86::ymm_level_overrides();
    return list;
}

}  // namespace hearth::kernels
