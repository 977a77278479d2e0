// Embedding answers in each API's shape (see embedding_response.hpp).
#include "server/embedding_response.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>

namespace hearth::server {

std::string base64_floats(const std::vector<float>& v) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes;
    bytes.reserve(v.size() * 4);
    for (float f : v)  // little-endian whatever the host's order
        for (uint32_t u = std::bit_cast<uint32_t>(f), k = 0; k < 4; ++k) bytes += static_cast<char>(u >> (8 * k) & 0xFF);
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t n = std::min<size_t>(3, bytes.size() - i);  // bytes in this group; '=' pads the rest
        uint32_t group = 0;
        for (size_t k = 0; k < 3; ++k) group = group << 8 | (k < n ? static_cast<uint8_t>(bytes[i + k]) : 0u);
        for (size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[group >> (18 - 6 * k) & 63] : '=';
    }
    return out;
}

nlohmann::json openai_embeddings(const std::vector<std::vector<float>>& vectors, bool base64, const std::string& model,
                                 size_t prompt_tokens) {
    nlohmann::json data = nlohmann::json::array();
    for (size_t i = 0; i < vectors.size(); ++i)
        data.push_back({{"object", "embedding"},
                        {"index", i},
                        {"embedding", base64 ? nlohmann::json(base64_floats(vectors[i])) : nlohmann::json(vectors[i])}});
    return {{"object", "list"},
            {"data", std::move(data)},
            {"model", model},
            {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

nlohmann::ordered_json ollama_embed(const std::vector<std::vector<float>>& vectors, const std::string& model,
                                    size_t prompt_tokens, double total_seconds) {
    return {{"model", model},
            {"embeddings", vectors},
            {"total_duration", static_cast<int64_t>(total_seconds * 1e9)},
            {"load_duration", 0},  // the model was loaded at start-up
            {"prompt_eval_count", prompt_tokens}};
}

}  // namespace hearth::server
