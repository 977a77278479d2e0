// Test support: a GGUF model written back out as the Hugging Face folder transformers would hold
// for it (config.json, sharded F32 safetensors with model.safetensors.index.json, tokenizer.json),
// so that `hearth convert` can be checked end to end against the original file. Written from the
// formats' definitions, independently of src/convert: it undoes llama.cpp's q/k row permutation
// and Gemma's "+1" norms itself instead of calling the converter's code.
#pragma once

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "hearth/gguf.hpp"

namespace hearth::test {

// Every float of a GGUF tensor, decoded (what the exporter writes for it, before renaming and
// un-permuting).
std::vector<float> tensor_values(const gguf::TensorInfo& t);

// config.json for model: transformers' class name and hyper-parameter keys for llama, qwen3,
// qwen3moe and gemma3, plus hf_tokenizer_config_fields. Throws std::runtime_error otherwise.
nlohmann::json hf_config_of(const gguf::File& model);

// Writes dir/config.json, n_shards model-0000i-of-0000n.safetensors (every tensor dequantized to
// F32 under its transformers name, experts split per expert) with model.safetensors.index.json,
// and the tokenizer files (write_hf_tokenizer). Throws std::runtime_error for a tensor it cannot
// name.
void export_gguf_as_hf(const gguf::File& model, const std::filesystem::path& dir, size_t n_shards = 2);

}  // namespace hearth::test
