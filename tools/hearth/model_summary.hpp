// What `hearth info` and `hearth list` say about a GGUF file from its header alone, and how
// the CLI turns -m MODEL (a path or a model name) into a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hearth/gguf.hpp"
#include "hearth/model_library.hpp"

namespace hearth::cli {

struct Summary {
    std::string architecture = "?";
    std::string name;
    uint64_t parameters = 0;
    uint64_t tensor_bytes = 0;
    std::string file_type;
    std::optional<uint64_t> context_length;
    std::optional<uint64_t> vocab_size;
    std::optional<uint64_t> experts, experts_used;  // mixture of experts (qwen3moe)
    std::string tokenizer_model;
    std::string tokenizer_pre;
};

Summary summarize(const gguf::File& f);
// 1234567 -> "1.23 M" (B, M, K as llama.cpp and Ollama print parameter counts).
std::string human_count(uint64_t n);
// -m MODEL: the file itself, or the model of that name (or unambiguous prefix) in the local stores.
std::string resolve_model_arg(const std::string& name_or_path);
// The same with the name it goes by (the store's name, or the file's stem).
LocalModel resolve_model_arg_named(const std::string& name_or_path);

}  // namespace hearth::cli
