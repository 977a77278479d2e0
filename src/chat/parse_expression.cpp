// Jinja-subset parser, expression side. Precedence, loosest first: ternary, or, and, not,
// comparison (== != < > <= >= in, not in), + -, ~, * / // %, **, sign, then postfix
// (.attr [index] (call)) with filters and tests.
#include <charconv>
#include <cstdlib>

#include "chat/parser_impl.hpp"

namespace hearth::jinja {

ExprPtr Parser::parse_tuple_or_expression() {
    const Token& at = peek();
    ExprPtr first = parse_expression();
    if (!is_op(",")) return first;
    auto list = node<Expr>(Expr::Kind::list, at);
    list->args.push_back(std::move(first));
    while (accept_op(",")) list->args.push_back(parse_expression());
    return list;
}

ExprPtr Parser::parse_expression() {
    DepthGuard guard(*this);
    const Token& at = peek();
    ExprPtr value = parse_or();
    if (!is_name("if")) return value;
    next();
    auto t = node<Expr>(Expr::Kind::ternary, at);
    t->args.push_back(std::move(value));
    t->args.push_back(parse_or());
    t->args.push_back(accept_name("else") ? parse_expression() : nullptr);
    return t;
}

ExprPtr Parser::binary(std::string op, ExprPtr lhs, ExprPtr rhs, const Token& at) {
    auto b = node<Expr>(Expr::Kind::binary, at);
    b->name = std::move(op);
    b->args.push_back(std::move(lhs));
    b->args.push_back(std::move(rhs));
    return b;
}

ExprPtr Parser::parse_or() {
    ExprPtr lhs = parse_and();
    while (is_name("or")) {
        const Token& at = next();
        lhs = binary("or", std::move(lhs), parse_and(), at);
    }
    return lhs;
}

ExprPtr Parser::parse_and() {
    ExprPtr lhs = parse_not();
    while (is_name("and")) {
        const Token& at = next();
        lhs = binary("and", std::move(lhs), parse_not(), at);
    }
    return lhs;
}

ExprPtr Parser::parse_not() {
    if (!is_name("not")) return parse_compare();
    DepthGuard guard(*this);
    const Token& at = next();
    auto u = node<Expr>(Expr::Kind::unary, at);
    u->name = "not";
    u->args.push_back(parse_not());
    return u;
}

// Python chains comparisons: `a < b < c` is `a < b and b < c` with b evaluated once, so a
// chain of two or more becomes one `compare` node holding every operand and operator.
ExprPtr Parser::parse_compare() {
    const Token& start = peek();
    ExprPtr lhs = parse_additive();
    std::unique_ptr<Expr> chain;
    bool compared = false;
    for (;;) {
        const Token& at = peek();
        std::string op;
        if (at.kind == TokenKind::op && (at.text == "==" || at.text == "!=" || at.text == "<" || at.text == ">" ||
                                         at.text == "<=" || at.text == ">=")) {
            op = next().text;
        } else if (is_name("in")) {
            next();
            op = "in";
        } else if (is_name("not") && is_name("in", 1)) {
            next();
            next();
            op = "not in";
        } else {
            return chain ? std::move(chain) : std::move(lhs);
        }
        if (chain) {
            chain->ops.push_back(std::move(op));
            chain->args.push_back(parse_additive());
        } else if (compared) {
            // second comparison: turn `a op b` into a chain (a parenthesised one never gets here)
            chain = node<Expr>(Expr::Kind::compare, start);
            chain->ops.push_back(lhs->name);
            chain->ops.push_back(std::move(op));
            chain->args = std::move(lhs->args);
            chain->args.push_back(parse_additive());
        } else {
            lhs = binary(op, std::move(lhs), parse_additive(), at);
            compared = true;
        }
    }
}

ExprPtr Parser::parse_unary(bool with_filters) {
    DepthGuard guard(*this);
    ExprPtr value;
    if (is_op("-") || is_op("+")) {
        const Token& at = next();
        value = node<Expr>(Expr::Kind::unary, at);
        value->name = at.text;
        value->args.push_back(parse_unary(false));
    } else {
        value = parse_postfix(parse_primary());
    }
    return with_filters ? parse_filters_and_tests(std::move(value)) : std::move(value);
}

ExprPtr Parser::parse_filters_and_tests(ExprPtr value) {
    for (;;) {
        if (accept_op("|")) {
            value = parse_filter_call(std::move(value));
        } else if (is_name("is")) {
            const Token& at = next();
            auto t = node<Expr>(Expr::Kind::test, at);
            t->negated = accept_name("not");
            t->name = expect_name();
            t->args.push_back(std::move(value));
            if (is_op("(")) {
                next();
                parse_call_args(*t);
            } else if (starts_test_argument()) {
                t->args.push_back(parse_postfix(parse_primary()));
            }
            value = std::move(t);
        } else {
            return value;
        }
    }
}

bool Parser::starts_test_argument() const {
    const Token& tok = peek();
    if (tok.kind == TokenKind::string || tok.kind == TokenKind::integer || tok.kind == TokenKind::floating) return true;
    if (tok.kind != TokenKind::name) return false;
    for (std::string_view kw : {"and", "or", "else", "if", "in", "not", "is"})
        if (tok.text == kw) return false;
    return true;
}

ExprPtr Parser::parse_filter_call(ExprPtr input) {
    const Token& at = peek();
    auto f = node<Expr>(Expr::Kind::filter, at);
    f->name = expect_name();
    f->args.push_back(std::move(input));
    if (accept_op("(")) parse_call_args(*f);
    return f;
}

void Parser::parse_call_args(Expr& call) {
    while (!accept_op(")")) {
        if (call.args.size() > 1 || !call.named.empty()) expect_op(",");
        if (accept_op(")")) return;  // trailing comma
        if (peek().kind == TokenKind::name && is_op("=", 1)) {
            std::string key = next().text;
            next();
            call.named.emplace_back(std::move(key), parse_expression());
        } else {
            if (!call.named.empty()) fail("positional argument after a keyword argument");
            call.args.push_back(parse_expression());
        }
    }
}

ExprPtr Parser::parse_postfix(ExprPtr value) {
    for (;;) {
        const Token& at = peek();
        if (accept_op(".")) {
            auto a = node<Expr>(Expr::Kind::attr, at);
            if (peek().kind == TokenKind::integer) {  // x.0 is x[0] in Jinja
                a->kind = Expr::Kind::index;
                a->args.push_back(std::move(value));
                a->args.push_back(parse_primary());
            } else {
                a->name = expect_name();
                a->args.push_back(std::move(value));
            }
            value = std::move(a);
        } else if (accept_op("[")) {
            value = parse_subscript(std::move(value), at);
        } else if (accept_op("(")) {
            auto c = node<Expr>(Expr::Kind::call, at);
            c->args.push_back(std::move(value));
            parse_call_args(*c);
            value = std::move(c);
        } else {
            return value;
        }
    }
}

ExprPtr Parser::parse_subscript(ExprPtr value, const Token& at) {
    auto s = node<Expr>(Expr::Kind::index, at);
    s->args.push_back(std::move(value));
    ExprPtr parts[3];
    int n = 0;
    for (;; ++n) {
        if (!is_op(":") && !is_op("]")) parts[n] = parse_expression();
        if (n < 2 && accept_op(":")) {
            s->kind = Expr::Kind::slice;
            continue;
        }
        break;
    }
    expect_op("]");
    if (s->kind == Expr::Kind::index) {
        if (!parts[0]) fail("empty subscript", &at);
        s->args.push_back(std::move(parts[0]));
    } else {
        for (auto& p : parts) s->args.push_back(std::move(p));
    }
    return s;
}

ExprPtr Parser::parse_primary() {
    DepthGuard guard(*this);
    const Token& tok = peek();
    switch (tok.kind) {
        case TokenKind::name: return parse_name();
        case TokenKind::string: {
            auto lit = node<Expr>(Expr::Kind::literal, tok);
            std::string s;
            while (peek().kind == TokenKind::string) s += next().text;  // "a" "b" concatenates
            lit->value = Value(std::move(s));
            return lit;
        }
        case TokenKind::integer: {
            next();
            int64_t v = 0;
            auto [ptr, ec] = std::from_chars(tok.text.data(), tok.text.data() + tok.text.size(), v);
            if (ec != std::errc()) fail("integer literal out of range", &tok);
            auto lit = node<Expr>(Expr::Kind::literal, tok);
            lit->value = Value(v);
            return lit;
        }
        case TokenKind::floating: {
            next();
            auto lit = node<Expr>(Expr::Kind::literal, tok);
            lit->value = Value(std::strtod(tok.text.c_str(), nullptr));
            return lit;
        }
        case TokenKind::op:
            if (tok.text == "(") return parse_parenthesised();
            if (tok.text == "[") return parse_list_literal();
            if (tok.text == "{") return parse_dict_literal();
            break;
        default: break;
    }
    fail("expected an expression, found " + describe(tok));
}

ExprPtr Parser::parse_name() {
    const Token& tok = next();
    auto lit = node<Expr>(Expr::Kind::literal, tok);
    if (tok.text == "true" || tok.text == "True")
        lit->value = Value(true);
    else if (tok.text == "false" || tok.text == "False")
        lit->value = Value(false);
    else if (tok.text == "none" || tok.text == "None")
        lit->value = Value(None{});
    else {
        lit->kind = Expr::Kind::name;
        lit->name = tok.text;
    }
    return lit;
}

ExprPtr Parser::parse_parenthesised() {
    const Token& at = next();
    if (accept_op(")")) return node<Expr>(Expr::Kind::list, at);  // empty tuple
    ExprPtr first = parse_expression();
    if (accept_op(")")) return first;
    auto tuple = node<Expr>(Expr::Kind::list, at);
    tuple->args.push_back(std::move(first));
    while (accept_op(",")) {
        if (is_op(")")) break;
        tuple->args.push_back(parse_expression());
    }
    expect_op(")");
    return tuple;
}

ExprPtr Parser::parse_list_literal() {
    const Token& at = next();
    auto list = node<Expr>(Expr::Kind::list, at);
    while (!accept_op("]")) {
        if (!list->args.empty()) {
            expect_op(",");
            if (accept_op("]")) break;
        }
        list->args.push_back(parse_expression());
    }
    return list;
}

ExprPtr Parser::parse_dict_literal() {
    const Token& at = next();
    auto dict = node<Expr>(Expr::Kind::dict, at);
    while (!accept_op("}")) {
        if (!dict->args.empty()) {
            expect_op(",");
            if (accept_op("}")) break;
        }
        dict->args.push_back(parse_expression());
        expect_op(":");
        dict->args.push_back(parse_expression());
    }
    return dict;
}

}  // namespace hearth::jinja
