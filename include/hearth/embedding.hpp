// Embeddings from a decoder model: the hidden state after the final output norm (the vector the
// output matrix would turn into logits; what llama.cpp returns as a decoder's embedding), pooled
// over the tokens of a text. Computed by Session::embed (hearth.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace hearth {

class Model;

// How the hidden states of a text's tokens become one vector (llama.cpp's pooling types).
enum class Pooling {
    mean,  // the average over all tokens (BOS/EOS included when added)
    cls,   // the first token's (the BOS token's when the model adds one)
    last,  // the last token's: in a causal decoder the only one that has seen the whole text
};

const char* to_string(Pooling pooling) noexcept;  // "mean", "cls", "last"
std::optional<Pooling> pooling_from_string(std::string_view name) noexcept;

// The pooling the model asks for in its GGUF key <arch>.pooling_type (llama.cpp's enum: 1 mean,
// 2 cls, 3 last). Decoder GGUFs normally have no such key, or 0 (none: one vector per token);
// then it is last, as llama.cpp's embedding API (llama_get_embeddings_ith(ctx, -1), which
// node-llama-cpp's getEmbeddingFor returns) gives for them. Error(unsupported) for 4 (rank, a
// reranker's classification head) and unknown values.
Pooling default_pooling(const Model& model);

struct EmbedOptions {
    std::optional<Pooling> pooling;  // unset: default_pooling(model)
    // Keep only the first `dimensions` values (0: all n_embd), before normalize: OpenAI's and
    // Ollama's `dimensions`, meaningful for models trained for it (Matryoshka embeddings).
    size_t dimensions = 0;
    bool normalize = false;          // scale the vector to unit L2 norm (cosine similarity = dot product)
    // For Session::embed(text): BOS/EOS as the model asks, as llama.cpp adds them for embeddings.
    bool add_special = true;
    // For Session::embed(text): false keeps "<|im_start|>" in a document as plain text, as
    // node-llama-cpp's embedding context does.
    bool parse_special = false;
};

}  // namespace hearth
