// The AVX-512 level (F/BW/VL/DQ + VNNI): the shared x86 kernel bodies, where every unsigned x
// signed byte dot product becomes one 256-bit vpdpbusd. 512-bit bodies were tried for Q4_0,
// Q8_0, Q4_K and Q6_K and measured 5-20% slower on the Xeon here (512-bit ops issue on two
// ports instead of three, and joining halves costs port-5 shuffles), so they are not used.
#include "kernels/x86/x86_overrides.hpp"

namespace hearth::kernels {

std::span<const SimdOverride> avx512_overrides() noexcept { return x86::kOverrides<4, 4, 2, 4>; }

}  // namespace hearth::kernels
