// The AVX2 (+FMA, F16C) level: the shared x86 kernel bodies compiled with -mavx2 -mfma -mf16c,
// and the 256-bit block GEMMs for prompt batches (block_gemm_ymm-inl.hpp).
#include "kernels/x86/block_gemm_ymm-inl.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> avx2_overrides() noexcept {
    static const auto list = x86::ymm_level_overrides();
    return list;
}

}  // namespace hearth::kernels
