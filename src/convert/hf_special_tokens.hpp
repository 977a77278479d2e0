// Special token ids and add-BOS/EOS flags of a Hugging Face tokenizer, the way gguf-py's
// SpecialVocab finds them: tokenizer.json's post_processor template, then tokenizer_config.json
// (<type>_token texts looked up among tokenizer.json's added_tokens, add_<type>_token flags),
// then config.json's <type>_token_id for whatever is still unknown.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hearth::convert {

struct HfSpecialTokens {
    std::vector<std::pair<std::string, uint32_t>> ids;  // GGUF key and id, in SpecialVocab's order
    std::vector<std::pair<std::string, bool>> flags;     // tokenizer.ggml.add_{bos,eos,sep}_token
};

// tokenizer_config / config may be null (file absent). n_vocab bounds the ids: an id outside the
// vocabulary is an Error naming the file and field (llama.cpp only warns and drops it).
HfSpecialTokens read_hf_special_tokens(const nlohmann::json& tokenizer, nlohmann::json tokenizer_config,
                                       const nlohmann::json& config, uint64_t n_vocab);

}  // namespace hearth::convert
