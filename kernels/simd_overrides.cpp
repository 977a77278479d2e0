// Collects the per-level override lists. Each SIMD directory contributes a function defined in
// its own translation unit; builds without that directory (another CPU family) get an empty list.
#include "kernels/simd_kernels.hpp"

namespace hearth::kernels {

#if defined(HEARTH_HAVE_X86_KERNELS)
std::span<const SimdOverride> avx2_overrides() noexcept;
std::span<const SimdOverride> avx512_overrides() noexcept;
#endif
#if defined(HEARTH_HAVE_AVXVNNI_KERNELS)
std::span<const SimdOverride> avxvnni_overrides() noexcept;
#endif
#if defined(HEARTH_HAVE_AMX_KERNELS)
std::span<const SimdOverride> amx_overrides() noexcept;
#endif
#if defined(HEARTH_HAVE_NEON_KERNELS)
std::span<const SimdOverride> neon_overrides() noexcept;
#endif

std::span<const SimdOverride> simd_overrides(Isa isa) noexcept {
    switch (isa) {
#if defined(HEARTH_HAVE_X86_KERNELS)
        case Isa::avx2: return avx2_overrides();
        case Isa::avx512: return avx512_overrides();
#endif
#if defined(HEARTH_HAVE_AVXVNNI_KERNELS)
        case Isa::avxvnni: return avxvnni_overrides();
#endif
#if defined(HEARTH_HAVE_AMX_KERNELS)
        case Isa::amx: return amx_overrides();
#endif
#if defined(HEARTH_HAVE_NEON_KERNELS)
        case Isa::neon: return neon_overrides();
#endif
        default: break;
    }
    return {};
}

}  // namespace hearth::kernels
