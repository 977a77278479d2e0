// Text <-> token ids, built from the vocabulary in a GGUF file's tokenizer.ggml.* metadata.
// Two families: "llama" (SentencePiece-style BPE by scores, byte fallback) and "gpt2"
// (byte-level BPE by merge rank, pre-split by the regexes tokenizer.ggml.pre names).
// A Tokenizer is immutable after construction and may be shared by threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::gguf {
class File;
}

namespace hearth {

using TokenId = int32_t;

enum class TokenType : uint8_t { undefined = 0, normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6 };

class Tokenizer {
public:
    // Reads tokenizer.ggml.* from the file. Throws Error(unsupported) for an unknown model or
    // pre-tokenizer (naming it), Error(invalid_file) for inconsistent metadata. The Tokenizer
    // copies what it needs (about the size of the vocabulary), so the File may be closed after.
    // Builds a 151k-token Qwen vocabulary in about 0.15 s.
    static Tokenizer from_gguf(const gguf::File& file);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    // The same ids as llama.cpp's llama_tokenize(text, add_special, parse_special).
    // add_special: prepend BOS / append EOS as the model's metadata asks.
    // parse_special: recognise control / unknown token texts (e.g. "<|im_start|>") in text;
    // user-defined tokens (e.g. Qwen's "<think>") are recognised either way, as in llama.cpp.
    // Any bytes are accepted (invalid UTF-8 is read as U+FFFD by the BPE vocabularies).
    std::vector<TokenId> encode(std::string_view text, bool add_special, bool parse_special) const;

    // Concatenated text of the ids (control tokens render as nothing unless render_special).
    // Like llama_detokenize, the first id's leading space is dropped when the vocabulary adds a
    // space prefix (SentencePiece); unlike it, no clean-up of spaces before punctuation, so
    // decode(encode(s)) == s for byte-level BPE. Throws Error(invalid_argument) for an id
    // outside the vocabulary.
    std::string decode(std::span<const TokenId> ids, bool render_special = false) const;
    // Raw bytes one token stands for (may be a partial UTF-8 sequence).
    std::string token_to_bytes(TokenId id, bool render_special = false) const;
    // The vocabulary entry as stored in the file (e.g. "▁Hello", "Ġworld", "<0x0A>").
    std::string_view token_text(TokenId id) const;

    size_t n_vocab() const noexcept;
    std::string_view model_kind() const noexcept;    // "llama", "gpt2" or "bert" (WordPiece)
    std::string_view pre_tokenizer() const noexcept; // tokenizer.ggml.pre or "default"
    TokenId bos() const noexcept;                    // -1 when the model has none
    TokenId eos() const noexcept;                    // -1 when the model has none
    bool add_bos() const noexcept;
    bool add_eos() const noexcept;
    TokenType token_type(TokenId id) const noexcept;
    // End of generation: EOS, EOT, <|im_end|>, <|eot_id|> ... (as llama.cpp's EOG set).
    bool is_end_of_generation(TokenId id) const noexcept;
    // Id of an exact token text, or -1.
    TokenId find_token(std::string_view text) const noexcept;

    struct Impl;

private:
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Turns a stream of token ids into text pieces that are always whole UTF-8 characters:
// bytes of a character split across tokens are held back until it is complete. For valid
// output the pieces concatenate to Tokenizer::decode of the same ids.
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, bool render_special = false);
    // Text that became complete with this token (possibly empty).
    std::string push(TokenId id);
    // Whatever is still held back (invalid trailing bytes become U+FFFD).
    std::string flush();

private:
    const Tokenizer* tokenizer_;
    bool render_special_;
    std::string pending_;
    bool first_ = true;
};

}  // namespace hearth
