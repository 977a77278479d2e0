// Jinja-subset parser, statement side: template body, if / for / set / macro / filter blocks.
#include "chat/parser.hpp"

#include "chat/parser_impl.hpp"

namespace hearth::jinja {

Body Parser::parse_body(std::initializer_list<std::string_view> stops, std::string& stopped) {
    DepthGuard guard(*this);
    Body body;
    for (;;) {
        const Token& tok = peek();
        if (tok.kind == TokenKind::end) {
            if (stops.size() == 0) return body;
            fail("unexpected end of template: expected {% " + std::string(stops.end()[-1]) + " %}");
        }
        if (tok.kind == TokenKind::text) {
            auto s = node<Stmt>(Stmt::Kind::text, tok);
            s->text = next().text;
            body.push_back(std::move(s));
        } else if (tok.kind == TokenKind::expr_open) {
            next();
            auto s = node<Stmt>(Stmt::Kind::output, tok);
            s->expr = parse_expression();
            if (peek().kind != TokenKind::expr_close) fail("expected '}}', found " + describe(peek()));
            next();
            body.push_back(std::move(s));
        } else if (tok.kind == TokenKind::stmt_open) {
            const Token& kw = peek(1);
            if (kw.kind != TokenKind::name) fail("expected a statement keyword", &kw);
            for (std::string_view stop : stops)
                if (kw.text == stop) {
                    next();
                    next();
                    stopped = kw.text;
                    return body;
                }
            next();
            body.push_back(parse_statement());
        } else {
            fail("unexpected " + describe(tok));
        }
    }
}

StmtPtr Parser::parse_statement() {
    const Token& kw = next();
    const std::string& k = kw.text;
    if (k == "if") return parse_if(kw);
    if (k == "for") return parse_for(kw);
    if (k == "set") return parse_set(kw);
    if (k == "macro") return parse_macro(kw);
    if (k == "filter") return parse_filter_block(kw);
    if (k == "break" || k == "continue") {
        auto s = node<Stmt>(k == "break" ? Stmt::Kind::break_ : Stmt::Kind::continue_, kw);
        expect_close();
        return s;
    }
    if (k == "generation") {  // Hugging Face's assistant-mask marker: renders its body
        auto s = node<Stmt>(Stmt::Kind::block, kw);
        expect_close();
        std::string stopped;
        s->body = parse_body({"endgeneration"}, stopped);
        expect_close();
        return s;
    }
    if (k.starts_with("end") || k == "elif" || k == "else") fail("unexpected {% " + k + " %}", &kw);
    fail("unsupported statement '" + k + "'", &kw);
}

StmtPtr Parser::parse_if(const Token& kw) {
    auto s = node<Stmt>(Stmt::Kind::if_, kw);
    ExprPtr cond = parse_expression();
    expect_close();
    for (;;) {
        std::string stopped;
        Body body = parse_body({"elif", "else", "endif"}, stopped);
        s->branches.emplace_back(std::move(cond), std::move(body));
        if (stopped == "endif") break;
        if (stopped == "else") {
            expect_close();
            s->branches.emplace_back(nullptr, parse_body({"endif"}, stopped));
            break;
        }
        cond = parse_expression();
        expect_close();
    }
    expect_close();
    return s;
}

StmtPtr Parser::parse_for(const Token& kw) {
    auto s = node<Stmt>(Stmt::Kind::for_, kw);
    do s->targets.push_back(expect_name());
    while (accept_op(","));
    if (!accept_name("in")) fail("expected 'in' in for loop");
    s->expr = parse_or();  // no ternary: a trailing `if` filters the loop
    if (accept_name("if")) s->cond = parse_or();
    if (is_name("recursive")) fail("recursive loops are not supported");
    expect_close();
    std::string stopped;
    s->body = parse_body({"else", "endfor"}, stopped);
    if (stopped == "else") {
        expect_close();
        s->else_body = parse_body({"endfor"}, stopped);
    }
    expect_close();
    return s;
}

StmtPtr Parser::parse_set(const Token& kw) {
    auto s = node<Stmt>(Stmt::Kind::set, kw);
    s->targets.push_back(expect_name());
    if (accept_op(".")) {
        s->name = expect_name();
    } else {
        while (accept_op(",")) s->targets.push_back(expect_name());
    }
    if (accept_op("=")) {
        s->expr = parse_tuple_or_expression();
        expect_close();
        return s;
    }
    if (!s->name.empty() || s->targets.size() != 1) fail("block set needs a single variable name");
    expect_close();
    s->kind = Stmt::Kind::set_block;
    std::string stopped;
    s->body = parse_body({"endset"}, stopped);
    expect_close();
    return s;
}

StmtPtr Parser::parse_macro(const Token& kw) {
    auto s = node<Stmt>(Stmt::Kind::macro, kw);
    s->name = expect_name();
    expect_op("(");
    while (!accept_op(")")) {
        if (!s->targets.empty()) expect_op(",");
        s->targets.push_back(expect_name());
        s->defaults.push_back(accept_op("=") ? parse_expression() : nullptr);
    }
    expect_close();
    std::string stopped;
    s->body = parse_body({"endmacro"}, stopped);
    expect_close();
    return s;
}

StmtPtr Parser::parse_filter_block(const Token& kw) {
    auto s = node<Stmt>(Stmt::Kind::filter, kw);
    auto placeholder = node<Expr>(Expr::Kind::literal, kw);
    s->expr = parse_filter_call(std::move(placeholder));
    expect_close();
    std::string stopped;
    s->body = parse_body({"endfilter"}, stopped);
    expect_close();
    return s;
}

Body parse(const std::vector<Token>& tokens) { return Parser(tokens).parse_template(); }

}  // namespace hearth::jinja
