// ref::kernels_for: the scalar entry of each weight type, from which dispatch.cpp builds every
// level's table (kernels.hpp, kWeightTypes); every type of that list needs its entry here
// (KernelsRef.EveryWeightTypeHasAReferenceEntry).
#include "kernels/ref/ref_kernels.hpp"

namespace hearth::kernels::ref {

const TypeKernels* kernels_for(GgmlType t) noexcept {
    switch (t) {
        case GgmlType::f32: return &f32;
        case GgmlType::f16: return &f16;
        case GgmlType::bf16: return &bf16;
        case GgmlType::q4_0: return &q4_0;
        case GgmlType::q4_1: return &q4_1;
        case GgmlType::q5_0: return &q5_0;
        case GgmlType::q5_1: return &q5_1;
        case GgmlType::q8_0: return &q8_0;
        case GgmlType::q2_k: return &q2_k;
        case GgmlType::q3_k: return &q3_k;
        case GgmlType::q4_k: return &q4_k;
        case GgmlType::q5_k: return &q5_k;
        case GgmlType::q6_k: return &q6_k;
        default: return nullptr;
    }
}

}  // namespace hearth::kernels::ref
