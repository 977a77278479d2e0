// Mixture-of-experts routing for one token: which experts it goes through and with what weight,
// decided exactly as llama.cpp's build_moe_ffn does for softmax gating (qwen3moe), so that the
// same experts are chosen and their outputs mixed with the same float weights.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::ops {

// The most experts a layer may have (llama.cpp's LLAMA_MAX_EXPERTS; real models have up to 384).
inline constexpr size_t kMaxExperts = 512;

// logits: [n_expert] router outputs, n_used <= n_expert <= kMaxExperts; probs: [n_expert] scratch (softmax of logits on return).
// experts: [n_used] the indices of the n_used largest probabilities, largest first (ties: the
// lower index first); weights: [n_used] their probabilities, divided by their sum when
// normalize (the sum accumulated in double and clamped below at 2^-14, as ggml_sum_rows and
// build_moe_ffn do). Never throws.
void route_token(const float* logits, size_t n_expert, size_t n_used, bool normalize, float* probs, int32_t* experts,
                 float* weights) noexcept;

}  // namespace hearth::ops
