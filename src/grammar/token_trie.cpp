// The vocabulary's byte trie (token_trie.hpp).
#include "grammar/token_trie.hpp"

#include <algorithm>

namespace hearth::grammar {

TokenTrie::TokenTrie(const Tokenizer& tok) : bytes_(tok.n_vocab()) {
    std::vector<TokenId> text_tokens;
    for (size_t i = 0; i < tok.n_vocab(); ++i) {
        const auto id = static_cast<TokenId>(i);
        if (tok.is_end_of_generation(id)) eog_.push_back(id);
        const TokenType type = tok.token_type(id);
        if (type == TokenType::control || type == TokenType::unused || type == TokenType::unknown) continue;
        bytes_[i] = tok.token_to_bytes(id);
        if (bytes_[i].empty()) continue;
        text_tokens.push_back(id);
        if (!first_drops_space_ && bytes_[i].size() > 1 && bytes_[i][0] == ' ')
            first_drops_space_ = tok.decode(std::span<const TokenId>(&id, 1)) != bytes_[i];
    }
    std::sort(text_tokens.begin(), text_tokens.end(), [&](TokenId a, TokenId b) { return bytes(a) < bytes(b); });
    nodes_.emplace_back();
    token_ids_.reserve(text_tokens.size());
    build(0, text_tokens, 0);
}

// sorted: the tokens below `node`, in byte order, all sharing their first `depth` bytes.
void TokenTrie::build(uint32_t node, std::span<const TokenId> sorted, size_t depth) {
    size_t i = 0;
    nodes_[node].first_token = static_cast<uint32_t>(token_ids_.size());
    for (; i < sorted.size() && bytes(sorted[i]).size() == depth; ++i) token_ids_.push_back(sorted[i]);  // shorter sorts first
    nodes_[node].n_tokens = static_cast<uint32_t>(i);
    // One child per distinct next byte, allocated together so that they are contiguous.
    std::vector<std::pair<uint8_t, std::span<const TokenId>>> groups;
    while (i < sorted.size()) {
        const auto b = static_cast<uint8_t>(bytes(sorted[i])[depth]);
        size_t end = i;
        while (end < sorted.size() && static_cast<uint8_t>(bytes(sorted[end])[depth]) == b) ++end;
        groups.emplace_back(b, sorted.subspan(i, end - i));
        i = end;
    }
    const auto first = static_cast<uint32_t>(nodes_.size());
    nodes_[node].first_child = first;
    nodes_[node].n_children = static_cast<uint32_t>(groups.size());
    nodes_.resize(nodes_.size() + groups.size());
    for (size_t g = 0; g < groups.size(); ++g) {
        nodes_[first + g].byte = groups[g].first;
        build(static_cast<uint32_t>(first + g), groups[g].second, depth + 1);
    }
}

}  // namespace hearth::grammar
