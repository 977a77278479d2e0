// Built-in operators, filters, tests, methods and global functions of the Jinja subset.
// All throw RuntimeError on misuse (wrong type, unknown name); the evaluator adds the position.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "chat/value.hpp"

namespace hearth::jinja {

// Bounds on what one value may grow to, so a hostile template cannot exhaust memory.
inline constexpr size_t kMaxStringBytes = size_t{16} << 20;
inline constexpr size_t kMaxListItems = size_t{1} << 20;
inline constexpr int64_t kMaxRange = 100000;

// Throws RuntimeError when a string of n bytes would exceed kMaxStringBytes.
void check_string_size(size_t n);

// Binary operators other than and/or: + - * / // % ** ~ == != < > <= >= in, not in.
Value binary_op(std::string_view op, const Value& a, const Value& b);
// -1 / 0 / 1 for numbers, strings and lists; RuntimeError for values without an order.
int compare(const Value& a, const Value& b);
// The items `for x in v` visits: list items, dict keys, string characters; undefined is empty.
List iterate(const Value& v);

Value apply_filter(std::string_view name, const Value& input, const CallArgs& args);
bool apply_test(std::string_view name, const Value& input, const CallArgs& args);
// s.strip(), d.items(), ... for strings, dicts and lists.
Value call_method(const Value& object, std::string_view name, const CallArgs& args);
// range, namespace, dict, raise_exception, strftime_now.
void add_global_functions(Dict& globals);

// String helpers shared by filters and methods.
std::string strip(std::string_view s, const Value* chars, bool left, bool right);
std::string replace_all(const std::string& s, const std::string& from, const std::string& to, int64_t count = -1);

}  // namespace hearth::jinja
