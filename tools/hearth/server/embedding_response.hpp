// The JSON mapping of embedding answers: OpenAI's list of embedding objects (floats or base64)
// and Ollama's embeddings arrays. Pure functions, unit-tested without a model.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::server {

// The little-endian float32 bytes of v in base64, as OpenAI's encoding_format "base64" sends them.
std::string base64_floats(const std::vector<float>& v);

// {"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"}
nlohmann::json openai_embeddings(const std::vector<std::vector<float>>& vectors, bool base64, const std::string& model,
                                 size_t prompt_tokens);
// {"model", "embeddings": [[...]], "total_duration", "load_duration", "prompt_eval_count"}
nlohmann::ordered_json ollama_embed(const std::vector<std::vector<float>>& vectors, const std::string& model,
                                    size_t prompt_tokens, double total_seconds);

}  // namespace hearth::server
