// One constrained generation's grammar state: which tokens may come next, and reading the ones
// chosen. Checking the one token the sampler picked is cheap (read its bytes); the full set of
// allowed tokens is computed only when that token is refused, by walking the vocabulary trie.
#pragma once

#include <memory>
#include <vector>

#include "grammar/state_space.hpp"
#include "grammar/token_trie.hpp"
#include "grammar/utf8_reader.hpp"
#include "hearth/grammar.hpp"

namespace hearth::grammar {

class Constraint {
public:
    // Keeps references to trie; shares the grammar's rules.
    Constraint(const Grammar& grammar, const TokenTrie& trie);

    // Whether id may come next: end-of-generation tokens once the text is complete, other tokens
    // when their bytes keep the text a prefix of the language.
    bool allows(TokenId id);
    // Every token that may come next, in no particular order (reuses one buffer).
    const std::vector<TokenId>& allowed();
    // Reads the chosen token (one that allows() accepted).
    void accept(TokenId id);
    // The text so far is complete and nothing may follow: only ending is left.
    bool must_end() const noexcept;

private:
    std::string_view token_bytes(TokenId id) const noexcept;  // as shown: see first_token_drops_space
    void collect(uint32_t node, ByteState s);
    bool complete() const noexcept { return state_.between_characters() && space_.accepting(state_.state); }

    Grammar grammar_;  // keeps the rules alive for space_
    const TokenTrie& trie_;
    StateSpace space_;
    ByteState state_;
    bool first_ = true;  // no token read yet
    std::vector<TokenId> allowed_;
};

}  // namespace hearth::grammar
