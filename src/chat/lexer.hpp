// Lexer of the Jinja subset: splits a template into text and tag tokens, applying whitespace
// control the way Hugging Face renders chat templates (trim_blocks + lstrip_blocks, and the
// explicit {%- -%} {{- -}} {#- -#} markers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth::jinja {

enum class TokenKind {
    text,        // literal template text (whitespace control already applied)
    expr_open,   // {{
    expr_close,  // }}
    stmt_open,   // {%
    stmt_close,  // %}
    name,        // identifier or keyword
    string,      // string literal, escapes resolved
    integer,
    floating,
    op,  // punctuation: == != <= >= // ** < > + - * / % ~ | . , : ( ) [ ] { } =
    end,
};

struct Token {
    TokenKind kind = TokenKind::end;
    std::string text;
    int line = 1, col = 1;
};

// Throws hearth::Error(invalid_argument) "chat template: line L, col C: what" — the one error
// format of the interpreter, for syntax and runtime errors alike.
[[noreturn]] void fail_at(int line, int col, const std::string& what);

// Throws hearth::Error(invalid_argument) with line/col on an unterminated tag or string,
// or an unexpected character.
std::vector<Token> tokenize(std::string_view source);

}  // namespace hearth::jinja
