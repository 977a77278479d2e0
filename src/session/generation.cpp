// Generation: one sampled token per step, and the rules that end a generation (generation.hpp).
#include "hearth/generation.hpp"

#include <algorithm>
#include <limits>

#include "grammar/constraint.hpp"
#include "model/model_impl.hpp"

namespace hearth {

Generation::Generation(const Model& model, const GenerateOptions& options, std::span<const TokenId> prompt)
    : tokenizer_(&model.tokenizer()),
      max_tokens_(options.max_tokens),
      sampler_(options.sampling, model.config().n_vocab),
      decoder_(model.tokenizer()),
      filter_(options.stop) {
    for (TokenId id : prompt) sampler_.accept(id);
    tokens_.reserve(std::min<size_t>(max_tokens_, 4096));
    done_ = max_tokens_ == 0;
    if (options.grammar) {
        constraint_ = std::make_unique<grammar::Constraint>(*options.grammar, ModelInternals::of(model).token_trie());
        masked_.resize(model.config().n_vocab);
    }
}

Generation::Generation(Generation&&) noexcept = default;
Generation& Generation::operator=(Generation&&) noexcept = default;
Generation::~Generation() = default;

// With a grammar, the sampler's pick is checked first (one token's bytes: cheap); only when the
// grammar refuses it are all the tokens it allows found and the pick made again among them, as
// llama.cpp does. Greedy decoding therefore takes the most likely allowed token.
TokenId Generation::sample(std::span<const float> logits) {
    const TokenId id = sampler_.sample(logits);
    if (!constraint_ || constraint_->allows(id)) return id;
    const std::vector<TokenId>& allowed = constraint_->allowed();
    if (allowed.empty())
        throw Error(ErrorCode::invalid_argument, "the grammar allows no token of this model's vocabulary after: " + filter_.text());
    std::fill(masked_.begin(), masked_.end(), -std::numeric_limits<float>::infinity());
    for (TokenId a : allowed) masked_[static_cast<size_t>(a)] = logits[static_cast<size_t>(a)];
    return sampler_.sample(masked_);
}

GenerationStep Generation::step(std::span<const float> logits, bool room) {
    GenerationStep out;
    out.done = true;
    if (done_) return out;
    if (constraint_ && constraint_->must_end()) {  // the grammar is complete and allows nothing more
        out.text = finish(StopReason::end_of_generation);
        out.id = tokens_.empty() ? -1 : tokens_.back();
        return out;
    }
    const TokenId id = sample(logits);
    sampler_.accept(id);
    if (constraint_) constraint_->accept(id);
    if (tokenizer_->is_end_of_generation(id)) {
        out.text = finish(StopReason::end_of_generation);
        out.id = tokens_.empty() ? -1 : tokens_.back();
        return out;
    }
    tokens_.push_back(id);
    out.id = id;
    out.text = filter_.push(decoder_.push(id));
    if (filter_.stopped()) {
        finish(StopReason::stop_string);
    } else if (tokens_.size() == max_tokens_) {
        out.text += finish(StopReason::max_tokens);
    } else if (!room) {
        out.text += finish(StopReason::context_full);
    } else {
        out.done = false;
    }
    return out;
}

std::string Generation::finish(StopReason reason) {
    done_ = true;
    reason_ = reason;
    if (filter_.stopped()) return {};
    return filter_.push(decoder_.flush()) + filter_.flush();
}

void Generation::stop(StopReason reason) noexcept {
    if (done_) return;
    done_ = true;
    reason_ = reason;
}

GenerateResult Generation::result() const {
    GenerateResult r;
    r.text = filter_.text();
    r.tokens = tokens_;
    r.stop_reason = reason_;
    return r;
}

}  // namespace hearth
