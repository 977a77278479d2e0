// tokenizer.ggml.pre for a byte-level BPE tokenizer.json. llama.cpp's converter names the
// pre-tokenizer by hashing the ids Hugging Face's own tokenizer gives for a check text; hearth
// cannot run that tokenizer, so it recognises the pre-tokenizer by its structure instead: the
// Split regexes, ByteLevel's built-in GPT-2 regex and Digits, in order.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace hearth::convert {

// The llama.cpp name ("llama-bpe", "qwen2", "gpt-2", "smollm") for tokenizer.json's
// pre_tokenizer. Anything else is Error(unsupported) quoting what was found: guessing a name
// would silently give other token ids than the model was trained with.
std::string llama_pre_name(const nlohmann::json& tokenizer, std::string_view arch, const std::string& file);

}  // namespace hearth::convert
