// Reading config.json (see hf_config.hpp). Every count is range-checked here, before anything is
// sized from it.
#include "convert/hf_config.hpp"

#include <fstream>
#include <string_view>

#include <fmt/format.h>

#include "hearth/error.hpp"

namespace hearth::convert {
namespace {

struct ArchName {
    std::string_view hf, gguf;
};

// transformers' class names -> llama.cpp's architecture names (those hearth runs).
constexpr ArchName kArchs[] = {
    {"LlamaForCausalLM", "llama"},       {"Qwen2ForCausalLM", "qwen2"},
    {"Qwen3ForCausalLM", "qwen3"},       {"Qwen3MoeForCausalLM", "qwen3moe"},
    {"Gemma3ForCausalLM", "gemma3"},     {"Gemma3ForConditionalGeneration", "gemma3"},
};

constexpr size_t kMaxCount = 1u << 24;

std::string known_archs() {
    std::string s;
    for (const ArchName& a : kArchs) s += (s.empty() ? "" : ", ") + std::string(a.hf);
    return s;
}

[[noreturn]] void bad_key(const HfConfig& c, const char* key, const std::string& what) {
    throw Error(ErrorCode::invalid_file, fmt::format("config.json ({}): '{}' {}", c.hf_arch, key, what));
}

}  // namespace

size_t config_count(const HfConfig& c, const char* key, size_t fallback) {
    const auto it = c.params.find(key);
    if (it == c.params.end() || it->is_null()) {
        if (fallback == 0) bad_key(c, key, "is missing");
        return fallback;
    }
    if (!it->is_number_unsigned() || it->get<uint64_t>() == 0 || it->get<uint64_t>() > kMaxCount)
        bad_key(c, key, fmt::format("must be an integer in [1, {}], got {}", kMaxCount, it->dump()));
    return it->get<size_t>();
}

double config_real(const HfConfig& c, const char* key, double fallback) {
    const auto it = c.params.find(key);
    if (it == c.params.end() || it->is_null()) return fallback;
    if (!it->is_number() || !(it->get<double>() > 0)) bad_key(c, key, "must be a positive number, got " + it->dump());
    return it->get<double>();
}

HfConfig read_hf_config(const std::filesystem::path& dir) {
    const std::filesystem::path path = dir / "config.json";
    std::ifstream in(path);
    if (!in) throw Error(ErrorCode::io, path.string() + ": cannot open (is this a Hugging Face model folder?)");
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error(ErrorCode::invalid_file, path.string() + ": not a JSON object");
    const auto archs = j.find("architectures");
    if (archs == j.end() || !archs->is_array() || archs->empty() || !(*archs)[0].is_string())
        throw Error(ErrorCode::invalid_file, path.string() + ": 'architectures' is missing (a list naming the model class)");

    HfConfig c;
    c.hf_arch = (*archs)[0].get<std::string>();
    for (const ArchName& a : kArchs)
        if (a.hf == c.hf_arch) c.arch = a.gguf;
    if (c.arch.empty())
        throw Error(ErrorCode::unsupported, fmt::format("{}: architecture '{}' is not supported (hearth converts: {})", path.string(),
                                                        c.hf_arch, known_archs()));
    // A multimodal Gemma 3 keeps its language model's keys in text_config.
    c.params = j.contains("text_config") && j["text_config"].is_object() ? j["text_config"] : j;
    if (!c.params.contains("tie_word_embeddings") && j.contains("tie_word_embeddings"))
        c.params["tie_word_embeddings"] = j["tie_word_embeddings"];

    const bool gemma = c.arch == "gemma3";
    c.n_layer = config_count(c, "num_hidden_layers");
    c.n_embd = config_count(c, "hidden_size");
    c.n_ff = config_count(c, "intermediate_size");
    // Gemma3TextConfig's defaults, which Gemma 3's config.json files rely on.
    c.n_head = config_count(c, "num_attention_heads", gemma ? 8 : 0);
    c.n_head_kv = config_count(c, "num_key_value_heads", gemma ? 4 : c.n_head);
    c.has_head_dim_key = c.params.contains("head_dim") && !c.params["head_dim"].is_null();
    if (!gemma && !c.has_head_dim_key && c.n_embd % c.n_head != 0)
        bad_key(c, "hidden_size", fmt::format("= {} is not a multiple of num_attention_heads {}", c.n_embd, c.n_head));
    c.head_dim = config_count(c, "head_dim", gemma ? 256 : c.n_embd / c.n_head);
    if (c.n_head % c.n_head_kv != 0)
        bad_key(c, "num_key_value_heads", fmt::format("= {} does not divide num_attention_heads {}", c.n_head_kv, c.n_head));
    if (c.arch == "qwen3moe") {
        c.n_expert = config_count(c, "num_experts");
        c.n_expert_used = config_count(c, "num_experts_per_tok");
        c.n_ff_exp = config_count(c, "moe_intermediate_size");
        if (c.n_expert_used > c.n_expert) bad_key(c, "num_experts_per_tok", "exceeds num_experts");
    }
    return c;
}

}  // namespace hearth::convert
