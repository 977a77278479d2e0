// Syntax tree of the Jinja subset: expressions and statements, each node with its template
// position so runtime errors can name line and column.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.hpp"

namespace hearth::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
    enum class Kind {
        literal,  // value
        name,     // name
        list,     // args: items
        dict,     // args: key0, value0, key1, value1 ...
        attr,     // args[0].name
        index,    // args[0][args[1]]
        slice,    // args[0][args[1]:args[2]:args[3]] (null = omitted)
        call,     // args[0](args[1..], named)
        filter,   // args[0] | name(args[1..], named)
        test,     // args[0] is [not] name(args[1..])
        unary,    // name: "not" "-" "+"; args[0]
        binary,   // name: operator; args[0], args[1]
        ternary,  // args[0] if args[1] else args[2] (args[2] may be null)
        compare,  // args[0] ops[0] args[1] ops[1] args[2] ... (a chained comparison)
    };
    Kind kind = Kind::literal;
    int line = 0, col = 0;
    Value value;
    std::string name;
    bool negated = false;  // `is not`
    std::vector<ExprPtr> args;
    std::vector<std::string> ops;  // operators of a compare chain
    std::vector<std::pair<std::string, ExprPtr>> named;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
    enum class Kind {
        text,       // text
        output,     // {{ expr }}
        if_,        // branches (cond null = else)
        for_,       // for targets in expr [if filter]: body [else else_body]
        set,        // set targets = expr, or set targets[0].attr = expr
        set_block,  // set targets[0] %} body {% endset
        macro,      // macro name(targets = defaults) body
        filter,     // filter expr(input placeholder) body
        break_,
        continue_,
        block,  // a transparent block such as {% generation %}
    };
    Kind kind = Kind::text;
    int line = 0, col = 0;
    std::string text;
    std::string name;                  // macro name; set attribute
    std::vector<std::string> targets;  // loop / set variables; macro parameters
    std::vector<ExprPtr> defaults;     // macro parameter defaults (null = required)
    ExprPtr expr;                      // output / iterable / set value / filter call
    ExprPtr cond;                      // for-loop filter
    std::vector<std::pair<ExprPtr, Body>> branches;
    Body body, else_body;
};

}  // namespace hearth::jinja
