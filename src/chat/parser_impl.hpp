// The Jinja-subset parser's class, shared by parser.cpp (statements) and parse_expression.cpp
// (expressions, following Jinja's precedence). Internal to src/chat.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "chat/ast.hpp"
#include "chat/lexer.hpp"
#include "hearth/error.hpp"

namespace hearth::jinja {

inline constexpr int kMaxParseDepth = 128;  // nesting of statements + expressions: bounds recursion

class Parser {
public:
    explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

    Body parse_template() {
        std::string stopped;
        Body body = parse_body({}, stopped);
        return body;
    }

private:
    const std::vector<Token>& t_;
    size_t i_ = 0;
    int depth_ = 0;

    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser) : p(parser) {
            if (++p.depth_ > kMaxParseDepth)
                p.fail(fmt::format("template nested too deeply (limit {})", kMaxParseDepth));

        }
        ~DepthGuard() { --p.depth_; }
    };

    const Token& peek(size_t ahead = 0) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
    const Token& next() {
        const Token& tok = t_[i_];
        if (i_ + 1 < t_.size()) ++i_;
        return tok;
    }

    [[noreturn]] void fail(const std::string& what, const Token* at = nullptr) const {
        const Token& tok = at ? *at : peek();
        fail_at(tok.line, tok.col, what);
    }

    static std::string describe(const Token& tok) {
        switch (tok.kind) {
            case TokenKind::end: return "end of template";
            case TokenKind::text: return "text";
            case TokenKind::string: return "string literal";
            default: return "'" + tok.text + "'";
        }
    }

    bool is_op(std::string_view op, size_t ahead = 0) const {
        return peek(ahead).kind == TokenKind::op && peek(ahead).text == op;
    }
    bool is_name(std::string_view name, size_t ahead = 0) const {
        return peek(ahead).kind == TokenKind::name && peek(ahead).text == name;
    }
    bool accept_op(std::string_view op) {
        if (!is_op(op)) return false;
        next();
        return true;
    }
    bool accept_name(std::string_view name) {
        if (!is_name(name)) return false;
        next();
        return true;
    }
    void expect_op(std::string_view op) {
        if (!accept_op(op)) fail("expected '" + std::string(op) + "', found " + describe(peek()));
    }
    std::string expect_name() {
        if (peek().kind != TokenKind::name) fail("expected a name, found " + describe(peek()));
        return next().text;
    }
    void expect_close() {
        if (peek().kind != TokenKind::stmt_close) fail("expected '%}', found " + describe(peek()));
        next();
    }

    template <class Node>
    static std::unique_ptr<Node> node(typename Node::Kind kind, const Token& at) {
        auto n = std::make_unique<Node>();
        n->kind = kind;
        n->line = at.line;
        n->col = at.col;
        return n;
    }

    // Statements (parser.cpp).
    // Parses until a {% keyword %} in `stops` (consumed up to the keyword; `stopped` tells
    // which) or, with no stops, until the end of the template.
    Body parse_body(std::initializer_list<std::string_view> stops, std::string& stopped);
    StmtPtr parse_statement();
    StmtPtr parse_if(const Token& kw);
    StmtPtr parse_for(const Token& kw);
    StmtPtr parse_set(const Token& kw);
    StmtPtr parse_macro(const Token& kw);
    StmtPtr parse_filter_block(const Token& kw);

    // Expressions (parse_expression.cpp).
    // `a, b` without brackets (as in `set x = 1, 2`) is a list.
    ExprPtr parse_tuple_or_expression();
    ExprPtr parse_expression();
    ExprPtr binary(std::string op, ExprPtr lhs, ExprPtr rhs, const Token& at);
    ExprPtr parse_or();
    ExprPtr parse_and();
    ExprPtr parse_not();
    ExprPtr parse_compare();
    template <class Next>
    ExprPtr parse_left_assoc(std::initializer_list<std::string_view> ops, Next next_level) {
        ExprPtr lhs = (this->*next_level)();
        for (;;) {
            bool matched = false;
            for (std::string_view op : ops)
                if (is_op(op)) {
                    const Token& at = next();
                    lhs = binary(std::string(op), std::move(lhs), (this->*next_level)(), at);
                    matched = true;
                    break;
                }
            if (!matched) return lhs;
        }
    }
    // Jinja binds ~ tighter than + and -: `1 + 2 ~ 3` is 1 + (2 ~ 3).
    ExprPtr parse_additive() { return parse_left_assoc({"+", "-"}, &Parser::parse_concat); }
    ExprPtr parse_concat() { return parse_left_assoc({"~"}, &Parser::parse_multiplicative); }
    ExprPtr parse_multiplicative() { return parse_left_assoc({"*", "//", "/", "%"}, &Parser::parse_power); }
    ExprPtr parse_power() { return parse_left_assoc({"**"}, &Parser::parse_signed); }
    ExprPtr parse_signed() { return parse_unary(true); }
    // As Jinja: `-3 | abs` is (-3) | abs, so the operand of a sign takes no filters itself.
    ExprPtr parse_unary(bool with_filters = true);
    ExprPtr parse_filters_and_tests(ExprPtr value);
    // `x is divisibleby 3`: a test takes one bare argument when a value follows.
    bool starts_test_argument() const;
    ExprPtr parse_filter_call(ExprPtr input);
    // After '(': positional and name=value arguments up to ')'.
    void parse_call_args(Expr& call);
    ExprPtr parse_postfix(ExprPtr value);
    ExprPtr parse_subscript(ExprPtr value, const Token& at);
    ExprPtr parse_primary();
    ExprPtr parse_name();
    ExprPtr parse_parenthesised();
    ExprPtr parse_list_literal();
    ExprPtr parse_dict_literal();
};

}  // namespace hearth::jinja
