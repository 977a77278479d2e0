// Tree-walking evaluator of the Jinja subset. Work is bounded (steps, output bytes, macro
// depth) so a hostile template ends in hearth::Error instead of hanging or exhausting memory.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "chat/ast.hpp"

namespace hearth::jinja {

struct Limits {
    uint64_t max_steps = 1'000'000;        // expression evaluations + statements + loop iterations
    size_t max_output = size_t{16} << 20;  // bytes of rendered text
    int max_call_depth = 16;               // nested macro calls
};

// One render: holds scopes and counters. Not reusable across renders.
class Evaluator {
public:
    explicit Evaluator(const Limits& limits) : limits_(limits) {}
    // Renders body with `globals` (messages, bos_token, ...) as the outermost scope.
    std::string render(const Body& body, const Dict& globals);

private:
    enum class Flow { normal, break_, continue_ };
    // Scopes hold a handful of names: a flat vector beats a hash map and allocates less.
    using Scope = std::vector<std::pair<std::string, Value>>;

    Limits limits_;
    std::vector<Scope> scopes_;
    // Namespaces written by `set ns.x = ...`: the only way to build a reference cycle
    // (ns.me = ns), so render() empties them at the end to free such cycles.
    std::vector<std::shared_ptr<Dict>> written_namespaces_;
    std::string* out_ = nullptr;
    uint64_t steps_ = 0;
    int call_depth_ = 0;

    void step(uint64_t cost = 1);
    void emit(const std::string& s);
    Value lookup(const std::string& name) const;
    void assign(const std::string& name, Value v);
    void assign_targets(const std::vector<std::string>& targets, const Value& v);
    std::string capture(const Body& body);

    Flow exec(const Body& body);
    Flow exec(const Stmt& s);
    Flow exec_for(const Stmt& s);
    void define_macro(const Stmt& s);

    Value eval(const Expr& e);
    Value eval_inner(const Expr& e);
    Value eval_call(const Expr& e);
    Value eval_binary(const Expr& e);
    CallArgs eval_args(const Expr& e, size_t first);
};

}  // namespace hearth::jinja
