// Sampler: the chain penalties -> top-k -> top-p -> min-p -> temperature -> draw.
// That is llama.cpp's common default order (common_params_sampling::samplers: penalties, dry,
// top_n_sigma, top_k, typical_p, top_p, min_p, xtc, temperature) without the samplers hearth
// does not implement. Temperature <= 0 short-cuts to greedy: argmax of the penalised logits.
#include "hearth/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "sample/filters.hpp"

namespace hearth {
namespace {

void require(bool ok, const std::string& what) {
    if (!ok) throw Error(ErrorCode::invalid_argument, "sampler: " + what);
}

void validate(const SamplerOptions& o, size_t n_vocab) {
    require(n_vocab > 0 && n_vocab <= static_cast<size_t>(INT32_MAX), "n_vocab must be in [1, 2^31)");
    require(std::isfinite(o.temperature), "temperature must be finite");
    require(!std::isnan(o.top_p), "top_p must not be NaN");
    require(!std::isnan(o.min_p), "min_p must not be NaN");
    require(std::isfinite(o.repeat_penalty) && o.repeat_penalty > 0.0f, "repeat_penalty must be > 0");
    require(std::isfinite(o.frequency_penalty), "frequency_penalty must be finite");
    require(std::isfinite(o.presence_penalty), "presence_penalty must be finite");
    require(o.penalty_last_n >= 0 && o.penalty_last_n <= (1 << 20), "penalty_last_n must be in [0, 2^20]");
}

// Uniform double in [0, 1) from the top 53 bits: the mapping is ours, so it is the same
// everywhere (std::uniform_real_distribution's is implementation-defined).
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

Sampler::Sampler(const SamplerOptions& options, size_t n_vocab) : options_(options), n_vocab_(n_vocab) {
    validate(options_, n_vocab);
    rng_.seed(options_.seed);
    recent_.resize(static_cast<size_t>(options_.penalty_last_n));
    window_.resize(recent_.size());
    work_.resize(n_vocab);
    ids_.resize(n_vocab);
    weights_.resize(n_vocab);
}

void Sampler::accept(TokenId id) {
    if (id < 0 || static_cast<size_t>(id) >= n_vocab_)
        throw Error(ErrorCode::invalid_argument, fmt::format("sampler: accepted token {} outside vocabulary of {}", id, n_vocab_));
    if (recent_.empty()) return;
    recent_[recent_pos_] = id;
    recent_pos_ = (recent_pos_ + 1) % recent_.size();
    recent_count_ = std::min(recent_count_ + 1, recent_.size());
}

void Sampler::reset() {
    recent_pos_ = recent_count_ = 0;
    rng_.seed(options_.seed);
}

TokenId Sampler::sample(std::span<const float> logits) {
    if (logits.size() != n_vocab_)
        throw Error(ErrorCode::invalid_argument, fmt::format("sampler: got {} logits for a vocabulary of {}", logits.size(), n_vocab_));

    const SamplerOptions& o = options_;
    sample::sanitize_logits(logits, work_);

    const bool penalise = o.repeat_penalty != 1.0f || o.frequency_penalty != 0.0f || o.presence_penalty != 0.0f;
    if (penalise && recent_count_ > 0) {
        // Window order does not matter to the counts; sorting a copy groups repeats.
        std::copy_n(recent_.begin(), recent_count_, window_.begin());
        std::sort(window_.begin(), window_.begin() + static_cast<ptrdiff_t>(recent_count_));
        sample::apply_penalties(work_, std::span(window_).first(recent_count_), o.repeat_penalty, o.frequency_penalty,
                                o.presence_penalty);
    }

    if (o.temperature <= 0.0f) return sample::argmax(work_);

    std::iota(ids_.begin(), ids_.end(), TokenId{0});
    sample::Candidates c{work_, ids_, n_vocab_, 0, weights_};
    if (o.top_k > 0) sample::top_k(c, static_cast<size_t>(o.top_k));
    sample::top_p(c, o.top_p);
    sample::min_p(c, o.min_p);
    return sample::draw(c, o.temperature, uniform01(rng_));
}

}  // namespace hearth
