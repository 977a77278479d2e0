// config.json of a Hugging Face model folder: which GGUF architecture it becomes and the text
// model's hyper-parameters, with the defaults transformers applies when a key is absent.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::convert {

struct HfConfig {
    std::string hf_arch;     // "LlamaForCausalLM", ...
    std::string arch;        // GGUF general.architecture: llama, qwen2, qwen3, qwen3moe, gemma3
    nlohmann::json params;   // the text model's keys (text_config of a multimodal Gemma 3)
    size_t n_layer = 0, n_embd = 0, n_ff = 0, n_head = 0, n_head_kv = 0, head_dim = 0;
    size_t n_expert = 0, n_expert_used = 0, n_ff_exp = 0;
    bool has_head_dim_key = false;  // config.json states head_dim (the GGUF then states key_length)
};

// Throws Error(io) when config.json is missing, Error(invalid_file) naming a bad or missing key,
// Error(unsupported) naming an architecture hearth does not convert.
HfConfig read_hf_config(const std::filesystem::path& dir);

// Reads params[key] as an unsigned count in [1, 2^24], or fallback when absent (0 = required).
size_t config_count(const HfConfig& c, const char* key, size_t fallback = 0);
// Reads params[key] as a number, or fallback when absent or null.
double config_real(const HfConfig& c, const char* key, double fallback);

}  // namespace hearth::convert
