// The JSON mapping of embedding requests: OpenAI's /v1/embeddings and Ollama's /api/embed and
// /api/embeddings bodies become one EmbeddingRequest with every input tokenized and checked
// (400 naming the field: "input[3]: the text is empty", "input[1]: 600 tokens, ...").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hearth/hearth.hpp"

namespace hearth::server {

class ServedModel;

struct EmbeddingRequest {
    std::string model;                         // as the client named it ("" when absent)
    std::vector<std::vector<TokenId>> inputs;  // 1..kMaxEmbeddingInputs, each 1..n_ctx tokens
    EmbedOptions options;                      // the model's pooling; normalize and dimensions as asked
    bool base64 = false;                       // OpenAI encoding_format "base64": little-endian float32
    size_t tokens() const;                     // all inputs' tokens (usage, prompt_eval_count)
};

// More inputs in one request are refused (OpenAI's own limit).
constexpr size_t kMaxEmbeddingInputs = 2048;

// input: a string, an array of strings, an array of token ids or an array of such arrays;
// encoding_format float|base64; dimensions. Vectors are normalised, as OpenAI's are. An input
// longer than the model's n_ctx is a 400.
EmbeddingRequest parse_openai_embeddings(const nlohmann::json& body, const ServedModel& model);
// input: a string or an array of strings; truncate (default true: an input longer than n_ctx
// keeps its first n_ctx tokens; false: a 400); dimensions. Vectors are normalised, as Ollama's are.
EmbeddingRequest parse_ollama_embed(const nlohmann::json& body, const ServedModel& model);
// Ollama's older endpoint: prompt, one string, embedded as it is (not normalised).
EmbeddingRequest parse_ollama_embeddings(const nlohmann::json& body, const ServedModel& model);

}  // namespace hearth::server
