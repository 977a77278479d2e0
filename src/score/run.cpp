// Evaluating models over a text's chunks (see hearth/perplexity.hpp).
#include <algorithm>
#include <string>

#include "hearth/error.hpp"
#include "hearth/perplexity.hpp"

namespace hearth {
namespace {

SessionOptions with_context(SessionOptions options, size_t n_ctx) {
    options.n_ctx = n_ctx;
    return options;
}

// One model's session and the logits of its current chunk: all the memory a run holds.
class ChunkEvaluator {
public:
    ChunkEvaluator(const Model& model, const SessionOptions& options, const PerplexityChunks& chunks)
        : n_vocab_(model.config().n_vocab),
          session_(model, with_context(options, chunks.n_ctx())),
          logits_(chunks.n_ctx() * n_vocab_) {}

    void eval(std::span<const TokenId> chunk) {
        session_.reset();
        session_.eval(chunk, logits_);
    }
    std::span<const float> row(size_t j) const { return std::span(logits_).subspan(j * n_vocab_, n_vocab_); }

private:
    size_t n_vocab_;
    Session session_;
    std::vector<float> logits_;
};

size_t argmax(std::span<const float> row) {
    return static_cast<size_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

void require_same_vocabulary(const Model& base, const Model& model) {
    const Tokenizer &a = base.tokenizer(), &b = model.tokenizer();
    if (a.n_vocab() != b.n_vocab() || base.config().n_vocab != model.config().n_vocab)
        throw Error(ErrorCode::invalid_argument, "the models have different vocabularies (the base model has " +
                                                     std::to_string(base.config().n_vocab) + " tokens, the other " +
                                                     std::to_string(model.config().n_vocab) + ")");
    for (size_t id = 0; id < a.n_vocab(); ++id)
        if (a.token_text(TokenId(id)) != b.token_text(TokenId(id)))
            throw Error(ErrorCode::invalid_argument, "the models have different vocabularies (token " +
                                                         std::to_string(id) + " is '" + std::string(a.token_text(TokenId(id))) +
                                                         "' in the base model, '" + std::string(b.token_text(TokenId(id))) +
                                                         "' in the other)");
}

}  // namespace

NllStats perplexity(const Model& model, const SessionOptions& session, const PerplexityChunks& chunks,
                    const std::function<void(size_t, const NllStats&)>& on_chunk) {
    ChunkEvaluator eval(model, session, chunks);
    NllStats stats;
    for (size_t c = 0; c < chunks.n_chunks(); ++c) {
        eval.eval(chunks.chunk(c));
        for (size_t j = chunks.first_scored(); j + 1 < chunks.n_ctx(); ++j) stats.add(token_nll(eval.row(j), chunks.target(c, j)));
        if (on_chunk) on_chunk(c, stats);
    }
    return stats;
}

DivergenceStats compare_models(const Model& base, const Model& model, const SessionOptions& session,
                               const PerplexityChunks& chunks,
                               const std::function<void(size_t, const DivergenceStats&)>& on_chunk) {
    require_same_vocabulary(base, model);
    ChunkEvaluator eval_base(base, session, chunks), eval_model(model, session, chunks);
    DivergenceStats stats;
    stats.kl.reserve(chunks.n_chunks() * chunks.scored_per_chunk());
    for (size_t c = 0; c < chunks.n_chunks(); ++c) {
        const std::vector<TokenId> ids = chunks.chunk(c);
        eval_base.eval(ids);
        eval_model.eval(ids);
        for (size_t j = chunks.first_scored(); j + 1 < chunks.n_ctx(); ++j) {
            const std::span<const float> p = eval_base.row(j), q = eval_model.row(j);
            stats.base.add(token_nll(p, chunks.target(c, j)));
            stats.model.add(token_nll(q, chunks.target(c, j)));
            stats.kl.push_back(static_cast<float>(kl_divergence(p, q)));
            stats.same_top += argmax(p) == argmax(q);
        }
        if (on_chunk) on_chunk(c, stats);
    }
    return stats;
}

}  // namespace hearth
