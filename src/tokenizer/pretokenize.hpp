// Pre-tokenizers for byte-level BPE: split text into words the way llama.cpp does for each
// tokenizer.ggml.pre, before any merge runs. Hand-written matchers equal to the regexes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hearth::tok {

enum class PreKind {
    llama3,       // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    qwen2,        // the same with \p{N} (single digits)
    gpt2,         // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
    smollm,       // \p{N} then gpt2
    default_bpe,  // [\p{P}\$\+<=>\^~\|]+ then gpt2 then \p{N}+ then [0-9][0-9][0-9]
};

struct PreInfo {
    PreKind kind;
    bool ignore_merges;    // a word that is a whole token skips the merges (Llama 3)
    bool default_add_bos;  // add BOS unless tokenizer.ggml.add_bos_token says otherwise
};

// The pre-tokenizer llama.cpp picks for a tokenizer.ggml.pre value; nullopt when unsupported.
std::optional<PreInfo> pre_info(std::string_view name);
// Names accepted by pre_info, for error messages.
std::string_view supported_pre_names();

// Reusable buffers so that splitting allocates only while they grow.
struct PreScratch {
    std::vector<uint32_t> cps;
    std::vector<uint8_t> flags;
    std::vector<uint32_t> offsets;  // byte offset of each code point, plus the text size
    std::vector<uint32_t> chunks;   // code point ends of the current pieces
    std::vector<uint32_t> next;
};

// Splits text (already normalized by unicode::normalize_for_bpe) and appends the end byte
// offset of each word to word_ends (the first word starts at 0). Linear in the text size.
void pretokenize(PreKind kind, std::string_view text, PreScratch& scratch, std::vector<uint32_t>& word_ends);

}  // namespace hearth::tok
