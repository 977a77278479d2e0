// Perplexity and model-vs-model divergence on a text, defined as llama.cpp's llama-perplexity
// defines them so the numbers compare: the text is tokenized once with BOS, cut into chunks of
// n_ctx tokens, each chunk evaluated from an empty cache with its first token replaced by BOS, and
// only the second half of every chunk scored (each scored token has at least n_ctx/2 tokens of
// context). `hearth perplexity` and `hearth quantize --kl` both run these.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "hearth/hearth.hpp"

namespace hearth {

// The text's tokens and llama-perplexity's chunks of them.
class PerplexityChunks {
public:
    // Throws Error(invalid_argument) when n_ctx < 4 or the text is shorter than one chunk.
    // max_chunks 0 = all whole chunks.
    PerplexityChunks(const Tokenizer& tokenizer, std::string_view text, size_t n_ctx, size_t max_chunks = 0);

    size_t n_tokens() const noexcept { return tokens_.size(); }
    size_t n_ctx() const noexcept { return n_ctx_; }
    size_t n_chunks() const noexcept { return n_chunks_; }
    // Positions first_scored() .. n_ctx-2 of a chunk predict the token after them.
    size_t first_scored() const noexcept { return n_ctx_ / 2; }
    size_t scored_per_chunk() const noexcept { return n_ctx_ - 1 - first_scored(); }
    // The tokens evaluated for chunk c (its first one BOS when the vocabulary adds BOS).
    std::vector<TokenId> chunk(size_t c) const;
    // The token the logits at position j of chunk c are scored against.
    TokenId target(size_t c, size_t j) const noexcept { return tokens_[c * n_ctx_ + j + 1]; }

private:
    std::vector<TokenId> tokens_;
    size_t n_ctx_, n_chunks_;
    TokenId bos_;  // -1: chunks are evaluated as they are
};

// -log softmax(logits)[target] in nats, as llama.cpp forms it: exponentials of the float
// differences to the maximum summed in double.
double token_nll(std::span<const float> logits, TokenId target);
// KL(p_base || p_model) in nats of the two rows' softmax distributions, in double.
double kl_divergence(std::span<const float> base_logits, std::span<const float> logits);

// Running sums of per-token negative log-likelihoods.
struct NllStats {
    double sum = 0, sum_sq = 0;
    size_t count = 0;
    void add(double nll) noexcept;
    double mean() const noexcept;
    double ppl() const noexcept;        // exp(mean)
    double ppl_error() const noexcept;  // its standard error, as llama-perplexity reports it
};

// Scores every chunk; on_chunk is told after each one (chunk index, statistics so far).
NllStats perplexity(const Model& model, const SessionOptions& session, const PerplexityChunks& chunks,
                    const std::function<void(size_t chunk, const NllStats&)>& on_chunk = {});

// A model compared with a base model on the same positions.
struct DivergenceStats {
    NllStats base, model;
    std::vector<float> kl;   // KL(base || model) per scored position, in scoring order
    size_t same_top = 0;     // positions where both models' most likely token is the same
    double mean_kl() const noexcept;
    double kl_percentile(double fraction) const;  // linear interpolation between sorted values
    double top1_agreement() const noexcept;       // same_top / positions
    double ln_ppl_ratio() const noexcept { return model.mean() - base.mean(); }  // ln(PPL(model)/PPL(base))
};

// Evaluates both models chunk by chunk (one chunk of logits per model in memory). The chunks must
// come from the base model's tokenizer; throws Error(invalid_argument) when the two vocabularies
// differ (size or any token's text).
DivergenceStats compare_models(const Model& base, const Model& model, const SessionOptions& session,
                               const PerplexityChunks& chunks,
                               const std::function<void(size_t chunk, const DivergenceStats&)>& on_chunk = {});

}  // namespace hearth
