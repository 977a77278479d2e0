// The vocabulary as a trie of token bytes, built once per model: masking walks it depth first
// with the grammar's state, so a prefix the grammar refuses prunes every token that starts with
// it, and tokens sharing a prefix share the work of reading it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/tokenizer.hpp"

namespace hearth::grammar {

class TokenTrie {
public:
    struct Node {
        uint32_t first_child = 0, n_children = 0;  // children are contiguous in nodes()
        uint32_t first_token = 0, n_tokens = 0;    // tokens whose bytes end here
        uint8_t byte = 0;                          // the byte that leads here from the parent
    };

    // Every token that stands for text (normal, byte and user-defined tokens; not control or
    // unused ones), and the end-of-generation set.
    explicit TokenTrie(const Tokenizer& tokenizer);

    const std::vector<Node>& nodes() const noexcept { return nodes_; }  // [0] is the root
    std::span<const TokenId> tokens(const Node& n) const noexcept { return {token_ids_.data() + n.first_token, n.n_tokens}; }
    // The token's bytes ("" for tokens that are not text).
    std::string_view bytes(TokenId id) const noexcept { return bytes_[static_cast<size_t>(id)]; }
    const std::vector<TokenId>& end_of_generation() const noexcept { return eog_; }
    // SentencePiece vocabularies drop the first generated token's leading space when shown.
    bool first_token_drops_space() const noexcept { return first_drops_space_; }
    size_t n_vocab() const noexcept { return bytes_.size(); }

private:
    void build(uint32_t node, std::span<const TokenId> sorted, size_t depth);

    std::vector<std::string> bytes_;
    std::vector<Node> nodes_;
    std::vector<TokenId> token_ids_;
    std::vector<TokenId> eog_;
    bool first_drops_space_ = false;
};

}  // namespace hearth::grammar
