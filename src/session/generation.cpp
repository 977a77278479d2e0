// Generation: one sampled token per step, and the rules that end a generation (generation.hpp).
#include "hearth/generation.hpp"

#include <algorithm>

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
}

GenerationStep Generation::step(std::span<const float> logits, bool room) {
    GenerationStep out;
    out.done = true;
    if (done_) return out;
    const TokenId id = sampler_.sample(logits);
    sampler_.accept(id);
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
