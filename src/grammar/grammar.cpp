// The public Grammar (hearth/grammar.hpp): parsing GBNF and matching whole texts.
#include "hearth/grammar.hpp"

#include "grammar/rules.hpp"
#include "grammar/state_space.hpp"
#include "grammar/utf8_reader.hpp"

namespace hearth {

Grammar::Grammar(std::shared_ptr<const Rules> rules) : rules_(std::move(rules)) {}

Grammar Grammar::from_gbnf(std::string_view gbnf) {
    return Grammar(std::make_shared<const Rules>(grammar::parse_gbnf(gbnf)));
}

bool Grammar::matches(std::string_view text) const {
    grammar::StateSpace space(*rules_);
    const grammar::ByteState end = grammar::read_bytes(space, grammar::ByteState{space.initial()}, text);
    return !end.dead() && end.between_characters() && space.accepting(end.state);
}

const std::string& Grammar::gbnf() const noexcept { return rules_->source; }

}  // namespace hearth
