// Test support: Hugging Face tokenizer files made from a GGUF file's vocabulary, in the shape
// transformers/tokenizers save them for that family (Llama 3 and Qwen byte-level BPE, Llama 2
// and Gemma SentencePiece-style BPE), so that conversion tests can start from real vocabularies
// without shipping Hugging Face downloads. Used by the tokenizer and the `hearth convert` tests.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"

namespace hearth::test {

struct HfTokenizerStyle {
    bool merges_as_pairs = false;  // ["a", "b"] (tokenizers >= 0.20) instead of "a b"
};

// Writes dir/tokenizer.json and dir/tokenizer_config.json describing model's tokenizer.ggml.*:
// - byte-level BPE ("gpt2"): normal tokens in model.vocab, the others in added_tokens, the
//   pre-tokenizer of tokenizer.ggml.pre (llama-bpe or qwen2), BOS through the post-processor
//   template as Meta's Llama 3 files do, Qwen's null bos_token (its id is in config.json);
// - SentencePiece-style ("llama"): every piece in model.vocab, merges generated from the scores
//   (each piece's splits into two pieces, best score first), byte_fallback, the space prefix as
//   a Prepend normalizer, add_bos/add_eos_token in tokenizer_config.json.
// Throws std::runtime_error for a tokenizer it cannot describe.
void write_hf_tokenizer(const gguf::File& model, const std::filesystem::path& dir, const HfTokenizerStyle& style = {});

// The config.json fields the tokenizer conversion reads: vocab_size, bos_token_id, eos_token_id
// (from the GGUF's <arch>.vocab_size or token count and its special ids). Merge into a fuller
// config.json or write as is.
nlohmann::json hf_tokenizer_config_fields(const gguf::File& model);

// Copies every metadata key except tokenizer.* and every tensor (data referenced, not copied:
// model must outlive the writer's write()).
void copy_all_but_tokenizer(const gguf::File& model, gguf::Writer& w);

void write_json(const std::filesystem::path& path, const nlohmann::json& j);

}  // namespace hearth::test
