// Hugging Face tokenizer.json + tokenizer_config.json -> the tokenizer.ggml.* metadata (and
// tokenizer.chat_template) llama.cpp's converter writes.
#pragma once

#include <filesystem>
#include <string_view>

#include "hearth/gguf_writer.hpp"

namespace hearth::convert {

void add_hf_tokenizer(const std::filesystem::path& hf_dir, std::string_view arch, gguf::Writer& w);

}  // namespace hearth::convert
