// Step-wise generation, hearth's one sampling loop: a Generation turns the logits of the last
// evaluated token into the next token and the text it adds, applying end-of-generation, stop
// strings, max_tokens and a full context. Session::generate drives one of them; a server drives
// one per request and evaluates all their tokens in one batch (batch.hpp).
//
//     Generation gen(model, options, prompt);          // after the prompt was evaluated
//     while (!gen.done()) {
//         GenerationStep s = gen.step(session.logits(), session.n_past() < session.n_ctx());
//         show(s.text);
//         if (!s.done) session.eval({&s.id, 1});
//     }
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hearth/hearth.hpp"
#include "hearth/stop_strings.hpp"

namespace hearth {

namespace grammar {
class Constraint;
}

struct GenerationStep {
    std::string text;   // new text to show: whole UTF-8 characters, stop strings held back and cut
    TokenId id = -1;    // the last generated token (not done: evaluate it, then step again)
    bool done = false;  // finished (see Generation::stop_reason); text then includes the held-back tail
};

// One generation's state: sampler, UTF-8 stream decoder, stop-string filter, generated tokens.
// Holds a reference to the Model's tokenizer. Not thread-safe.
class Generation {
public:
    // prompt: the tokens evaluated before the first step (they fill the sampler's penalty window).
    // Done at once when options.max_tokens is 0.
    Generation(const Model& model, const GenerateOptions& options, std::span<const TokenId> prompt);
    Generation(Generation&&) noexcept;
    Generation& operator=(Generation&&) noexcept;
    ~Generation();

    // Samples from logits ([n_vocab], of the last evaluated token). room: whether the context can
    // take one more token; without room a step that would need an eval ends with context_full.
    // After done, returns an empty done step.
    GenerationStep step(std::span<const float> logits, bool room);
    // Ends the generation now (e.g. StopReason::callback: the reader is gone); no further text.
    void stop(StopReason reason) noexcept;

    bool done() const noexcept { return done_; }
    StopReason stop_reason() const noexcept { return reason_; }
    const std::vector<TokenId>& tokens() const noexcept { return tokens_; }
    // text (stop string excluded), tokens and stop_reason; counts and timings are the caller's.
    GenerateResult result() const;

private:
    std::string finish(StopReason reason);  // the held-back tail, unless a stop string ended it
    TokenId sample(std::span<const float> logits);  // the sampler's choice, within the grammar

    const Tokenizer* tokenizer_;
    size_t max_tokens_;
    Sampler sampler_;
    StreamDecoder decoder_;
    StopStringFilter filter_;
    std::vector<TokenId> tokens_;
    std::unique_ptr<grammar::Constraint> constraint_;  // with GenerateOptions::grammar
    std::vector<float> masked_;                        // logits outside the grammar at -inf
    StopReason reason_ = StopReason::max_tokens;
    bool done_ = false;
};

}  // namespace hearth
