// Chooses between the NEON GEMM variants (block_gemm_neon.hpp). Plain code: it only asks the
// kernel what the CPU can run before handing out smmla code.
#include "kernels/arm/neon/block_gemm_neon.hpp"

#if defined(__linux__)
#include <sys/auxv.h>
#endif

namespace hearth::kernels::neon {

bool i8mm_usable() noexcept {
#if defined(__linux__) && defined(HWCAP2_I8MM)
    static const bool usable = (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
    return usable;
#else
    return false;  // no portable way to ask: stay with sdot
#endif
}

BlockGemm block_gemm(GgmlType t, GemmVariant v) noexcept {
    if (v == GemmVariant::sdot) return sdot_block_gemm(t);
    return i8mm_usable() ? smmla_block_gemm(t) : BlockGemm{};
}

BlockGemm best_block_gemm(GgmlType t) noexcept {
    return block_gemm(t, i8mm_usable() ? GemmVariant::smmla : GemmVariant::sdot);
}

}  // namespace hearth::kernels::neon
