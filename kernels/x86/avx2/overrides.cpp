// The AVX2 (+FMA, F16C) level: the shared x86 kernel bodies compiled with -mavx2 -mfma -mf16c,
// and the 256-bit block GEMMs for prompt batches (block_gemm_ymm-inl.hpp).
#include <array>

#include "kernels/x86/block_gemm_ymm-inl.hpp"
#include "kernels/x86/x86_overrides.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> avx2_overrides() noexcept {
    static const auto list = [] {
        auto l = std::to_array(x86::kOverrides<4, 2, 2, 2>);
        x86::add_ymm_gemms(l);
        return l;
    }();
    return list;
}

}  // namespace hearth::kernels
