// Parse states of a grammar (state_space.hpp).
#include "grammar/state_space.hpp"

#include <algorithm>

#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

// A grammar so ambiguous that one state holds this many stacks would make every step crawl.
constexpr size_t kMaxStacks = 1 << 16;

}  // namespace

StateSpace::StateSpace(const Grammar::Rules& rules) : rules_(rules) {
    nodes_.push_back({0, 0});  // node 0: the empty stack
    states_.emplace_back();    // state 0: dead
    ascii_next_.emplace_back();
    ascii_next_.back().fill(kDead);
    std::vector<uint32_t> stacks;
    for (uint32_t start : rules_.alternatives[rules_.root])
        expand(rules_.elements[start].kind == Element::Kind::end ? 0 : node(start, 0), stacks);
    initial_ = intern(stacks);
}

uint32_t StateSpace::node(uint32_t pos, uint32_t parent) {
    const uint64_t key = uint64_t(pos) << 32 | parent;
    auto [it, fresh] = node_ids_.try_emplace(key, static_cast<uint32_t>(nodes_.size()));
    if (fresh) nodes_.push_back({pos, parent});
    return it->second;
}

uint32_t StateSpace::after(uint32_t n) {
    const Node cell = nodes_[n];
    const uint32_t next = cell.pos + 1;
    // At the end of an alternative the rule is done: continue with the stack below (whose top
    // already is the element after the reference), so repetitions do not grow the stack.
    return rules_.elements[next].kind == Element::Kind::end ? cell.parent : node(next, cell.parent);
}

void StateSpace::expand(uint32_t n, std::vector<uint32_t>& out) {
    if (n != 0 && rules_.elements[nodes_[n].pos].kind == Element::Kind::rule) {
        const uint32_t rule = rules_.elements[nodes_[n].pos].index;
        const uint32_t rest = after(n);
        for (uint32_t start : rules_.alternatives[rule])
            expand(rules_.elements[start].kind == Element::Kind::end ? rest : node(start, rest), out);
        return;
    }
    out.push_back(n);
    if (out.size() > kMaxStacks) throw Error(ErrorCode::invalid_argument, "grammar is too ambiguous: one position has over 65536 parses");
}

StateSpace::StateId StateSpace::intern(std::vector<uint32_t>& stacks) {
    std::sort(stacks.begin(), stacks.end());
    stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
    if (stacks.empty()) return kDead;
    auto [it, fresh] = state_ids_.try_emplace(stacks, static_cast<StateId>(states_.size()));
    if (fresh) {
        State s;
        s.stacks = stacks;
        s.accepting = stacks.front() == 0;
        s.can_continue = stacks.back() != 0;
        states_.push_back(std::move(s));
        ascii_next_.emplace_back();
        ascii_next_.back().fill(kUnknown);
    }
    return it->second;
}

StateSpace::StateId StateSpace::advance_uncached(StateId from, uint32_t c) {
    if (c >= 128)
        if (auto it = other_next_.find(uint64_t(from) << 32 | c); it != other_next_.end()) return it->second;
    scratch_.clear();
    for (uint32_t n : states_[from].stacks) {
        if (n == 0) continue;
        if (rules_.charsets[rules_.elements[nodes_[n].pos].index].contains(c)) expand(after(n), scratch_);
    }
    const StateId to = intern(scratch_);
    if (c < 128)
        ascii_next_[from][c] = to;
    else
        other_next_.emplace(uint64_t(from) << 32 | c, to);
    return to;
}

bool StateSpace::may_read(StateId s, uint32_t lo, uint32_t hi) const {
    for (uint32_t n : states_[s].stacks)
        if (n != 0 && rules_.charsets[rules_.elements[nodes_[n].pos].index].intersects(lo, hi)) return true;
    return false;
}

}  // namespace hearth::grammar
