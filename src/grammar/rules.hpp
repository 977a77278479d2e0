// A compiled grammar: every rule's alternatives as sequences of elements in one flat array, so
// that a position in the grammar is just an index. Repetitions and groups are compiled away into
// helper rules by the parser (gbnf_parser.cpp); what remains are characters and rule references.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hearth/grammar.hpp"

namespace hearth::grammar {

inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;

// A set of code points as sorted, disjoint, non-adjacent inclusive ranges.
struct CharSet {
    std::vector<std::pair<uint32_t, uint32_t>> ranges;

    bool contains(uint32_t c) const noexcept;
    // Whether any code point in [lo, hi] is in the set.
    bool intersects(uint32_t lo, uint32_t hi) const noexcept;
    // Sorts and merges ranges; with negate, the set becomes its complement in [0, kMaxCodePoint].
    void normalize(bool negate);
};

// One step of an alternative: a character of a set, a rule, or the end of the alternative.
struct Element {
    enum class Kind : uint8_t { chars, rule, end };
    Kind kind = Kind::end;
    uint32_t index = 0;  // chars: into Rules::charsets; rule: the rule's id
};

}  // namespace hearth::grammar

namespace hearth {

struct Grammar::Rules {
    std::string source;                            // the GBNF text
    std::vector<grammar::CharSet> charsets;
    std::vector<grammar::Element> elements;        // every alternative, each ended by an `end`
    std::vector<std::vector<uint32_t>> alternatives;  // per rule: where its alternatives start
    std::vector<std::string> names;                // per rule (helper rules get derived names)
    uint32_t root = 0;
};

}  // namespace hearth

namespace hearth::grammar {

// Parses GBNF into rules (see grammar.hpp for the syntax). Throws Error(invalid_argument) with
// the line and column of the problem.
Grammar::Rules parse_gbnf(std::string_view text);
// Throws Error(invalid_argument) naming a rule that can reach itself without consuming a
// character (the matcher would expand it forever).
void check_no_left_recursion(const Grammar::Rules& rules);

}  // namespace hearth::grammar
