// llama-perplexity's chunks of a text (see hearth/perplexity.hpp).
#include <algorithm>
#include <string>

#include "hearth/error.hpp"
#include "hearth/perplexity.hpp"

namespace hearth {

PerplexityChunks::PerplexityChunks(const Tokenizer& tokenizer, std::string_view text, size_t n_ctx, size_t max_chunks)
    // With BOS (add_special) and without parsing special tokens, as llama-perplexity tokenizes:
    // chunk boundaries fall on the BOS-prefixed stream, so leaving it out shifts every chunk.
    : tokens_(tokenizer.encode(text, true, false)),
      n_ctx_(n_ctx),
      n_chunks_(n_ctx ? tokens_.size() / n_ctx : 0),
      bos_(tokenizer.add_bos() ? tokenizer.bos() : -1) {
    if (n_ctx < 4) throw Error(ErrorCode::invalid_argument, "the context for perplexity must be at least 4 tokens");
    if (max_chunks) n_chunks_ = std::min(n_chunks_, max_chunks);
    if (n_chunks_ == 0)
        throw Error(ErrorCode::invalid_argument, "the text's " + std::to_string(tokens_.size()) +
                                                     " tokens are less than one chunk of " + std::to_string(n_ctx));
}

std::vector<TokenId> PerplexityChunks::chunk(size_t c) const {
    const auto begin = tokens_.begin() + static_cast<std::ptrdiff_t>(c * n_ctx_);
    std::vector<TokenId> ids(begin, begin + static_cast<std::ptrdiff_t>(n_ctx_));
    // Every chunk starts as a document does (llama-perplexity does this even mid-text).
    if (bos_ >= 0) ids[0] = bos_;
    return ids;
}

}  // namespace hearth
