// The sampler's steps as free functions over a candidate list, so each one can be tested alone.
// None of them allocates or throws: they work in buffers the Sampler preallocated.
#pragma once

#include <cstddef>
#include <span>

#include "hearth/tokenizer.hpp"

namespace hearth::sample {

// Candidate tokens for one draw. logits is indexed by token id (the whole vocabulary);
// ids[0, size) are the tokens still in play. Their order is always platform-independent:
// either ascending id (nothing sorted yet, sorted == 0) or the canonical order "logit
// descending, then id ascending" for the first `sorted` entries. Filters keep that invariant
// by only ever cutting the list to a fully sorted prefix or compacting it stably.
struct Candidates {
    std::span<const float> logits;
    std::span<TokenId> ids;
    size_t size = 0;
    size_t sorted = 0;
    std::span<float> weights;  // scratch indexed by token id (softmax numerators), same size as logits
};

// Copies logits into out with NaN -> -inf and +inf -> the largest float, so later softmax
// arithmetic never produces NaN.
void sanitize_logits(std::span<const float> in, std::span<float> out) noexcept;

// llama.cpp's penalties for the tokens in sorted_window (ascending ids, repeats adjacent):
// a positive logit is divided by repeat, a non-positive one multiplied; then
// count * frequency + presence is subtracted.
void apply_penalties(std::span<float> logits, std::span<const TokenId> sorted_window, float repeat, float frequency,
                     float presence) noexcept;

// Lowest id among the largest logits (the greedy choice).
TokenId argmax(std::span<const float> logits) noexcept;

// Puts the top m candidates (canonical order) into ids[0, m).
void sort_prefix(Candidates& c, size_t m) noexcept;

void top_k(Candidates& c, size_t k) noexcept;  // k == 0 or k >= size: no-op
void top_p(Candidates& c, float p) noexcept;   // smallest prefix with probability mass >= p; p >= 1: no-op
void min_p(Candidates& c, float p) noexcept;   // keep prob >= p * max prob; p <= 0: no-op

// Softmax of logit / temperature over the candidates (in list order) and the token whose
// cumulative probability first exceeds u * total; u in [0, 1).
TokenId draw(const Candidates& c, float temperature, double u) noexcept;

}  // namespace hearth::sample
