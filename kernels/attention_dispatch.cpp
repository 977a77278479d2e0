// The attention row for each ISA (kernels/attention_kernels.hpp), chosen like the matmul table.
#include "kernels/attention_kernels.hpp"
#include "kernels/ref/attention_ref.hpp"

namespace hearth::kernels {

// Chosen once, like the matmul table: HEARTH_ISA=ref selects the scalar row.
const AttentionKernels& active_attention_kernels() noexcept {
    static const AttentionKernels* const row = attention_kernels(active_isa());
    return row != nullptr ? *row : ref::attention_row();
}

const AttentionKernels* attention_kernels(Isa isa) noexcept {
    if (!isa_supported(isa)) return nullptr;
    switch (isa) {
        case Isa::ref: return &ref::attention_row();
#if defined(HEARTH_HAVE_X86_KERNELS)
        case Isa::avx2:
        case Isa::avxvnni: return &attention_kernels_avx2();  // no integer dot products in attention
        case Isa::avx512:
        case Isa::amx: return &attention_kernels_avx512();  // amx differs from avx512 only in GEMMs
#endif
#if defined(HEARTH_HAVE_NEON_KERNELS)
        case Isa::neon: return &attention_kernels_neon();
#endif
        default: return nullptr;
    }
}

}  // namespace hearth::kernels
