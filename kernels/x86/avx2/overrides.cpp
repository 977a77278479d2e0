// The AVX2 (+FMA, F16C) kernel list: which reference kernels this level replaces.
#include "kernels/simd_kernels.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> avx2_overrides() noexcept { return {}; }

}  // namespace hearth::kernels
