// GBNF literals and repetitions, and the fixed rules of JSON text (see json_gbnf_rules.hpp).
#include "grammar/json_gbnf_rules.hpp"

#include <fmt/format.h>

#include <array>

#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

// The bodies below spell these counts out: {0,14} after the first digit, {1,15} fraction digits.
// Exponents get two digits, so every number written is a finite double.
static_assert(kMaxIntegerDigits == 15 && kMaxFractionDigits == 15);

// Whitespace between tokens: nothing, one space or tab, or one line break and an indent of at most
// 20. Enough for compact and pretty-printed JSON; a model that would rather emit blank lines
// forever has to write the next token instead.
constexpr std::array kValueRules = {
    SharedRuleDef{"ws", R"(( [ \t] | "\r"? "\n" [ \t]{0,20} )?)", ""},
    // One character of a JSON string: anything but the quote, the backslash and the control
    // characters, or an escape.
    SharedRuleDef{"char", R"([^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ))", ""},
    SharedRuleDef{"string", R"("\"" char* "\"")", "char"},
    SharedRuleDef{"integer", R"("0" | "-"? [1-9] [0-9]{0,14})", ""},  // no "-0", like the ranges
    SharedRuleDef{"number", R"("-"? ( "0" | [1-9] [0-9]{0,14} ) ( "." [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,2} )?)", ""},
    SharedRuleDef{"boolean", R"("true" | "false")", ""},
    SharedRuleDef{"null", R"("null")", ""},
    SharedRuleDef{"value", "object | array | string | number | boolean | null",
                  "object array string number boolean null"},
    SharedRuleDef{"object", R"("{" ws ( member ( "," ws member )* )? "}")", "ws member"},
    SharedRuleDef{"member", R"(string ws ":" ws value ws)", "string ws value"},
    SharedRuleDef{"array", R"("[" ws ( value ws ( "," ws value ws )* )? "]")", "ws value"},
};

// One {m,n} carries at most this many copies (the GBNF parser expands repetitions into rules).
constexpr uint64_t kChunk = 1000;

std::string joined(const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return a + " " + b;
}

// item exactly n times.
std::string exactly(const std::string& item, uint64_t n) {
    if (n <= kChunk) return n == 0 ? "" : n == 1 ? item : fmt::format("{}{{{}}}", item, n);
    return joined(exactly(fmt::format("({}{{{}}})", item, kChunk), n / kChunk), exactly(item, n % kChunk));
}

// item 0..n times. Above one chunk, a count c = kChunk*a + b is read as a chunks then b items,
// with b < kChunk unless a is the most chunks allowed: one way to read each count.
std::string up_to(const std::string& item, uint64_t n) {
    if (n <= kChunk) return n == 0 ? "" : n == 1 ? item + "?" : fmt::format("{}{{0,{}}}", item, n);
    const std::string chunk = fmt::format("({}{{{}}})", item, kChunk);
    const uint64_t q = n / kChunk, r = n % kChunk;
    return fmt::format("({} | {})", joined(up_to(chunk, q - 1), up_to(item, kChunk - 1)),
                       joined(exactly(chunk, q), up_to(item, r)));
}

const SharedRuleDef* find_shared(std::string_view name) {
    for (auto table : {json_value_rules(), string_format_rules()})
        for (const SharedRuleDef& def : table)
            if (def.name == name) return &def;
    return nullptr;
}

}  // namespace

std::span<const SharedRuleDef> json_value_rules() { return kValueRules; }

std::string gbnf_literal(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7F)
                    out += fmt::format("\\x{:02X}", c);
                else
                    out += ch;  // UTF-8 sequences pass through: the GBNF parser reads UTF-8
        }
    }
    return out + "\"";
}

std::string gbnf_repeat(const std::string& item, uint64_t min, std::optional<uint64_t> max) {
    if (!max) return joined(exactly(item, min), item + "*");
    if (*max < min) throw Error(ErrorCode::internal, "gbnf_repeat: max below min");
    if (min == 0 && *max == 1) return item + "?";
    if (*max <= kChunk && min < *max) return fmt::format("{}{{{},{}}}", item, min, *max);
    return joined(exactly(item, min), up_to(item, *max - min));
}

bool is_shared_rule(std::string_view name) { return find_shared(name) != nullptr; }

std::string SharedRules::use(std::string_view name) {
    const SharedRuleDef* def = find_shared(name);
    if (def == nullptr) throw Error(ErrorCode::internal, fmt::format("no shared JSON grammar rule '{}'", name));
    if (used_.find(name) != used_.end()) return std::string(name);
    used_.emplace(name);
    text_ += fmt::format("{} ::= {}\n", def->name, def->body);
    for (std::string_view rest = def->needs; !rest.empty();) {
        const size_t space = rest.find(' ');
        use(rest.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    return std::string(name);
}

}  // namespace hearth::grammar
