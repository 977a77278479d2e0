// Choosing the next token from logits: penalties, then top-k / top-p / min-p filtering,
// temperature and a seeded draw; temperature 0 is greedy (argmax, lowest id on ties).
// A Sampler holds its RNG and the recent-token window; one per Session, not thread-safe.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "hearth/tokenizer.hpp"

namespace hearth {

struct SamplerOptions {
    float temperature = 0.8f;       // 0 = greedy
    int32_t top_k = 40;             // 0 = off
    float top_p = 0.95f;            // 1 = off
    float min_p = 0.05f;            // 0 = off
    float repeat_penalty = 1.0f;    // 1 = off (llama.cpp's rule: divide positive logits, multiply negative)
    float frequency_penalty = 0.0f; // subtract count * value
    float presence_penalty = 0.0f;  // subtract value once if present
    int32_t penalty_last_n = 64;    // window of recent tokens the penalties look at
    uint64_t seed = 0;              // same seed + same logits = same tokens
};

class Sampler {
public:
    explicit Sampler(const SamplerOptions& options, size_t n_vocab);
    // Picks a token from logits (n_vocab values). Allocates nothing after construction.
    TokenId sample(std::span<const float> logits);
    // Records a token (prompt or generated) in the penalty window.
    void accept(TokenId id);
    void reset();  // forget the window and reseed
    const SamplerOptions& options() const noexcept { return options_; }

private:
    SamplerOptions options_;
    size_t n_vocab_ = 0;
    std::mt19937_64 rng_;                // its output sequence is fixed by the standard (portable)
    std::vector<TokenId> recent_;        // ring buffer of the last penalty_last_n tokens
    size_t recent_pos_ = 0, recent_count_ = 0;
    std::vector<TokenId> window_;        // sorted copy of recent_ for counting repeats, preallocated
    std::vector<float> work_;            // penalised logits by token id, preallocated
    std::vector<TokenId> ids_;           // candidate ids, preallocated
    std::vector<float> weights_;         // softmax numerators by token id, preallocated
};

}  // namespace hearth
