// What `hearth perplexity` and `hearth quantize --kl` print while scoring a text: llama-perplexity's
// running perplexity line and, for two models, the divergence summary (the computation itself is
// the library's, hearth/perplexity.hpp).
#pragma once

#include <string>

#include "hearth/perplexity.hpp"

namespace hearth::cli {

// The whole file (Error(io) when it cannot be read).
std::string read_text_file(const std::string& path);

// Splits text (read from `source`, named in errors) as llama-perplexity does and says so on stderr.
PerplexityChunks chunk_text(const Tokenizer& tokenizer, const std::string& source, const std::string& text, size_t n_ctx,
                            size_t max_chunks);

// "[1]2.6561,[2]3.3627,..." on stdout as chunks finish, then the final estimate with its error.
NllStats print_perplexity(const Model& model, const SessionOptions& session, const PerplexityChunks& chunks);

// Both models over the same chunks: the model's running perplexity, then mean and p99 KL(base ||
// model), top-1 agreement and both perplexities with their ln ratio, on stdout.
DivergenceStats print_divergence(const Model& base, const Model& model, const SessionOptions& session,
                                 const PerplexityChunks& chunks);

}  // namespace hearth::cli
