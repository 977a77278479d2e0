// The AVX-512 level (F/BW/VL/DQ + VNNI): the shared x86 kernel bodies, where every unsigned x
// signed byte dot product becomes one vpdpbusd.
#include "kernels/x86/x86_overrides.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> avx512_overrides() noexcept { return x86::kOverrides; }

}  // namespace hearth::kernels
