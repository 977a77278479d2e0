// Template text -> tokens. Tag contents are lexed as expression tokens; text between tags gets
// whitespace control applied here so the parser and evaluator never think about it.
#include "chat/lexer.hpp"

#include <cstdint>

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "tokenizer/unicode.hpp"

namespace hearth::jinja {
namespace {

constexpr std::string_view kSpace = " \t\n\r\f\v";

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Lexer {
public:
    // Like Jinja (keep_trailing_newline=False), one newline ending the template is dropped.
    explicit Lexer(std::string_view src) : source_(normalise_newlines(src)), src_(source_) {}

    std::vector<Token> run() {
        while (pos_ < src_.size()) {
            const size_t tag = find_tag(pos_);
            const bool at_start = pos_ == 0;
            if (tag == std::string_view::npos) {
                emit_text(src_.substr(pos_), false, false, at_start, line_, col_);
                advance(src_.size() - pos_);
                break;
            }
            const char kind = src_[tag + 1];
            const char mod = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
            const bool block_like = kind == '%' || kind == '#';
            emit_text(src_.substr(pos_, tag - pos_), mod == '-', block_like && mod != '+' && mod != '-', at_start,
                      line_, col_);
            advance(tag - pos_);
            const int tag_line = line_, tag_col = col_;
            advance(2 + ((mod == '-' || mod == '+') ? 1 : 0));
            if (kind == '#') {
                lex_comment(tag_line, tag_col);
            } else if (kind == '%' && try_raw(tag_line, tag_col)) {
                continue;
            } else {
                push(kind == '{' ? TokenKind::expr_open : TokenKind::stmt_open, kind == '{' ? "{{" : "{%", tag_line,
                     tag_col);
                lex_inside(kind == '{' ? "}}" : "%}", tag_line, tag_col);
            }
        }
        push(TokenKind::end, "", line_, col_);
        return std::move(out_);
    }

private:
    // What the text after the last tag loses at its start.
    enum class Lead { none, strip_all, trim_newline };

    // Jinja normalises line endings to "\n" in text and string literals; doing it once up
    // front keeps every later rule (trim_blocks, lstrip_blocks) about '\n' only.
    static std::string normalise_newlines(std::string_view s) {
        std::string out;
        out.reserve(s.size());
        for (size_t i = 0; i < s.size(); ++i) {
            if (s[i] != '\r')
                out += s[i];
            else if (i + 1 >= s.size() || s[i + 1] != '\n')
                out += '\n';
        }
        if (out.ends_with('\n')) out.pop_back();  // keep_trailing_newline=False
        return out;
    }

    std::string source_;
    std::string_view src_;
    size_t pos_ = 0;
    int line_ = 1, col_ = 1;
    Lead lead_ = Lead::none;
    std::vector<Token> out_;

    [[noreturn]] static void fail(const std::string& what, int line, int col) { fail_at(line, col, what); }

    void advance(size_t n) {
        for (size_t i = 0; i < n && pos_ < src_.size(); ++i, ++pos_) {
            if (src_[pos_] == '\n')
                ++line_, col_ = 1;
            else
                ++col_;
        }
    }

    bool at(std::string_view s) const { return src_.substr(pos_, s.size()) == s; }

    void push(TokenKind kind, std::string text, int line, int col) {
        out_.push_back(Token{kind, std::move(text), line, col});
    }

    size_t find_tag(size_t from) const {
        for (size_t i = src_.find('{', from); i != std::string_view::npos; i = src_.find('{', i + 1))
            if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
        return std::string_view::npos;
    }

    // strip_right: the next tag opened with '-'. lstrip: the next tag is a block or comment
    // (lstrip_blocks drops the spaces/tabs before it when they start its line).
    void emit_text(std::string_view raw, bool strip_right, bool lstrip, bool at_start, int line, int col) {
        size_t run = 0;  // trailing spaces/tabs that begin a line
        if (lstrip) {
            const size_t nl = raw.find_last_of('\n');
            const size_t from = nl == std::string_view::npos ? 0 : nl + 1;
            if ((nl != std::string_view::npos || at_start) &&
                raw.find_first_not_of(" \t", from) == std::string_view::npos)
                run = raw.size() - from;
        }
        std::string t(raw);
        if (lead_ == Lead::strip_all) {
            const size_t first = t.find_first_not_of(kSpace);
            t.erase(0, first == std::string::npos ? t.size() : first);
        } else if (lead_ == Lead::trim_newline) {
            if (t.starts_with('\n'))
                t.erase(0, 1);
            else if (t.starts_with("\r\n"))
                t.erase(0, 2);
        }
        lead_ = Lead::none;
        if (strip_right) {
            const size_t last = t.find_last_not_of(kSpace);
            t.erase(last == std::string::npos ? 0 : last + 1);
        } else {
            t.erase(t.size() - std::min(run, t.size()));
        }
        if (!t.empty()) push(TokenKind::text, std::move(t), line, col);
    }

    void lex_comment(int line, int col) {
        const size_t end = src_.find("#}", pos_);
        if (end == std::string_view::npos) fail("unterminated comment", line, col);
        const char before = end > pos_ ? src_[end - 1] : '\0';
        advance(end + 2 - pos_);
        lead_ = before == '-' ? Lead::strip_all : before == '+' ? Lead::none : Lead::trim_newline;
    }

    // Skips spaces and reports whether `word` follows (consuming it when it does).
    bool skip_to_word(size_t& p, std::string_view word) const {
        while (p < src_.size() && (src_[p] == ' ' || src_[p] == '\t' || src_[p] == '\n')) ++p;
        if (src_.substr(p, word.size()) != word ||
            (p + word.size() < src_.size() && is_name_char(src_[p + word.size()])))
            return false;
        p += word.size();
        while (p < src_.size() && (src_[p] == ' ' || src_[p] == '\t' || src_[p] == '\n')) ++p;
        return true;
    }

    // Length of a "-%}", "+%}" or "%}" at p (0 if none), and the modifier.
    size_t close_at(size_t p, char& mod) const {
        mod = '\0';
        if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) mod = src_[p++];
        return src_.substr(p, 2) == "%}" ? (mod ? 3 : 2) : 0;
    }

    // {% raw %} ... {% endraw %}: the text between is emitted verbatim.
    bool try_raw(int line, int col) {
        size_t p = pos_;
        char mod;
        if (!skip_to_word(p, "raw")) return false;
        const size_t close = close_at(p, mod);
        if (!close) return false;
        advance(p + close - pos_);
        lead_ = mod == '-' ? Lead::strip_all : Lead::none;  // Jinja keeps the newline after {% raw %}
        for (size_t tag = find_tag(pos_); tag != std::string_view::npos; tag = find_tag(tag + 1)) {
            if (src_[tag + 1] != '%') continue;
            size_t q = tag + 2;
            const char open_mod = q < src_.size() ? src_[q] : '\0';
            if (open_mod == '-' || open_mod == '+') ++q;
            if (!skip_to_word(q, "endraw")) continue;
            const size_t end_close = close_at(q, mod);
            if (!end_close) continue;
            emit_text(src_.substr(pos_, tag - pos_), open_mod == '-', open_mod != '+', false, line_, col_);
            advance(q + end_close - pos_);
            lead_ = mod == '-' ? Lead::strip_all : mod == '+' ? Lead::none : Lead::trim_newline;
            return true;
        }
        fail("unterminated {% raw %} block", line, col);
    }

    void lex_inside(std::string_view close, int open_line, int open_col) {
        int depth = 0;  // brackets: a dict literal's "}}" must not end a {{ }} tag
        for (;;) {
            while (pos_ < src_.size() && kSpace.find(src_[pos_]) != std::string_view::npos) advance(1);
            if (pos_ >= src_.size()) fail("unterminated tag", open_line, open_col);
            const int line = line_, col = col_;
            if (depth == 0) {
                const bool minus = src_[pos_] == '-', plus = src_[pos_] == '+';
                if ((minus || plus) && src_.substr(pos_ + 1, 2) == close) {
                    advance(3);
                    lead_ = minus ? Lead::strip_all : Lead::none;
                    push(close == "}}" ? TokenKind::expr_close : TokenKind::stmt_close, std::string(close), line, col);
                    return;
                }
                if (at(close)) {
                    advance(2);
                    lead_ = close == "%}" ? Lead::trim_newline : Lead::none;
                    push(close == "}}" ? TokenKind::expr_close : TokenKind::stmt_close, std::string(close), line, col);
                    return;
                }
            }
            const char c = src_[pos_];
            if (is_name_start(c)) {
                size_t n = 1;
                while (pos_ + n < src_.size() && is_name_char(src_[pos_ + n])) ++n;
                push(TokenKind::name, std::string(src_.substr(pos_, n)), line, col);
                advance(n);
            } else if (is_digit(c)) {
                lex_number(line, col);
            } else if (c == '\'' || c == '"') {
                lex_string(line, col);
            } else {
                lex_op(depth, line, col);
            }
        }
    }

    // Digits with Python's '_' separators (1_000) from offset n on; returns the new offset.
    size_t digits_from(size_t n) const {
        while (pos_ + n < src_.size() &&
               (is_digit(src_[pos_ + n]) ||
                (src_[pos_ + n] == '_' && pos_ + n + 1 < src_.size() && is_digit(src_[pos_ + n + 1]))))
            ++n;
        return n;
    }

    void lex_number(int line, int col) {
        bool is_float = false;
        size_t n = digits_from(0);
        // After a '.', digits are an item index (x.0.1), never a float (as Jinja's lexer).
        const bool after_dot = pos_ > 0 && src_[pos_ - 1] == '.';
        if (!after_dot && pos_ + n + 1 < src_.size() && src_[pos_ + n] == '.' && is_digit(src_[pos_ + n + 1])) {
            is_float = true;
            n = digits_from(n + 1);
        }
        if (pos_ + n < src_.size() && (src_[pos_ + n] == 'e' || src_[pos_ + n] == 'E')) {
            size_t m = n + 1;
            if (pos_ + m < src_.size() && (src_[pos_ + m] == '+' || src_[pos_ + m] == '-')) ++m;
            if (pos_ + m < src_.size() && is_digit(src_[pos_ + m])) {
                is_float = true;
                n = digits_from(m);
            }
        }
        std::string text(src_.substr(pos_, n));
        std::erase(text, '_');
        push(is_float ? TokenKind::floating : TokenKind::integer, std::move(text), line, col);
        advance(n);
    }

    int hex_digit(size_t p) const {
        if (p >= src_.size()) return -1;
        const char c = src_[p];
        if (is_digit(c)) return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    void lex_string(int line, int col) {
        const char quote = src_[pos_];
        std::string s;
        size_t p = pos_ + 1;
        for (;; ++p) {
            if (p >= src_.size()) fail("unterminated string literal", line, col);
            const char c = src_[p];
            if (c == quote) break;
            if (c != '\\' || p + 1 >= src_.size()) {
                s += c;
                continue;
            }
            const char e = src_[++p];
            switch (e) {
                case 'n': s += '\n'; break;
                case 't': s += '\t'; break;
                case 'r': s += '\r'; break;
                case 'b': s += '\b'; break;
                case 'f': s += '\f'; break;
                case '0': s += '\0'; break;
                case '\\': s += '\\'; break;
                case '\'': s += '\''; break;
                case '"': s += '"'; break;
                case '\n': break;  // line continuation
                case 'x':
                case 'u':
                case 'U': {
                    const int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    uint32_t cp = 0;
                    for (int i = 1; i <= digits; ++i) {
                        const int h = hex_digit(p + static_cast<size_t>(i));
                        if (h < 0) fail("bad \\" + std::string(1, e) + " escape in string literal", line, col);
                        cp = cp * 16 + static_cast<uint32_t>(h);
                    }
                    if (cp > 0x10FFFF) fail("escape beyond U+10FFFF in string literal", line, col);
                    unicode::append_utf8(s, cp);
                    p += static_cast<size_t>(digits);
                    break;
                }
                default: s += '\\', s += e;  // Python keeps unknown escapes as written
            }
        }
        advance(p + 1 - pos_);
        push(TokenKind::string, std::move(s), line, col);
    }

    void lex_op(int& depth, int line, int col) {
        static constexpr std::string_view two[] = {"==", "!=", "<=", ">=", "//", "**"};
        for (std::string_view op : two)
            if (at(op)) {
                push(TokenKind::op, std::string(op), line, col);
                advance(2);
                return;
            }
        const char c = src_[pos_];
        if (std::string_view("<>+-*/%~|.,:()[]{}=").find(c) == std::string_view::npos)
            fail(std::string("unexpected character '") + c + "'", line, col);
        if (c == '(' || c == '[' || c == '{') ++depth;
        if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
        push(TokenKind::op, std::string(1, c), line, col);
        advance(1);
    }
};

}  // namespace

void fail_at(int line, int col, const std::string& what) {
    throw Error(ErrorCode::invalid_argument, fmt::format("chat template: line {}, col {}: {}", line, col, what));

}

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace hearth::jinja
