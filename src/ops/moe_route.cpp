// Softmax -> top-k -> renormalise, in ggml's rounding order (see moe_route.hpp).
#include "ops/moe_route.hpp"

#include <algorithm>
#include <array>

#include "ops/elementwise.hpp"

namespace hearth::ops {

void route_token(const float* logits, size_t n_expert, size_t n_used, bool normalize, float* probs, int32_t* experts,
                 float* weights) noexcept {
    softmax(logits, probs, n_expert);  // ggml_soft_max
    // ggml_argsort_top_k: indices by descending probability. n_used selection passes keep it
    // allocation-free; n_used is small (8 of 128 for Qwen3-30B-A3B).
    std::array<bool, kMaxExperts> taken{};
    for (size_t s = 0; s < n_used; ++s) {
        size_t best = n_expert;
        for (size_t e = 0; e < n_expert; ++e)
            if (!taken[e] && (best == n_expert || probs[e] > probs[best])) best = e;
        taken[best] = true;
        experts[s] = static_cast<int32_t>(best);
        weights[s] = probs[best];  // ggml_get_rows(probs, selected)
    }
    if (!normalize) return;
    double sum = 0.0;  // ggml_sum_rows accumulates in ggml_float
    for (size_t s = 0; s < n_used; ++s) sum += static_cast<double>(weights[s]);
    // build_moe_ffn clamps the sum to the smallest normal f16 before dividing.
    const float total = std::max(static_cast<float>(sum), 6.103515625e-5f);
    for (size_t s = 0; s < n_used; ++s) weights[s] /= total;  // ggml_div
}

}  // namespace hearth::ops
