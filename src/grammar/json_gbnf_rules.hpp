// The pieces every generated JSON grammar is made of: GBNF literals and repetitions, and the fixed
// rules they share (bounded whitespace, strings, bounded numbers, any value, string formats).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

namespace hearth::grammar {

// Integer digits of a number whose size the schema leaves open. 15 digits stay below 2^53, so
// every such integer survives a round trip through a double (what most JSON readers parse into),
// and a model that keeps writing digits is stopped after 15.
inline constexpr int kMaxIntegerDigits = 15;
// Fraction digits likewise (a double carries about 16 significant digits).
inline constexpr int kMaxFractionDigits = 15;

// s as a GBNF string literal (quotes included): quote, backslash and control characters escaped,
// other UTF-8 kept as is.
std::string gbnf_literal(std::string_view s);

// item repeated min..max times (max empty: no upper limit), with counts above what one {m,n}
// should carry split into nested groups. item must be a single GBNF item (a name, literal, class or
// parenthesised group). Returns "" for exactly zero repetitions.
std::string gbnf_repeat(const std::string& item, uint64_t min, std::optional<uint64_t> max);

// A fixed rule: its GBNF body and the shared rules that body refers to (space separated).
struct SharedRuleDef {
    std::string_view name;
    std::string_view body;
    std::string_view needs;
};
// Whitespace, strings, numbers and any JSON value (json_gbnf_rules.cpp).
std::span<const SharedRuleDef> json_value_rules();
// The string formats (json_string_formats.cpp).
std::span<const SharedRuleDef> string_format_rules();

// Whether name is a shared rule's (reserved: generated rules never take these names).
bool is_shared_rule(std::string_view name);

// Collects the shared rules a grammar uses, each with the shared rules it needs in turn, and
// writes them in the order they were first used.
class SharedRules {
public:
    // Returns name, after making sure it and its dependencies are defined. name must be shared.
    std::string use(std::string_view name);
    // "name ::= body" lines of every used rule.
    const std::string& text() const noexcept { return text_; }

private:
    std::set<std::string, std::less<>> used_;
    std::string text_;
};

// The quoted-string rule for a JSON Schema string format (date, time, date-time, uuid, ipv4),
// nullopt for formats without one.
std::optional<std::string> string_format_rule(std::string_view format);

// Fewest and most characters between the quotes of a string of that format.
struct LengthRange {
    uint64_t min = 0;
    uint64_t max = 0;
};
LengthRange string_format_length(std::string_view format);

}  // namespace hearth::grammar
