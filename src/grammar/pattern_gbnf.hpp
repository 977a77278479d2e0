// JSON Schema "pattern" -> GBNF: the JSON string bodies (between the quotes) whose decoded text
// the regular expression matches. A regular subset of ECMA-262 is translated: literals, escapes
// (\d \w \s and their negations, \t \n \xHH \uHHHH ...), classes, '.', groups, alternation and
// the quantifiers * + ? {m} {m,} {m,n}, with ^ and $ at the ends of the top-level alternatives.
// Back-references, lookaround, word boundaries and Unicode property escapes are refused.
#pragma once

#include <string>
#include <string_view>

namespace hearth::grammar {

// GBNF sequence for the string's characters as JSON writes them (a quote, a backslash and
// control characters as escapes; anything else as itself). Without ^ or $ the match may be
// anywhere: any_char (the rule for one JSON string character) fills the rest. Throws
// Error(invalid_argument) naming the construct it cannot translate and its offset.
std::string pattern_gbnf(std::string_view pattern, const std::string& any_char);

}  // namespace hearth::grammar
