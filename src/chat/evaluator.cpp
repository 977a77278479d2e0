// Executes the statement tree: scopes (a for loop or macro body gets its own, as in Jinja),
// loop variables, macros and captured blocks; runtime errors get the node's line and column.
#include "chat/evaluator.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "chat/builtins.hpp"
#include "chat/lexer.hpp"
#include "hearth/error.hpp"

namespace hearth::jinja {
namespace {

// Python slice semantics over n items: the indices visited.
std::vector<size_t> slice_indices(size_t n, const Value& start, const Value& stop, const Value& step_v) {
    auto opt = [](const Value& v, const char* what) -> std::optional<int64_t> {
        if (v.is_undefined() || v.is_none()) return std::nullopt;
        if (!v.is_int()) throw RuntimeError(std::string("slice ") + what + " must be an integer");
        return v.as_int();
    };
    const int64_t len = static_cast<int64_t>(n);
    const int64_t step = opt(step_v, "step").value_or(1);
    if (step == 0) throw RuntimeError("slice step cannot be zero");
    auto clamp = [&](std::optional<int64_t> v, int64_t fallback) {
        if (!v) return fallback;
        int64_t i = *v < 0 ? *v + len : *v;
        return step > 0 ? std::clamp<int64_t>(i, 0, len) : std::clamp<int64_t>(i, -1, len - 1);
    };
    const int64_t b = clamp(opt(start, "start"), step > 0 ? 0 : len - 1);
    const int64_t e = clamp(opt(stop, "stop"), step > 0 ? len : -1);
    std::vector<size_t> out;
    for (int64_t i = b; step > 0 ? i < e : i > e; i += step) out.push_back(static_cast<size_t>(i));
    return out;
}

Value get_item(const Value& obj, const Value& key) {
    if (obj.is_dict()) {
        if (!key.is_string()) return Value();
        const Value* v = obj.as_dict().find(key.as_string());
        return v ? *v : Value();
    }
    if ((obj.is_list() || obj.is_string()) && key.is_int()) {
        const int64_t n =
            obj.is_list() ? static_cast<int64_t>(obj.as_list().size()) : static_cast<int64_t>(obj.as_string().size());
        const int64_t i = key.as_int() < 0 ? key.as_int() + n : key.as_int();
        if (i < 0 || i >= n) return Value();
        if (obj.is_list()) return obj.as_list()[static_cast<size_t>(i)];
        return std::string(1, obj.as_string()[static_cast<size_t>(i)]);
    }
    return Value();  // lenient, like Jinja's default Undefined: printing it gives ""
}

// The `loop` variable. One dict per loop, updated in place each iteration (a fresh dict per
// iteration costs a dozen allocations in the hottest path of the interpreter).
class LoopObject {
public:
    explicit LoopObject(const List& items) : items_(items), dict_(make_dict()), index_(std::make_shared<size_t>(0)) {
        dict_->set("length", static_cast<int64_t>(items.size()));
        dict_->set("depth", 1);
        dict_->set("depth0", 0);
        std::shared_ptr<const size_t> index = index_;
        dict_->set(
            "cycle",
            Value(std::make_shared<const Function>(Function{"cycle", [index](const CallArgs& a) {
                                                                if (a.positional.empty())
                                                                    throw RuntimeError("loop.cycle() needs arguments");
                                                                return a.positional[*index % a.positional.size()];
                                                            }})));
        for (const char* key : {"index0", "index", "revindex0", "revindex", "first", "last", "previtem", "nextitem"})
            dict_->set(key, Value());
    }

    Value at(size_t i) {
        *index_ = i;
        const auto n = static_cast<int64_t>(items_.size()), k = static_cast<int64_t>(i);
        // Slots in the order the constructor created them, written without key lookups.
        auto& slots = dict_->items;
        slots[4].second = k;
        slots[5].second = k + 1;
        slots[6].second = n - k - 1;
        slots[7].second = n - k;
        slots[8].second = k == 0;
        slots[9].second = k == n - 1;
        slots[10].second = i > 0 ? items_[i - 1] : Value();
        slots[11].second = i + 1 < items_.size() ? items_[i + 1] : Value();
        return Value(dict_);
    }

private:
    const List& items_;
    std::shared_ptr<Dict> dict_;
    std::shared_ptr<size_t> index_;
};

// Work proportional to a value's size (charged when an operation walks or copies it).
uint64_t size_cost(const Value& v) {
    if (v.is_list()) return v.as_list().size();
    if (v.is_dict()) return v.as_dict().items.size();
    if (v.is_string()) return v.as_string().size() / 256;
    return 0;
}

}  // namespace

std::string Evaluator::render(const Body& body, const Dict& globals) {
    scopes_.assign(1, Scope{});
    scopes_[0] = globals.items;
    std::string out;
    out_ = &out;
    struct BreakCycles {
        std::vector<std::shared_ptr<Dict>>& namespaces;
        ~BreakCycles() {
            for (const auto& ns : namespaces) ns->items.clear();
        }
    } break_cycles{written_namespaces_};
    exec(body);
    return out;
}

void Evaluator::step(uint64_t cost) {
    steps_ += cost;
    if (steps_ > limits_.max_steps)
        throw RuntimeError(fmt::format("template exceeded {} evaluation steps", limits_.max_steps));
}

void Evaluator::emit(const std::string& s) {
    if (out_->size() + s.size() > limits_.max_output)
        throw RuntimeError(fmt::format("template output exceeded {} bytes", limits_.max_output));
    *out_ += s;
}

Value Evaluator::lookup(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
        for (const auto& [key, value] : *it)
            if (key == name) return value;
    return Value();
}

void Evaluator::assign(const std::string& name, Value v) {
    for (auto& [key, value] : scopes_.back())
        if (key == name) {
            value = std::move(v);
            return;
        }
    scopes_.back().emplace_back(name, std::move(v));
}

void Evaluator::assign_targets(const std::vector<std::string>& targets, const Value& v) {
    if (targets.size() == 1) return assign(targets[0], v);
    const List items = iterate(v);
    if (items.size() != targets.size())
        throw RuntimeError(fmt::format("cannot unpack {} values into {} names", items.size(), targets.size()));
    for (size_t i = 0; i < targets.size(); ++i) assign(targets[i], items[i]);
}

std::string Evaluator::capture(const Body& body) {
    std::string buffer;
    std::string* saved = std::exchange(out_, &buffer);
    try {
        exec(body);
    } catch (...) {
        out_ = saved;
        throw;
    }
    out_ = saved;
    return buffer;
}

Evaluator::Flow Evaluator::exec(const Body& body) {
    for (const StmtPtr& s : body)
        if (Flow f = exec(*s); f != Flow::normal) return f;
    return Flow::normal;
}

Evaluator::Flow Evaluator::exec(const Stmt& s) {
    try {
        step();
        switch (s.kind) {
            case Stmt::Kind::text: emit(s.text); break;
            case Stmt::Kind::output: emit(to_str(eval(*s.expr))); break;
            case Stmt::Kind::if_:
                for (const auto& [cond, body] : s.branches)
                    if (!cond || eval(*cond).truthy()) return exec(body);
                break;
            case Stmt::Kind::for_: return exec_for(s);
            case Stmt::Kind::set: {
                Value v = eval(*s.expr);
                if (s.name.empty()) {
                    assign_targets(s.targets, v);
                    break;
                }
                const Value target = lookup(s.targets[0]);
                if (!target.is_dict() || !target.as_dict().is_namespace)
                    throw RuntimeError("cannot set attribute '" + s.name + "' on '" + s.targets[0] +
                                       "': only namespace() objects allow it");
                written_namespaces_.push_back(target.dict_ptr());
                target.dict_ptr()->set(s.name, std::move(v));
                break;
            }
            case Stmt::Kind::set_block: assign(s.targets[0], capture(s.body)); break;
            case Stmt::Kind::macro: define_macro(s); break;
            case Stmt::Kind::filter: {
                const Expr& f = *s.expr;
                emit(to_str(apply_filter(f.name, capture(s.body), eval_args(f, 1))));
                break;
            }
            case Stmt::Kind::break_: return Flow::break_;
            case Stmt::Kind::continue_: return Flow::continue_;
            case Stmt::Kind::block: return exec(s.body);
        }
    } catch (const RuntimeError& e) {
        fail_at(s.line, s.col, e.what());
    }
    return Flow::normal;
}

Evaluator::Flow Evaluator::exec_for(const Stmt& s) {
    List items = iterate(eval(*s.expr));
    step(items.size());
    scopes_.emplace_back();
    struct PopScope {
        std::vector<Scope>& scopes;
        ~PopScope() { scopes.pop_back(); }
    } pop{scopes_};
    if (s.cond) {  // `for x in xs if cond`: filtered before the loop, so loop.length counts survivors
        List kept;
        for (const Value& item : items) {
            step();
            assign_targets(s.targets, item);
            if (eval(*s.cond).truthy()) kept.push_back(item);
        }
        items = std::move(kept);
    }
    if (items.empty()) {
        exec(s.else_body);
        return Flow::normal;
    }
    LoopObject loop(items);
    for (size_t i = 0; i < items.size(); ++i) {
        step();
        scopes_.back().clear();  // each iteration starts fresh, as Jinja's loop-body scope
        assign_targets(s.targets, items[i]);
        assign("loop", loop.at(i));
        if (exec(s.body) == Flow::break_) break;
    }
    return Flow::normal;
}

void Evaluator::define_macro(const Stmt& s) {
    const Stmt* macro = &s;
    auto call = [this, macro](const CallArgs& a) -> Value {
        if (call_depth_ >= limits_.max_call_depth)
            throw RuntimeError(fmt::format("macro calls nested deeper than {}", limits_.max_call_depth));
        if (a.positional.size() > macro->targets.size())
            throw RuntimeError(fmt::format("macro '{}' takes {} arguments", macro->name, macro->targets.size()));

        Scope scope;
        for (size_t i = 0; i < macro->targets.size(); ++i) {
            const Value* given = a.get(i, macro->targets[i]);
            scope.emplace_back(macro->targets[i], given                ? *given
                                                  : macro->defaults[i] ? eval(*macro->defaults[i])
                                                                       : Value());
        }
        ++call_depth_;
        scopes_.push_back(std::move(scope));
        struct Restore {
            Evaluator& ev;
            ~Restore() {
                ev.scopes_.pop_back();
                --ev.call_depth_;
            }
        } restore{*this};
        return capture(macro->body);
    };
    assign(s.name, Value(std::make_shared<const Function>(Function{s.name, call})));
}

Value Evaluator::eval(const Expr& e) {
    try {
        step();
        Value v = eval_inner(e);
        // Building a list or string costs work in proportion to its size: charge it, so
        // `range(100000)` inside a 100000-iteration loop hits the bound instead of running for
        // minutes. Looking a value up (names, attributes, items) shares it and costs nothing.
        const bool built = e.kind == Expr::Kind::call || e.kind == Expr::Kind::filter || e.kind == Expr::Kind::slice ||
                           e.kind == Expr::Kind::binary;
        if (built) step(size_cost(v));
        return v;
    } catch (const RuntimeError& err) {
        fail_at(e.line, e.col, err.what());
    }
}

CallArgs Evaluator::eval_args(const Expr& e, size_t first) {
    CallArgs args;
    for (size_t i = first; i < e.args.size(); ++i) args.positional.push_back(eval(*e.args[i]));
    for (const auto& [name, value] : e.named) args.named.emplace_back(name, eval(*value));
    return args;
}

Value Evaluator::eval_inner(const Expr& e) {
    switch (e.kind) {
        case Expr::Kind::literal: return e.value;
        case Expr::Kind::name: return lookup(e.name);
        case Expr::Kind::list: {
            List items;
            for (const ExprPtr& item : e.args) items.push_back(eval(*item));
            return items;
        }
        case Expr::Kind::dict: {
            auto d = make_dict();
            for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
                Value key = eval(*e.args[i]);
                if (!key.is_string()) throw RuntimeError("dict keys must be strings");
                d->set(key.as_string(), eval(*e.args[i + 1]));
            }
            return Value(std::move(d));
        }
        case Expr::Kind::attr: return get_item(eval(*e.args[0]), Value(e.name));
        case Expr::Kind::index: return get_item(eval(*e.args[0]), eval(*e.args[1]));
        case Expr::Kind::slice: {
            const Value obj = eval(*e.args[0]);
            auto part = [&](size_t i) { return e.args[i] ? eval(*e.args[i]) : Value(); };
            const Value start = part(1), stop = part(2), stride = part(3);
            if (obj.is_list()) {
                List out;
                for (size_t i : slice_indices(obj.as_list().size(), start, stop, stride))
                    out.push_back(obj.as_list()[i]);
                return out;
            }
            if (obj.is_string()) {
                std::string out;
                for (size_t i : slice_indices(obj.as_string().size(), start, stop, stride)) out += obj.as_string()[i];
                return out;
            }
            if (obj.is_undefined()) return Value();
            throw RuntimeError("cannot slice a " + obj.type_name());
        }
        case Expr::Kind::call: return eval_call(e);
        case Expr::Kind::filter:
        case Expr::Kind::test: {
            // Most filters walk their whole input (join, sum, unique, ...); a few never do,
            // and `messages | length` once per message must stay linear.
            const Value input = eval(*e.args[0]);
            static constexpr std::string_view kConstant[] = {"length", "count",   "first",    "last",      "default",
                                                             "d",      "safe",    "defined",  "undefined", "none",
                                                             "string", "mapping", "iterable", "sequence",  "number"};
            if (std::find(std::begin(kConstant), std::end(kConstant), e.name) == std::end(kConstant))
                step(size_cost(input));
            if (e.kind == Expr::Kind::filter) return apply_filter(e.name, input, eval_args(e, 1));
            return apply_test(e.name, input, eval_args(e, 1)) != e.negated;
        }
        case Expr::Kind::unary: {
            const Value v = eval(*e.args[0]);
            if (e.name == "not") return !v.truthy();
            if (!v.is_number()) throw RuntimeError("bad operand type for unary " + e.name + ": " + v.type_name());
            return e.name == "-" ? binary_op("-", int64_t{0}, v) : v;
        }
        case Expr::Kind::binary: return eval_binary(e);
        case Expr::Kind::compare: {
            Value lhs = eval(*e.args[0]);
            for (size_t i = 0; i < e.ops.size(); ++i) {
                Value rhs = eval(*e.args[i + 1]);
                step(size_cost(lhs) + size_cost(rhs));
                if (!binary_op(e.ops[i], lhs, rhs).truthy()) return false;
                lhs = std::move(rhs);
            }
            return true;
        }
        case Expr::Kind::ternary:
            if (eval(*e.args[1]).truthy()) return eval(*e.args[0]);
            return e.args[2] ? eval(*e.args[2]) : Value();
    }
    return Value();
}

Value Evaluator::eval_binary(const Expr& e) {
    Value lhs = eval(*e.args[0]);
    // Python's and/or: short-circuit and yield an operand, not a bool.
    if (e.name == "and") return lhs.truthy() ? eval(*e.args[1]) : lhs;
    if (e.name == "or") return lhs.truthy() ? lhs : eval(*e.args[1]);
    const Value rhs = eval(*e.args[1]);
    step(size_cost(lhs) + size_cost(rhs));  // `in`, ==, + walk their operands
    return binary_op(e.name, lhs, rhs);
}

Value Evaluator::eval_call(const Expr& e) {
    const Expr& callee = *e.args[0];
    if (callee.kind == Expr::Kind::attr) {
        // obj.name(...): a function stored in a dict (ns.f) or a method of the value.
        const Value obj = eval(*callee.args[0]);
        step(size_cost(obj));  // s.split(), s.count(), d.items() walk the object
        const Value* member = obj.is_dict() ? obj.as_dict().find(callee.name) : nullptr;
        if (member && member->is_function()) return member->as_function().call(eval_args(e, 1));
        return call_method(obj, callee.name, eval_args(e, 1));
    }
    const Value fn = eval(callee);
    if (!fn.is_function()) {
        const std::string what = callee.kind == Expr::Kind::name ? "'" + callee.name + "'" : "value";
        throw RuntimeError(what + (fn.is_undefined() ? " is undefined" : " is not callable"));
    }
    return fn.as_function().call(eval_args(e, 1));
}

}  // namespace hearth::jinja
