// Scalar attention over the F16 cache (see attention.hpp for the rounding points).
#include "ops/attention.hpp"

#include "kernels/ref/f16.hpp"
#include "ops/elementwise.hpp"

namespace hearth::ops {

float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) noexcept {
    // 8 independent partial sums, reduced pairwise: the shape a SIMD version will have, fixed
    // here so results never depend on how the loop is vectorized.
    float acc[8] = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; ++j) acc[j] += kernels::fp16_to_fp32(a[i + j]) * kernels::fp16_to_fp32(b[i + j]);
    for (size_t j = 0; i < n; ++i, ++j) acc[j] += kernels::fp16_to_fp32(a[i]) * kernels::fp16_to_fp32(b[i]);
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void attend_head(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                 const AttentionScratch& s, float* out) noexcept {
    for (size_t d = 0; d < head_dim; ++d) s.q[d] = kernels::fp32_to_fp16(q[d]);
    for (size_t p = 0; p < n_kv; ++p) s.scores[p] = dot_f16(kv.k + p * kv.k_stride, s.q, head_dim);
    softmax(s.scores, n_kv, scale);
    for (size_t p = 0; p < n_kv; ++p) s.probs[p] = kernels::fp32_to_fp16(s.scores[p]);
    for (size_t d = 0; d < head_dim; ++d) out[d] = dot_f16(kv.v_t + d * kv.v_stride, s.probs, n_kv);
}

}  // namespace hearth::ops
