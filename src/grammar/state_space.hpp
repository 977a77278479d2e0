// The parse states of a grammar, discovered as the text is read. A state is the set of stacks a
// pushdown matcher could be in: each stack holds, from the top, the next element to match and
// below it where to continue when that rule's alternative ends. Stacks are hash-consed (equal
// stacks share one node, so a state is a small sorted list of node ids) and states are interned
// with their transitions cached, so reading a character from a known state is one table lookup.
// That is what makes masking a 150k-token vocabulary per step affordable (token_mask.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "grammar/rules.hpp"

namespace hearth::grammar {

class StateSpace {
public:
    using StateId = uint32_t;
    static constexpr StateId kDead = 0;  // no stack survives: the text is not a prefix of the language

    explicit StateSpace(const Grammar::Rules& rules);

    StateId initial() const noexcept { return initial_; }
    // The state after reading code point c (kDead when c cannot come next). Inline for the
    // common case, an ASCII character already read from this state before.
    StateId advance(StateId from, uint32_t c) {
        if (c < 128 && ascii_next_[from][c] != kUnknown) return ascii_next_[from][c];
        return advance_uncached(from, c);
    }
    // The text read so far is a complete match.
    bool accepting(StateId s) const noexcept { return states_[s].accepting; }
    // Some character may still follow.
    bool can_continue(StateId s) const noexcept { return states_[s].can_continue; }
    // Some code point in [lo, hi] may come next (to judge an incomplete UTF-8 sequence).
    bool may_read(StateId s, uint32_t lo, uint32_t hi) const;

private:
    struct Node {
        uint32_t pos;     // index into rules.elements of the next element (a char set or a rule)
        uint32_t parent;  // node below, 0 = the bottom of the stack
    };
    struct State {
        std::vector<uint32_t> stacks;  // sorted node ids whose top is a char set (0 = an empty stack)
        bool accepting = false;
        bool can_continue = false;
    };
    static constexpr StateId kUnknown = UINT32_MAX;

    StateId advance_uncached(StateId from, uint32_t c);
    uint32_t node(uint32_t pos, uint32_t parent);
    // The stack continuing after the element at node n's top.
    uint32_t after(uint32_t n);
    // Replaces rule references on top of stack n by their alternatives until every stack's top
    // is a char set or the stack is empty; appends the results to out.
    void expand(uint32_t n, std::vector<uint32_t>& out);
    StateId intern(std::vector<uint32_t>& stacks);

    const Grammar::Rules& rules_;
    std::vector<Node> nodes_;
    std::unordered_map<uint64_t, uint32_t> node_ids_;
    std::vector<State> states_;
    std::map<std::vector<uint32_t>, StateId> state_ids_;
    std::vector<std::array<StateId, 128>> ascii_next_;         // per state, ASCII transitions
    std::unordered_map<uint64_t, StateId> other_next_;         // (state, code point) above ASCII
    std::vector<uint32_t> scratch_;
    StateId initial_ = kDead;
};

}  // namespace hearth::grammar
