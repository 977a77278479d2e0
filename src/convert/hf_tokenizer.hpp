// The tokenizer of a Hugging Face model directory as GGUF metadata: reads tokenizer.json,
// tokenizer_config.json (and config.json for the vocabulary size and special token ids) and
// adds the tokenizer.* keys llama.cpp's convert_hf_to_gguf.py writes for the same directory.
#pragma once

#include <filesystem>
#include <string_view>

#include "hearth/gguf_writer.hpp"

namespace hearth::convert {

// Two families are understood, as llama.cpp names them in tokenizer.ggml.model:
// - "gpt2": byte-level BPE (Llama 3, Qwen 2/3), with tokenizer.ggml.pre derived from the
//   pre-tokenizer's regexes (an unknown one is an error, see hf_pre_tokenizer.hpp);
// - "llama": SentencePiece-style BPE with byte fallback (Llama 2, Gemma 3), with scores that
//   reproduce the merge order of tokenizer.json.
// arch is the GGUF architecture ("llama", "qwen3", "gemma3", ...): a few keys depend on it as in
// llama.cpp. Throws Error(io) for a missing or unreadable file, Error(invalid_file) naming the
// file and field for malformed content (ids out of range, duplicate tokens, unknown merges),
// Error(unsupported) for a tokenizer model or pre-tokenizer hearth cannot reproduce.
void add_hf_tokenizer(const std::filesystem::path& hf_dir, std::string_view arch, gguf::Writer& w);

}  // namespace hearth::convert
