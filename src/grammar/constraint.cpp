// A generation's grammar state (constraint.hpp).
#include "grammar/constraint.hpp"

#include <algorithm>

namespace hearth::grammar {

Constraint::Constraint(const Grammar& grammar, const TokenTrie& trie)
    : grammar_(grammar), trie_(trie), space_(grammar_.rules()), state_{space_.initial()} {}

std::string_view Constraint::token_bytes(TokenId id) const noexcept {
    std::string_view b = trie_.bytes(id);
    if (first_ && trie_.first_token_drops_space() && !b.empty() && b.front() == ' ') b.remove_prefix(1);
    return b;
}

bool Constraint::allows(TokenId id) {
    if (id < 0 || static_cast<size_t>(id) >= trie_.n_vocab()) return false;
    const auto& eog = trie_.end_of_generation();
    if (std::find(eog.begin(), eog.end(), id) != eog.end()) return complete();
    const std::string_view b = token_bytes(id);
    return !b.empty() && !read_bytes(space_, state_, b).dead();
}

void Constraint::accept(TokenId id) {
    const std::string_view b = token_bytes(id);
    if (!b.empty()) state_ = read_bytes(space_, state_, b);
    first_ = false;
}

bool Constraint::must_end() const noexcept { return complete() && !space_.can_continue(state_.state); }

const std::vector<TokenId>& Constraint::allowed() {
    allowed_.clear();
    if (complete()) allowed_ = trie_.end_of_generation();
    collect(0, state_);
    return allowed_;
}

// Adds the tokens below node whose remaining bytes can be read from s (s: after node's bytes).
void Constraint::collect(uint32_t node, ByteState s) {
    const TokenTrie::Node& n = trie_.nodes()[node];
    const bool drop_space = node == 0 && first_ && trie_.first_token_drops_space();
    for (uint32_t c = n.first_child; c < n.first_child + n.n_children; ++c) {
        const TokenTrie::Node& child = trie_.nodes()[c];
        if (drop_space && child.byte == ' ') {
            collect(c, s);  // shown without the space: the bytes after it are read from s
            continue;
        }
        const ByteState next = read_byte(space_, s, child.byte);
        if (next.dead()) continue;
        allowed_.insert(allowed_.end(), trie_.tokens(child).begin(), trie_.tokens(child).end());
        collect(c, next);
    }
}

}  // namespace hearth::grammar
