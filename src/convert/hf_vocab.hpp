// The vocabulary of a tokenizer.json as llama.cpp's converter lays it out in GGUF: one entry per
// id up to the model's vocabulary size, with llama.cpp's token types, and scores (SentencePiece
// style) or merges (byte-level BPE).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hearth::convert {

struct HfVocab {
    std::string model;                // tokenizer.ggml.model: "gpt2" or "llama"
    std::vector<std::string> tokens;  // by id; ids no entry names are "[PAD<id>]"
    std::vector<int32_t> types;       // hearth::TokenType values
    std::vector<float> scores;        // "llama" only
    std::vector<std::string> merges;  // "gpt2" only, as "left right"
    bool space_prefix = false;        // "llama" only: the normalizer/pre-tokenizer prepends "▁"
};

// vocab_size: config.json's, when it has one (the vocabulary is padded up to it, and every id
// must be below it). Throws Error naming `file` and the field for malformed or unsupported input.
HfVocab read_hf_vocab(const nlohmann::json& tokenizer, std::optional<uint64_t> vocab_size, const std::string& file);

// llama.cpp's heuristic for added tokens that ought to be control tokens but are not marked
// special (<|...|>, <unused..>, <pad>, <mask>, ...).
bool looks_special(std::string_view text);

}  // namespace hearth::convert
