// Regular expression -> GBNF (see pattern_gbnf.hpp): a recursive-descent parser over code points
// that writes GBNF as it goes. Sets of characters are kept as code point ranges until they are
// written, because JSON must escape some of their members ("\"", "\\", control characters).
#include "grammar/pattern_gbnf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "grammar/json_gbnf_rules.hpp"
#include "grammar/rules.hpp"
#include "hearth/error.hpp"
#include "tokenizer/unicode.hpp"

namespace hearth::grammar {
namespace {

// Sorted, merged inclusive code point ranges.
class CodePointSet {
public:
    void add(uint32_t lo, uint32_t hi) { ranges_.emplace_back(lo, hi); }
    void add(const CodePointSet& other) { ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end()); }

    // The set arithmetic is CharSet's (rules.hpp), the grammar's own code point sets.
    void normalize() { ranges_ = normalized(false); }
    CodePointSet complement() const {
        CodePointSet out;
        out.ranges_ = normalized(true);
        return out;
    }

    bool contains(uint32_t c) const {
        return std::any_of(ranges_.begin(), ranges_.end(), [c](const auto& r) { return r.first <= c && c <= r.second; });
    }
    const std::vector<std::pair<uint32_t, uint32_t>>& ranges() const { return ranges_; }

private:
    std::vector<std::pair<uint32_t, uint32_t>> normalized(bool negate) const {
        CharSet set{ranges_};
        set.normalize(negate);
        return std::move(set.ranges);
    }

    std::vector<std::pair<uint32_t, uint32_t>> ranges_;
};

CodePointSet set_of(std::initializer_list<std::pair<uint32_t, uint32_t>> ranges) {
    CodePointSet s;
    for (const auto& [lo, hi] : ranges) s.add(lo, hi);
    return s;
}

// ECMA-262's \s: WhiteSpace and LineTerminator.
CodePointSet space_set() {
    return set_of({{0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A}, {0x2028, 0x2029},
                   {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}});
}

// One code point inside a GBNF character class.
std::string class_char(uint32_t c) {
    if (c == ']' || c == '[' || c == '\\' || c == '^' || c == '-' || c == '"') return fmt::format("\\{}", static_cast<char>(c));
    if (c > 0x20 && c < 0x7F) return std::string(1, static_cast<char>(c));
    if (c <= 0xFF) return fmt::format("\\x{:02X}", c);
    if (c <= 0xFFFF) return fmt::format("\\u{:04X}", c);
    return fmt::format("\\U{:08X}", c);
}

// GBNF for one character of the set as JSON writes it: the members JSON writes as themselves in
// one class (or a literal, for one character), then the escapes: \" \\, the short ones of \b \t
// \n \f \r, and \u00XX (lower-case hex) for the other control characters. nullopt for the empty set.
std::optional<std::string> json_chars(CodePointSet set) {
    set.normalize();
    std::string plain;  // class body
    uint32_t plain_count = 0, plain_first = 0;
    std::vector<std::string> escapes;
    std::vector<uint32_t> controls;  // those without a short escape
    for (auto [lo, hi] : set.ranges()) {
        for (uint32_t c = lo; c <= std::min<uint32_t>(hi, 0x5C); ++c) {  // controls, '"' and '\\' are below 0x5D
            switch (c) {
                case '"': escapes.push_back(R"("\\\"")"); break;
                case '\\': escapes.push_back(R"("\\\\")"); break;
                case '\b': escapes.push_back(R"("\\b")"); break;
                case '\t': escapes.push_back(R"("\\t")"); break;
                case '\n': escapes.push_back(R"("\\n")"); break;
                case '\f': escapes.push_back(R"("\\f")"); break;
                case '\r': escapes.push_back(R"("\\r")"); break;
                default:
                    if (c < 0x20) controls.push_back(c);
            }
        }
        // The rest of the range, without the characters JSON escapes.
        uint32_t from = std::max<uint32_t>(lo, 0x20);
        auto piece = [&](uint32_t a, uint32_t b) {
            if (plain_count == 0) plain_first = a;
            plain_count += b - a + 1;
            plain += a == b ? class_char(a) : class_char(a) + "-" + class_char(b);
        };
        for (const uint32_t special : {uint32_t('"'), uint32_t('\\')}) {
            if (from <= hi && special >= from && special <= hi) {
                if (special > from) piece(from, special - 1);
                from = special + 1;
            }
        }
        if (from <= hi) piece(from, hi);
    }
    std::vector<std::string> alts;
    if (plain_count == 1) {
        std::string utf8;
        unicode::append_utf8(utf8, plain_first);
        alts.push_back(gbnf_literal(utf8));
    } else if (plain_count > 1) {
        alts.push_back("[" + plain + "]");
    }
    alts.insert(alts.end(), escapes.begin(), escapes.end());
    // \u0000-\u001f by their last two hex digits: "0" or "1", then the allowed last digits.
    for (const uint32_t high : {0u, 1u}) {
        std::string digits;
        for (const uint32_t c : controls)
            if (c >> 4 == high) digits += fmt::format("{:x}", c & 0xF);
        if (!digits.empty()) alts.push_back(fmt::format(R"("\\u00{}" [{}])", high, digits));
    }
    if (alts.empty()) return std::nullopt;
    return alts.size() == 1 ? alts[0] : "( " + fmt::format("{}", fmt::join(alts, " | ")) + " )";
}

// A translated part of the pattern. A part that can match the empty string also carries a GBNF
// item for its non-empty matches, because that is what gets repeated: the GBNF x* of an x that
// matches "" is left-recursive (the engine refuses it), while (x minus "")* is the same language.
struct Piece {
    std::string gbnf;
    bool nullable = true;
    bool single = false;   // one GBNF item (a literal, a class, a group): repeatable without parentheses
    bool literal = false;  // a plain GBNF literal, which the next one can be merged into
    std::optional<std::string> nonempty;  // nullable parts: an item for the matches but ""; nullopt: none
};

std::string as_item(const std::string& gbnf, bool single) { return single ? gbnf : "( " + gbnf + " )"; }

// The item for a piece's non-empty matches.
std::optional<std::string> nonempty_item(const Piece& p) {
    return p.nullable ? p.nonempty : std::optional<std::string>(as_item(p.gbnf, p.single));
}

std::optional<std::string> any_of_items(const std::vector<std::string>& items) {
    if (items.empty()) return std::nullopt;
    return items.size() == 1 ? items[0] : "( " + fmt::format("{}", fmt::join(items, " | ")) + " )";
}

bool is_plain_literal(const std::string& g) {
    if (g.size() < 2 || g.front() != '"') return false;
    size_t i = 1;
    while (i < g.size() && g[i] != '"') i += g[i] == '\\' ? 2 : 1;
    return i == g.size() - 1;
}

std::string joined(const std::vector<Piece>& pieces, std::string_view sep) {
    std::string out;
    for (const Piece& p : pieces) {
        if (!out.empty() && !p.gbnf.empty()) out += sep;
        out += p.gbnf;
    }
    return out;
}

class PatternParser {
public:
    PatternParser(std::string_view pattern, const std::string& any_char) : any_char_(any_char) {
        for (size_t i = 0; i < pattern.size();) {
            const unicode::Decoded d = unicode::decode(pattern.data() + i, pattern.size() - i);
            cps_.push_back(d.cp);
            offsets_.push_back(i);
            i += d.len;
        }
        offsets_.push_back(pattern.size());
    }

    std::string parse() {
        std::vector<std::string> alts;
        do {
            const bool anchored_start = eat('^');
            Piece seq = sequence(true);
            const bool anchored_end = eat('$');
            if (!at_end() && peek() != '|') fail(peek() == ')' ? "unbalanced ')'" : "'^' or '$' inside the pattern is not supported");
            // An unanchored end may be followed (or preceded) by anything.
            std::vector<Piece> parts;
            if (!anchored_start) parts.push_back({any_char_ + "*"});
            parts.push_back(std::move(seq));
            if (!anchored_end) parts.push_back({any_char_ + "*"});
            alts.push_back(joined(parts, " "));
        } while (eat('|'));
        return alts.size() == 1 ? alts[0] : "( " + fmt::format("{}", fmt::join(alts, " | ")) + " )";
    }

private:
    bool at_end() const { return pos_ >= cps_.size(); }
    uint32_t peek(size_t ahead = 0) const { return pos_ + ahead < cps_.size() ? cps_[pos_ + ahead] : 0; }
    bool eat(uint32_t c) {
        if (at_end() || cps_[pos_] != c) return false;
        ++pos_;
        return true;
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw Error(ErrorCode::invalid_argument, fmt::format("{} (pattern offset {})", what, offsets_[std::min(pos_, cps_.size())]));
    }

    // Alternatives inside a group.
    Piece alternatives() {
        std::vector<Piece> alts;
        do alts.push_back(sequence(false));
        while (eat('|'));
        const bool nullable = std::any_of(alts.begin(), alts.end(), [](const Piece& p) { return p.nullable; });
        if (alts.size() == 1) return alts[0];
        std::vector<std::string> texts, nonempty;
        for (const Piece& p : alts) {
            texts.push_back(p.gbnf);  // an empty one stays: the group may match nothing
            if (auto ne = nonempty_item(p)) nonempty.push_back(*ne);
        }
        return {"( " + fmt::format("{}", fmt::join(texts, " | ")) + " )", nullable, true, false, any_of_items(nonempty)};
    }

    // Items up to '|', ')' or the end (at top level also up to a final '$').
    Piece sequence(bool top) {
        std::vector<Piece> items;
        bool nullable = true;
        while (!at_end() && peek() != '|' && peek() != ')') {
            if (top && peek() == '$' && (pos_ + 1 == cps_.size() || peek(1) == '|')) break;
            Piece item = quantified(atom());
            nullable = nullable && item.nullable;
            if (!items.empty() && items.back().literal && item.literal) {  // "a" "b" -> "ab"
                items.back().gbnf.pop_back();
                items.back().gbnf += item.gbnf.substr(1);
                continue;
            }
            items.push_back(std::move(item));
        }
        Piece out{joined(items, " "), nullable, items.size() == 1 && items[0].single};
        if (nullable) {
            // Every item may be empty: a non-empty match has a first non-empty item k, then anything.
            std::vector<std::string> starts;
            for (size_t k = 0; k < items.size(); ++k) {
                const std::optional<std::string> first = nonempty_item(items[k]);
                if (!first) continue;
                const std::vector<Piece> rest(items.begin() + static_cast<std::ptrdiff_t>(k) + 1, items.end());
                const std::string tail = joined(rest, " ");
                starts.push_back(tail.empty() ? *first : *first + " " + tail);
            }
            out.nonempty = starts.size() == 1 ? "( " + starts[0] + " )" : any_of_items(starts);
        }
        return out;
    }

    Piece quantified(Piece item) {
        uint64_t min = 0;
        std::optional<uint64_t> max;
        if (eat('*')) {
        } else if (eat('+')) {
            min = 1;
        } else if (eat('?')) {
            max = 1;
        } else if (peek() == '{' && counted(min, max)) {
        } else {
            return item;
        }
        eat('?');  // a lazy quantifier matches the same strings
        if (peek() == '*' || peek() == '+' || peek() == '?' || (peek() == '{' && counted_ahead()))
            fail("a quantifier after a quantifier is not supported");
        if (!item.nullable) {
            const std::string x = as_item(item.gbnf, item.single);
            Piece out{gbnf_repeat(x, min, max), min == 0};
            if (min == 0 && max != std::optional<uint64_t>(0)) out.nonempty = as_item(gbnf_repeat(x, 1, max), false);
            return out;
        }
        // x{m,n} with x matching "": the empty copies can be left out, so it is (x minus ""){0,n}.
        if (!item.nonempty || max == std::optional<uint64_t>(0)) return Piece{};  // only "" either way
        Piece out{gbnf_repeat(*item.nonempty, 0, max), true};
        out.nonempty = as_item(gbnf_repeat(*item.nonempty, 1, max), false);
        return out;
    }

    bool counted_ahead() {
        const size_t saved = pos_;
        uint64_t m;
        std::optional<uint64_t> n;
        const bool yes = counted(m, n);
        pos_ = saved;
        return yes;
    }

    // {m}, {m,} or {m,n}; anything else after '{' is a literal brace (as in browsers' regexps).
    bool counted(uint64_t& min, std::optional<uint64_t>& max) {
        size_t p = pos_ + 1;
        auto number = [&](uint64_t& v) {
            const size_t start = p;
            v = 0;
            while (p < cps_.size() && cps_[p] >= '0' && cps_[p] <= '9' && v < 100000) v = v * 10 + (cps_[p++] - '0');
            return p > start;
        };
        uint64_t lo = 0, hi = 0;
        if (!number(lo)) return false;
        bool open = false;
        if (p < cps_.size() && cps_[p] == ',') {
            ++p;
            open = !number(hi);
        } else {
            hi = lo;
        }
        if (p >= cps_.size() || cps_[p] != '}') return false;
        if (!open && hi < lo) fail("a {m,n} quantifier with n < m");
        pos_ = p + 1;
        min = lo;
        max = open ? std::nullopt : std::optional<uint64_t>(hi);
        return true;
    }

    Piece atom() {
        const uint32_t c = peek();
        ++pos_;
        switch (c) {
            case '(': {
                if (eat('?')) {
                    if (eat(':')) {
                    } else if (peek() == '<' && peek(1) != '=' && peek(1) != '!') {
                        while (!at_end() && peek() != '>') ++pos_;  // a named group's name
                        if (!eat('>')) fail("unterminated group name");
                    } else {
                        fail("lookahead and lookbehind are not supported");
                    }
                }
                Piece inner = alternatives();
                if (!eat(')')) fail("missing ')'");
                return inner;
            }
            case '[': return chars(bracket_class());
            case '.': return chars(set_of({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}).complement());
            case '\\': return chars(escape(false));
            case '^':
            case '$': --pos_; fail("'^' or '$' inside the pattern is not supported");
            case '*':
            case '+':
            case '?': --pos_; fail("nothing to repeat");
            case '{':
                --pos_;
                if (counted_ahead()) fail("nothing to repeat");
                ++pos_;
                return chars(set_of({{c, c}}));  // a brace that starts no quantifier is itself
            default: return chars(set_of({{c, c}}));
        }
    }

    Piece chars(const CodePointSet& set) {
        std::optional<std::string> g = json_chars(set);
        if (!g) fail("a character class that matches nothing is not supported");
        return {*g, false, true, is_plain_literal(*g), std::nullopt};
    }

    // After '\': the characters the escape stands for. In a class, \b is a backspace.
    CodePointSet escape(bool in_class) {
        if (at_end()) fail("the pattern ends with '\\'");
        const uint32_t c = peek();
        ++pos_;
        auto one = [](uint32_t x) { return set_of({{x, x}}); };
        const CodePointSet word = set_of({{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}});
        switch (c) {
            case 'd': return set_of({{'0', '9'}});
            case 'D': return set_of({{'0', '9'}}).complement();
            case 'w': return word;
            case 'W': return word.complement();
            case 's': return space_set();
            case 'S': return space_set().complement();
            case 't': return one('\t');
            case 'n': return one('\n');
            case 'r': return one('\r');
            case 'v': return one('\v');
            case 'f': return one('\f');
            case '0':
                if (peek() >= '0' && peek() <= '9') fail("octal escapes are not supported");
                return one(0);
            case 'x': return one(hex(2));
            case 'u':
                if (peek() == '{') fail("\\u{...} escapes are not supported");
                return one(hex(4));
            case 'b':
                if (in_class) return one('\b');
                fail("word boundaries (\\b) are not supported");
            case 'B': fail("word boundaries (\\B) are not supported");
            case 'p':
            case 'P': fail("Unicode property escapes are not supported");
            case 'c': fail("control escapes (\\c) are not supported");
            case 'k': fail("named back-references are not supported");
            default:
                if (c >= '1' && c <= '9') fail("back-references are not supported");
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) fail(fmt::format("unknown escape '\\{}'", static_cast<char>(c)));
                return one(c);  // \. \* \/ \- ...: the character itself
        }
    }

    uint32_t hex(int digits) {
        uint32_t v = 0;
        for (int i = 0; i < digits; ++i) {
            const uint32_t c = peek();
            const int d = c >= '0' && c <= '9' ? int(c - '0') : c >= 'a' && c <= 'f' ? int(c - 'a' + 10) : c >= 'A' && c <= 'F' ? int(c - 'A' + 10) : -1;
            if (d < 0) fail(fmt::format("expected {} hex digits", digits));
            v = v * 16 + uint32_t(d);
            ++pos_;
        }
        return v;
    }

    // After '[': the class up to ']'.
    CodePointSet bracket_class() {
        const bool negate = eat('^');
        CodePointSet set;
        // One member: a character (which may start a range; then single is set) or a class escape.
        auto member = [&](std::optional<uint32_t>& single) {
            single.reset();
            if (eat('\\')) {
                CodePointSet s = escape(true);
                if (s.ranges().size() == 1 && s.ranges()[0].first == s.ranges()[0].second) single = s.ranges()[0].first;
                return s;
            }
            const uint32_t c = peek();
            ++pos_;
            single = c;
            return set_of({{c, c}});
        };
        while (true) {
            if (at_end()) fail("missing ']'");
            if (eat(']')) break;
            std::optional<uint32_t> lo, hi;
            const CodePointSet left = member(lo);
            if (lo && peek() == '-' && pos_ + 1 < cps_.size() && peek(1) != ']') {
                ++pos_;
                member(hi);
                if (!hi) fail("a range with a class escape at its end is not supported");
                if (*hi < *lo) fail("a character range out of order");
                set.add(*lo, *hi);
            } else {
                set.add(left);  // a '-' after a class escape is a plain '-' next time round
            }
        }
        return negate ? set.complement() : set;
    }

    const std::string& any_char_;
    std::vector<uint32_t> cps_;
    std::vector<size_t> offsets_;  // byte offset of each code point, for messages
    size_t pos_ = 0;
};

}  // namespace

std::string pattern_gbnf(std::string_view pattern, const std::string& any_char) {
    return PatternParser(pattern, any_char).parse();
}

}  // namespace hearth::grammar
