// The AVX2 (+FMA, F16C) level: the shared x86 kernel bodies compiled with -mavx2 -mfma -mf16c.
#include "kernels/x86/x86_overrides.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> avx2_overrides() noexcept { return x86::kOverrides<4, 2, 2, 2>; }

}  // namespace hearth::kernels
