// Recursive-descent parser following Jinja's precedence: ternary < or < and < not < comparison
// (== != < > <= >= in, not in) < ~ < + - < * / // % < ** < unary < postfix, filters and tests.
#include "chat/parser.hpp"

#include <charconv>
#include <initializer_list>

#include "hearth/error.hpp"

namespace hearth::jinja {
namespace {

constexpr int kMaxDepth = 128;  // nesting of statements + expressions: bounds recursion

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
            if (++p.depth_ > kMaxDepth) p.fail("template nested too deeply (limit " + std::to_string(kMaxDepth) + ")");
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
        throw Error(ErrorCode::invalid_argument, "chat template: line " + std::to_string(tok.line) + ", col " +
                                                     std::to_string(tok.col) + ": " + what);
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

    // ---- statements ------------------------------------------------------------------

    // Parses until a {% keyword %} in `stops` (left unconsumed after the keyword: `stopped`
    // tells which) or, with no stops, until the end of the template.
    Body parse_body(std::initializer_list<std::string_view> stops, std::string& stopped) {
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

    StmtPtr parse_statement() {
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

    StmtPtr parse_if(const Token& kw) {
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

    StmtPtr parse_for(const Token& kw) {
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

    StmtPtr parse_set(const Token& kw) {
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

    StmtPtr parse_macro(const Token& kw) {
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

    StmtPtr parse_filter_block(const Token& kw) {
        auto s = node<Stmt>(Stmt::Kind::filter, kw);
        auto placeholder = node<Expr>(Expr::Kind::literal, kw);
        s->expr = parse_filter_call(std::move(placeholder));
        expect_close();
        std::string stopped;
        s->body = parse_body({"endfilter"}, stopped);
        expect_close();
        return s;
    }

    // ---- expressions -----------------------------------------------------------------

    // `a, b` without brackets (as in `set x = 1, 2`) is a list.
    ExprPtr parse_tuple_or_expression() {
        const Token& at = peek();
        ExprPtr first = parse_expression();
        if (!is_op(",")) return first;
        auto list = node<Expr>(Expr::Kind::list, at);
        list->args.push_back(std::move(first));
        while (accept_op(",")) list->args.push_back(parse_expression());
        return list;
    }

    ExprPtr parse_expression() {
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

    ExprPtr binary(std::string op, ExprPtr lhs, ExprPtr rhs, const Token& at) {
        auto b = node<Expr>(Expr::Kind::binary, at);
        b->name = std::move(op);
        b->args.push_back(std::move(lhs));
        b->args.push_back(std::move(rhs));
        return b;
    }

    ExprPtr parse_or() {
        ExprPtr lhs = parse_and();
        while (is_name("or")) {
            const Token& at = next();
            lhs = binary("or", std::move(lhs), parse_and(), at);
        }
        return lhs;
    }

    ExprPtr parse_and() {
        ExprPtr lhs = parse_not();
        while (is_name("and")) {
            const Token& at = next();
            lhs = binary("and", std::move(lhs), parse_not(), at);
        }
        return lhs;
    }

    ExprPtr parse_not() {
        if (!is_name("not")) return parse_compare();
        DepthGuard guard(*this);
        const Token& at = next();
        auto u = node<Expr>(Expr::Kind::unary, at);
        u->name = "not";
        u->args.push_back(parse_not());
        return u;
    }

    ExprPtr parse_compare() {
        ExprPtr lhs = parse_concat();
        for (;;) {
            const Token& at = peek();
            std::string op;
            if (at.kind == TokenKind::op &&
                (at.text == "==" || at.text == "!=" || at.text == "<" || at.text == ">" || at.text == "<=" ||
                 at.text == ">=")) {
                op = next().text;
            } else if (is_name("in")) {
                next();
                op = "in";
            } else if (is_name("not") && is_name("in", 1)) {
                next();
                next();
                op = "not in";
            } else {
                return lhs;
            }
            lhs = binary(op, std::move(lhs), parse_concat(), at);
        }
    }

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

    ExprPtr parse_concat() { return parse_left_assoc({"~"}, &Parser::parse_additive); }
    ExprPtr parse_additive() { return parse_left_assoc({"+", "-"}, &Parser::parse_multiplicative); }
    ExprPtr parse_multiplicative() { return parse_left_assoc({"*", "//", "/", "%"}, &Parser::parse_power); }
    ExprPtr parse_power() { return parse_left_assoc({"**"}, &Parser::parse_signed); }
    ExprPtr parse_signed() { return parse_unary(true); }

    // As Jinja: `-3 | abs` is (-3) | abs, so the operand of a sign takes no filters itself.
    ExprPtr parse_unary(bool with_filters = true) {
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

    ExprPtr parse_filters_and_tests(ExprPtr value) {
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

    // `x is divisibleby 3`: a test takes one bare argument when a value follows.
    bool starts_test_argument() const {
        const Token& tok = peek();
        if (tok.kind == TokenKind::string || tok.kind == TokenKind::integer || tok.kind == TokenKind::floating) return true;
        if (tok.kind != TokenKind::name) return false;
        for (std::string_view kw : {"and", "or", "else", "if", "in", "not", "is"})
            if (tok.text == kw) return false;
        return true;
    }

    ExprPtr parse_filter_call(ExprPtr input) {
        const Token& at = peek();
        auto f = node<Expr>(Expr::Kind::filter, at);
        f->name = expect_name();
        f->args.push_back(std::move(input));
        if (accept_op("(")) parse_call_args(*f);
        return f;
    }

    // After '(': positional and name=value arguments up to ')'.
    void parse_call_args(Expr& call) {
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

    ExprPtr parse_postfix(ExprPtr value) {
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

    ExprPtr parse_subscript(ExprPtr value, const Token& at) {
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

    ExprPtr parse_primary() {
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

    ExprPtr parse_name() {
        const Token& tok = next();
        auto lit = node<Expr>(Expr::Kind::literal, tok);
        if (tok.text == "true" || tok.text == "True") lit->value = Value(true);
        else if (tok.text == "false" || tok.text == "False") lit->value = Value(false);
        else if (tok.text == "none" || tok.text == "None") lit->value = Value(None{});
        else {
            lit->kind = Expr::Kind::name;
            lit->name = tok.text;
        }
        return lit;
    }

    ExprPtr parse_parenthesised() {
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

    ExprPtr parse_list_literal() {
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

    ExprPtr parse_dict_literal() {
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
};

}  // namespace

Body parse(const std::vector<Token>& tokens) { return Parser(tokens).parse_template(); }

}  // namespace hearth::jinja
