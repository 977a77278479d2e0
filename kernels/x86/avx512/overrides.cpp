// The AVX-512 (F/BW/VL/DQ + VNNI) kernel list: which reference kernels this level replaces.
#include "kernels/simd_kernels.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> avx512_overrides() noexcept { return {}; }

}  // namespace hearth::kernels
