// Special-token splitting: finds control / user-defined / unknown token texts inside raw text
// before the BPE or SentencePiece encoder sees it, choosing matches exactly as llama.cpp does.
#include <algorithm>

#include "tokenizer_impl.hpp"

namespace hearth::tok {

void SpecialMatcher::build(const std::vector<std::string_view>& texts, const std::vector<TokenType>& types) {
    order_.clear();
    nodes_.assign(1, Node{});
    first_byte_.fill(false);
    any_always_ = false;
    for (size_t id = 0; id < texts.size(); ++id) {
        const TokenType t = types[id];
        if (t != TokenType::control && t != TokenType::user_defined && t != TokenType::unknown) continue;
        if (texts[id].empty()) continue;
        order_.push_back({static_cast<TokenId>(id), static_cast<uint32_t>(texts[id].size()), t == TokenType::user_defined});
    }
    // llama.cpp sorts by length only; equal lengths can only collide on identical texts, where
    // the lower id is as good a choice as any.
    std::stable_sort(order_.begin(), order_.end(), [](const Entry& a, const Entry& b) { return a.len > b.len; });
    for (size_t rank = 0; rank < order_.size(); ++rank) {
        const std::string_view text = texts[order_[rank].id];
        any_always_ = any_always_ || order_[rank].always;
        first_byte_[static_cast<uint8_t>(text[0])] = true;
        uint32_t node = 0;
        for (char ch : text) {
            const auto b = static_cast<uint8_t>(ch);
            uint32_t next = 0;
            for (const auto& [cb, child] : nodes_[node].children)
                if (cb == b) next = child;
            if (next == 0) {
                next = static_cast<uint32_t>(nodes_.size());
                nodes_[node].children.emplace_back(b, next);
                nodes_.emplace_back();
            }
            node = next;
        }
        if (nodes_[node].rank < 0) nodes_[node].rank = static_cast<int32_t>(rank);
    }
}

void SpecialMatcher::partition(std::string_view text, bool parse_special, std::vector<Fragment>& out) const {
    out.clear();
    const auto n = static_cast<uint32_t>(text.size());
    if (n == 0) return;
    // Every occurrence of every active special text, as (rank, position).
    std::vector<std::pair<uint32_t, uint32_t>> found;
    if (!order_.empty() && (parse_special || any_always_)) {
        for (uint32_t pos = 0; pos < n; ++pos) {
            if (!first_byte_[static_cast<uint8_t>(text[pos])]) continue;
            uint32_t node = 0;
            for (uint32_t j = pos; j < n; ++j) {
                uint32_t next = 0;
                for (const auto& [cb, child] : nodes_[node].children)
                    if (cb == static_cast<uint8_t>(text[j])) next = child;
                if (next == 0) break;
                node = next;
                const int32_t rank = nodes_[node].rank;
                if (rank >= 0 && (parse_special || order_[rank].always)) found.emplace_back(rank, pos);
            }
        }
    }
    if (found.empty()) {
        out.push_back({-1, 0, n});
        return;
    }
    // llama.cpp takes tokens in rank order and, for each, its leftmost occurrences inside the text
    // that earlier choices left free: the same as accepting in (rank, pos) order without overlap.
    std::sort(found.begin(), found.end());
    std::vector<uint8_t> taken(n, 0);
    std::vector<std::pair<uint32_t, uint32_t>> accepted;  // (pos, rank)
    for (const auto& [rank, pos] : found) {
        const uint32_t len = order_[rank].len;
        if (std::any_of(taken.begin() + pos, taken.begin() + pos + len, [](uint8_t t) { return t != 0; })) continue;
        std::fill(taken.begin() + pos, taken.begin() + pos + len, uint8_t{1});
        accepted.emplace_back(pos, rank);
    }
    std::sort(accepted.begin(), accepted.end());
    uint32_t at = 0;
    for (const auto& [pos, rank] : accepted) {
        if (pos > at) out.push_back({-1, at, pos});
        out.push_back({order_[rank].id, pos, pos + order_[rank].len});
        at = pos + order_[rank].len;
    }
    if (at < n) out.push_back({-1, at, n});
}

}  // namespace hearth::tok
