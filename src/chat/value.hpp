// The value type of hearth's Jinja-subset interpreter: undefined / none / bool / int / float /
// string / list / dict / function, with Python's truthiness, equality, str() and JSON rendering.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hearth::jinja {

// Thrown by value operations and builtins; the evaluator turns it into hearth::Error with the
// template position of the expression that failed.
struct RuntimeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Value;
using List = std::vector<Value>;

// Insertion-ordered string-keyed map (what a chat message or a namespace() is). Small: linear lookup.
struct Dict {
    std::vector<std::pair<std::string, Value>> items;
    bool is_namespace = false;  // only namespace() objects accept `set ns.attr = ...`

    const Value* find(std::string_view key) const;
    void set(std::string key, Value value);
};

struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> named;

    // Positional argument i, else the named one, else nullptr.
    const Value* get(size_t i, std::string_view name) const;
    // The same, with undefined standing in for a missing argument.
    const Value& at(size_t i, std::string_view name) const;
};

struct Function {
    std::string name;
    std::function<Value(const CallArgs&)> call;
};

struct Undefined {
    bool operator==(const Undefined&) const = default;
};
struct None {
    bool operator==(const None&) const = default;
};

class Value {
public:
    enum class Kind { undefined, none, boolean, integer, floating, string, list, dict, function };

    Value() = default;  // undefined
    Value(None) : v_(None{}) {}
    Value(bool b) : v_(b) {}
    Value(int64_t i) : v_(i) {}
    Value(int i) : v_(static_cast<int64_t>(i)) {}
    Value(double d) : v_(d) {}
    Value(std::string s) : v_(std::move(s)) {}
    Value(const char* s) : v_(std::string(s)) {}
    Value(std::string_view s) : v_(std::string(s)) {}
    Value(List l) : v_(std::make_shared<List>(std::move(l))) {}
    Value(std::shared_ptr<Dict> d) : v_(std::move(d)) {}
    Value(std::shared_ptr<const Function> f) : v_(std::move(f)) {}

    Kind kind() const noexcept { return static_cast<Kind>(v_.index()); }
    bool is_undefined() const noexcept { return kind() == Kind::undefined; }
    bool is_none() const noexcept { return kind() == Kind::none; }
    bool is_bool() const noexcept { return kind() == Kind::boolean; }
    bool is_int() const noexcept { return kind() == Kind::integer; }
    bool is_float() const noexcept { return kind() == Kind::floating; }
    bool is_number() const noexcept { return is_int() || is_float(); }
    bool is_string() const noexcept { return kind() == Kind::string; }
    bool is_list() const noexcept { return kind() == Kind::list; }
    bool is_dict() const noexcept { return kind() == Kind::dict; }
    bool is_function() const noexcept { return kind() == Kind::function; }

    bool as_bool() const { return std::get<bool>(v_); }
    int64_t as_int() const { return std::get<int64_t>(v_); }
    double as_number() const { return is_int() ? static_cast<double>(as_int()) : std::get<double>(v_); }
    const std::string& as_string() const { return std::get<std::string>(v_); }
    const List& as_list() const { return *std::get<std::shared_ptr<List>>(v_); }
    const Dict& as_dict() const { return *std::get<std::shared_ptr<Dict>>(v_); }
    const std::shared_ptr<Dict>& dict_ptr() const { return std::get<std::shared_ptr<Dict>>(v_); }
    const Function& as_function() const { return *std::get<std::shared_ptr<const Function>>(v_); }

    bool truthy() const;
    std::string type_name() const;

private:
    std::variant<Undefined, None, bool, int64_t, double, std::string, std::shared_ptr<List>, std::shared_ptr<Dict>,
                 std::shared_ptr<const Function>>
        v_;
};

std::shared_ptr<Dict> make_dict(bool is_namespace = false);

bool equals(const Value& a, const Value& b);
// Python's str(): what {{ }} prints (undefined prints nothing).
std::string to_str(const Value& v);
// Python's repr(): strings quoted, used inside list/dict rendering.
std::string to_repr(const Value& v);
// json.dumps(v, ensure_ascii=False) with indent < 0 meaning single-line ", " / ": " separators.
std::string to_json(const Value& v, int indent = -1);

}  // namespace hearth::jinja
