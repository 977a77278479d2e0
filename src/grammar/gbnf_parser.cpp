// GBNF -> Rules: a recursive-descent parser. Groups and repetitions become helper rules, so the
// matcher only ever sees characters and rule references:
//   x*      -> R ::= x R |            (right recursion: the matcher's stack does not grow)
//   x+      -> x R   with R as for x*
//   x?      -> R ::= x |
//   x{m,n}  -> m copies of x, then n-m nested optionals  R1 ::= x | ,  Rk ::= x R(k-1) |
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "grammar/rules.hpp"
#include "hearth/error.hpp"
#include "tokenizer/unicode.hpp"

namespace hearth::grammar {
namespace {

using Sequence = std::vector<Element>;
using Alternatives = std::vector<Sequence>;

// More copies than this from one {m,n} is a mistake (or an attack), not a grammar.
constexpr uint64_t kMaxRepetition = 10000;

class Parser {
public:
    Parser(std::string_view text, Grammar::Rules& out) : s_(text), out_(out) {}

    void parse() {
        while (true) {
            skip_space(true);
            if (at_end()) break;
            parse_rule();
        }
        if (ids_.find("root") == ids_.end() || !defined_[ids_["root"]]) throw Error(ErrorCode::invalid_argument, "grammar has no rule 'root'");
        for (size_t id = 0; id < bodies_.size(); ++id)
            if (!defined_[id]) {
                pos_ = first_use_[id];
                fail(fmt::format("rule '{}' is used but not defined", out_.names[id]));
            }
        flatten();
        out_.root = ids_["root"];
    }

private:
    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[pos_]; }

    [[noreturn]] void fail(const std::string& what) const {
        size_t line = 1, column = 1;
        for (size_t i = 0; i < std::min(pos_, s_.size()); ++i) {
            if (s_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw Error(ErrorCode::invalid_argument, fmt::format("grammar line {}, column {}: {}", line, column, what));
    }

    // Spaces, tabs and comments; newlines too when newline_ok (inside parentheses, after ::= or |).
    void skip_space(bool newline_ok) {
        while (!at_end()) {
            const char c = s_[pos_];
            if (c == ' ' || c == '\t' || (newline_ok && (c == '\n' || c == '\r'))) {
                ++pos_;
            } else if (c == '#') {
                while (!at_end() && s_[pos_] != '\n') ++pos_;
            } else {
                break;
            }
        }
    }

    static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    std::string parse_name() {
        const size_t start = pos_;
        while (!at_end() && is_name_char(s_[pos_])) ++pos_;
        if (pos_ == start) fail(at_end() ? "expected a rule name" : fmt::format("expected a rule name, found '{}'", peek()));
        return std::string(s_.substr(start, pos_ - start));
    }

    uint32_t rule_id(const std::string& name) {
        auto [it, fresh] = ids_.try_emplace(name, static_cast<uint32_t>(bodies_.size()));
        if (fresh) {
            bodies_.emplace_back();
            defined_.push_back(false);
            first_use_.push_back(pos_);
            out_.names.push_back(name);
        }
        return it->second;
    }

    uint32_t helper_rule(Alternatives body) {
        const uint32_t id = rule_id(fmt::format("{}-{}", out_.names[current_], ++helpers_));
        bodies_[id] = std::move(body);
        defined_[id] = true;
        return id;
    }

    void parse_rule() {
        const size_t start = pos_;
        const std::string name = parse_name();
        skip_space(false);
        if (s_.substr(pos_, 3) != "::=") fail(fmt::format("expected '::=' after rule name '{}'", name));
        pos_ += 3;
        const uint32_t id = rule_id(name);
        if (defined_[id]) {
            pos_ = start;
            fail(fmt::format("rule '{}' is defined twice", name));
        }
        defined_[id] = true;  // before the body: a helper rule may be created while parsing it
        current_ = id;
        skip_space(true);
        Alternatives body = parse_alternatives(false);
        bodies_[id] = std::move(body);
        skip_space(false);
        if (!at_end() && peek() != '\n' && peek() != '\r') fail(fmt::format("unexpected '{}'", peek()));
    }

    // At top level a newline ends the rule, unless the next line goes on with '|'.
    Alternatives parse_alternatives(bool nested) {
        Alternatives alts;
        alts.push_back(parse_sequence(nested));
        while (true) {
            const size_t before = pos_;
            skip_space(true);
            if (peek() == '|') {
                ++pos_;
                skip_space(true);
                alts.push_back(parse_sequence(nested));
                continue;
            }
            pos_ = before;
            return alts;
        }
    }

    Sequence parse_sequence(bool nested) {
        Sequence seq;
        while (true) {
            skip_space(nested);
            const char c = peek();
            if (at_end() || c == '|' || c == ')' || c == '\n' || c == '\r') return seq;
            if (!nested && is_name_char(c) && starts_rule()) return seq;
            Sequence item = parse_item();
            skip_space(nested);
            item = parse_repetition(std::move(item));
            seq.insert(seq.end(), item.begin(), item.end());
        }
    }

    // "name ::=" ahead: the previous rule ended without a newline before it.
    bool starts_rule() const {
        size_t p = pos_;
        while (p < s_.size() && is_name_char(s_[p])) ++p;
        while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t')) ++p;
        return s_.substr(p, 3) == "::=";
    }

    Sequence parse_item() {
        const char c = peek();
        if (c == '"') return parse_literal();
        if (c == '[') return {chars_element(parse_class())};
        if (c == '.') {
            ++pos_;
            CharSet any;
            any.ranges.emplace_back(0, kMaxCodePoint);
            return {chars_element(std::move(any))};
        }
        if (c == '(') {
            ++pos_;
            skip_space(true);
            Alternatives body = parse_alternatives(true);
            skip_space(true);
            if (peek() != ')') fail("expected ')'");
            ++pos_;
            return {Element{Element::Kind::rule, helper_rule(std::move(body))}};
        }
        if (is_name_char(c)) return {Element{Element::Kind::rule, rule_id(parse_name())}};
        fail(fmt::format("unexpected '{}'", c));
    }

    Element chars_element(CharSet set) {
        out_.charsets.push_back(std::move(set));
        return Element{Element::Kind::chars, static_cast<uint32_t>(out_.charsets.size() - 1)};
    }

    // One code point of a literal or class: an escape or a UTF-8 character.
    uint32_t parse_char() {
        if (at_end()) fail("unexpected end of grammar");
        if (s_[pos_] != '\\') {
            const size_t len = unicode::lead_len(static_cast<uint8_t>(s_[pos_]));
            if (!unicode::is_valid_utf8(s_.substr(pos_, len))) fail("invalid UTF-8 in the grammar");
            const unicode::Decoded d = unicode::decode(s_.data() + pos_, s_.size() - pos_);
            pos_ += d.len;
            return d.cp;
        }
        ++pos_;
        if (at_end()) fail("unexpected end of grammar after '\\'");
        const char e = s_[pos_++];
        switch (e) {
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case '0': return 0;
            case 'x': return parse_hex(2);
            case 'u': return parse_hex(4);
            case 'U': return parse_hex(8);
            case '\\': case '"': case '\'': case '[': case ']': case '-': case '^': case '/': case '.': return uint8_t(e);
            default: --pos_; fail(fmt::format("unknown escape '\\{}'", e));
        }
    }

    uint32_t parse_hex(int digits) {
        uint32_t v = 0;
        for (int i = 0; i < digits; ++i) {
            const char c = peek();
            const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) fail(fmt::format("expected {} hex digits", digits));
            v = v * 16 + uint32_t(d);
            ++pos_;
        }
        if (v > kMaxCodePoint) fail("code point above U+10FFFF");
        return v;
    }

    Sequence parse_literal() {
        ++pos_;  // the opening quote
        Sequence seq;
        while (peek() != '"') {
            if (at_end() || peek() == '\n') fail("unterminated string literal");
            CharSet one;
            const uint32_t c = parse_char();
            one.ranges.emplace_back(c, c);
            seq.push_back(chars_element(std::move(one)));
        }
        ++pos_;
        return seq;
    }

    CharSet parse_class() {
        ++pos_;  // '['
        const bool negate = peek() == '^';
        if (negate) ++pos_;
        CharSet set;
        while (peek() != ']') {
            if (at_end() || peek() == '\n') fail("unterminated character class");
            const uint32_t lo = parse_char();
            uint32_t hi = lo;
            if (peek() == '-' && pos_ + 1 < s_.size() && s_[pos_ + 1] != ']') {
                ++pos_;
                hi = parse_char();
                if (hi < lo) fail("character range is backwards");
            }
            set.ranges.emplace_back(lo, hi);
        }
        ++pos_;
        set.normalize(negate);
        return set;
    }

    uint64_t parse_count() {
        if (peek() < '0' || peek() > '9') fail("expected a number");
        uint64_t v = 0;
        while (peek() >= '0' && peek() <= '9') {
            v = v * 10 + uint64_t(peek() - '0');
            if (v > kMaxRepetition) fail(fmt::format("repetition count above {}", kMaxRepetition));
            ++pos_;
        }
        return v;
    }

    Sequence parse_repetition(Sequence item) {
        const char c = peek();
        if (c != '*' && c != '+' && c != '?' && c != '{') return item;
        ++pos_;
        // The operator applies to the whole item (all characters of a literal).
        if (item.size() != 1) item = {Element{Element::Kind::rule, helper_rule({item})}};
        const Element x = item.front();
        uint64_t min = 0, max = UINT64_MAX;  // UINT64_MAX: unbounded
        if (c == '+') min = 1;
        if (c == '?') max = 1;
        if (c == '{') {
            skip_space(false);
            min = max = parse_count();
            skip_space(false);
            if (peek() == ',') {
                ++pos_;
                skip_space(false);
                max = peek() == '}' ? UINT64_MAX : parse_count();
                skip_space(false);
            }
            if (peek() != '}') fail("expected '}'");
            ++pos_;
            if (max < min) fail("repetition {m,n} with n < m");
        }
        Sequence seq(min, x);
        if (max == UINT64_MAX) {
            const uint32_t star = helper_rule({});
            bodies_[star] = {{x, Element{Element::Kind::rule, star}}, {}};
            seq.push_back(Element{Element::Kind::rule, star});
        } else if (max > min) {
            uint32_t tail = helper_rule({{x}, {}});
            for (uint64_t k = 1; k < max - min; ++k) tail = helper_rule({{x, Element{Element::Kind::rule, tail}}, {}});
            seq.push_back(Element{Element::Kind::rule, tail});
        }
        return seq;
    }

    void flatten() {
        out_.alternatives.assign(bodies_.size(), {});
        for (size_t id = 0; id < bodies_.size(); ++id)
            for (const Sequence& alt : bodies_[id]) {
                out_.alternatives[id].push_back(static_cast<uint32_t>(out_.elements.size()));
                out_.elements.insert(out_.elements.end(), alt.begin(), alt.end());
                out_.elements.push_back(Element{});
            }
    }

    std::string_view s_;
    size_t pos_ = 0;
    Grammar::Rules& out_;
    std::unordered_map<std::string, uint32_t> ids_;
    std::vector<Alternatives> bodies_;
    std::vector<bool> defined_;
    std::vector<size_t> first_use_;
    uint32_t current_ = 0;
    uint32_t helpers_ = 0;
};

}  // namespace

Grammar::Rules parse_gbnf(std::string_view text) {
    Grammar::Rules rules;
    rules.source = std::string(text);
    Parser(text, rules).parse();
    check_no_left_recursion(rules);
    return rules;
}

}  // namespace hearth::grammar
