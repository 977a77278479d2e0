// Internal state of a Tokenizer (shared by the loader, the two encoders and the decoder).
// Everything is owned: the Tokenizer does not keep pointers into the gguf::File.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hearth/tokenizer.hpp"
#include "pair_map.hpp"
#include "pretokenize.hpp"

namespace hearth::tok {

// A piece of the input after special-token splitting: raw text or one special token.
struct Fragment {
    TokenId token;  // -1 for raw text
    uint32_t begin;
    uint32_t end;
};

// Recognises special token texts (control, user-defined, unknown) in raw text with llama.cpp's
// priority: longer tokens first, then leftmost, never overlapping an earlier choice.
class SpecialMatcher {
public:
    void build(const std::vector<std::string_view>& texts, const std::vector<TokenType>& types);
    // Splits text into fragments. Control and unknown tokens only count when parse_special;
    // user-defined tokens always do (as in llama.cpp).
    void partition(std::string_view text, bool parse_special, std::vector<Fragment>& out) const;

private:
    struct Node {
        std::vector<std::pair<uint8_t, uint32_t>> children;  // byte -> node
        int32_t rank = -1;                                   // entry whose text ends here
    };
    struct Entry {
        TokenId id;
        uint32_t len;
        bool always;  // user-defined: recognised even without parse_special
    };
    std::vector<Node> nodes_;
    std::vector<Entry> order_;  // llama.cpp's order: longer text first (ties by id)
    std::array<bool, 256> first_byte_{};
    bool any_always_ = false;
};

struct BpeTables {
    PairMap merges;
    std::array<int32_t, 256> byte_sym{};                 // symbol of each single byte
    std::vector<std::string> extra_texts;                // byte-level text of symbols >= n_vocab
    std::unordered_map<std::string_view, TokenId> raw;   // token bytes (decoded) -> id
    std::string raw_arena;
};

struct SpmTables {
    std::array<TokenId, 256> byte_token{};  // <0xNN> token (or the 1-byte text, or unk)
    // Characters that some token has right before a U+2581 (views into the text arena). No
    // merge can cross a U+2581 preceded by any other character, so the text is merged in
    // independent stretches there: the same result, without one heap over the whole text.
    std::unordered_set<std::string_view> before_space;
};

}  // namespace hearth::tok

namespace hearth {

struct Tokenizer::Impl {
    enum class Kind { spm, bpe, wpm };
    Kind kind = Kind::spm;
    std::string pre_name = "default";
    tok::PreInfo pre{tok::PreKind::default_bpe, false, false};

    std::string arena;                       // all token texts back to back
    std::vector<std::string_view> texts;     // views into arena
    std::vector<float> scores;
    std::vector<TokenType> types;            // after llama.cpp's text-based fix-ups
    std::unordered_map<std::string_view, TokenId> ids;
    std::string pieces;                      // bytes each token renders to (special text included)
    std::vector<uint32_t> piece_offsets;     // n_vocab + 1

    TokenId bos = -1, eos = -1, unk = -1;
    bool add_bos = false, add_eos = false, add_space_prefix = false;
    TokenId sep = -1;                        // WordPiece: [SEP], appended after the text when add_sep
    bool add_sep = false;
    size_t max_token_len = 0;                // WordPiece: longest token text in bytes
    std::vector<uint8_t> eog;                // per token: ends generation

    tok::SpecialMatcher special;
    tok::BpeTables bpe;
    tok::SpmTables spm;

    TokenId lookup(std::string_view text) const noexcept {
        const auto it = ids.find(text);
        return it == ids.end() ? -1 : it->second;
    }
    std::string_view piece(TokenId id) const noexcept {
        return std::string_view(pieces).substr(piece_offsets[id], piece_offsets[id + 1] - piece_offsets[id]);
    }

    void build_bpe(const gguf::File& file);  // bpe.cpp
    void build_spm();                        // spm.cpp
    void encode_bpe(std::string_view text, std::vector<TokenId>& out) const;
    void encode_spm(std::string_view text, bool space_prefix, std::vector<TokenId>& out) const;
    void build_wpm();                        // wpm.cpp
    void encode_wpm(std::string_view text, std::vector<TokenId>& out) const;
    void encode_wpm_word(std::string_view word, std::vector<TokenId>& out) const;  // word includes its "▁"
    void emit_symbol(std::string_view piece, std::vector<TokenId>& out) const;
};

}  // namespace hearth
