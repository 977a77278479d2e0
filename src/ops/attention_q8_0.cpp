// Online-softmax attention over Q8_0 keys and values (see attention_q8_0.hpp).
#include "ops/attention_q8_0.hpp"

#include <cmath>

#include "kernels/attention_kernels.hpp"
#include "kernels/kernels.hpp"

namespace hearth::ops {

void attend_head_q8_0(const float* q, const KvHeadViewQ8& kv, size_t n_kv, size_t head_dim, float scale,
                      const AttentionScratchQ8& s, float* out) noexcept {
    static const kernels::TypeKernels* q8 = kernels::type_kernels(GgmlType::q8_0);
    // The f32 accumulator updates, vectorized for the active ISA (same bits as the scalar loops).
    static const kernels::AttentionKernels* f32 = &kernels::active_attention_kernels();
    q8->quantize_act_row(q, s.q8, head_dim);
    for (size_t d = 0; d < head_dim; ++d) s.acc[d] = 0.0f;
    float max = -INFINITY;  // running maximum of the scores
    float sum = 0.0f;       // running sum of exp(score - max)
    for (size_t p = 0; p < n_kv; ++p) {
        const float score = q8->vec_dot(head_dim, kv.k + p * kv.stride, s.q8) * scale;
        float ms = 1.0f;  // rescale of what was accumulated so far
        float vs = 1.0f;  // weight of this position
        if (score > max) {
            ms = std::exp(max - score);
            max = score;
            f32->scale_f32(s.acc, ms, head_dim);
        } else {
            vs = std::exp(score - max);
        }
        q8->dequantize_row(kv.v + p * kv.stride, s.v, head_dim);
        f32->mad_f32(s.acc, s.v, vs, head_dim);
        sum = kernels::softmax_running_sum(sum, ms, vs);
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (size_t d = 0; d < head_dim; ++d) out[d] = s.acc[d] * inv;
}

}  // namespace hearth::ops
