// Filters ({{ x | name(args) }}) and tests ({% if x is name %}) of the Jinja subset.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "chat/builtins.hpp"

namespace hearth::jinja {
namespace {

int64_t int_arg(const CallArgs& a, size_t i, std::string_view name, int64_t fallback) {
    const Value& v = a.at(i, name);
    if (v.is_undefined() || v.is_none()) return fallback;
    if (!v.is_int()) throw RuntimeError("argument '" + std::string(name) + "' must be an integer");
    return v.as_int();
}

std::string case_map(std::string s, bool upper) {
    for (char& c : s)
        if (upper && c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 32);
        else if (!upper && c >= 'A' && c <= 'Z')
            c = static_cast<char>(c + 32);
    return s;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Follows a dotted attribute path ("a.b") through dicts; undefined when missing.
Value attribute_of(const Value& v, const std::string& path) {
    Value cur = v;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t dot = std::min(path.find('.', start), path.size());
        const std::string key = path.substr(start, dot - start);
        if (!cur.is_dict()) return Value();
        const Value* next = cur.as_dict().find(key);
        if (!next) return Value();
        cur = *next;
        start = dot + 1;
    }
    return cur;
}

// Arguments after the first `skip` positional ones, for tests/filters forwarded by select/map.
CallArgs rest_args(const CallArgs& a, size_t skip) {
    CallArgs rest;
    for (size_t i = skip; i < a.positional.size(); ++i) rest.positional.push_back(a.positional[i]);
    return rest;
}

Value select_like(const Value& input, const CallArgs& a, bool by_attribute, bool keep_when) {
    List out;
    const size_t skip = by_attribute ? 1 : 0;
    if (by_attribute && !a.at(0, "attribute").is_string()) throw RuntimeError("selectattr: attribute name expected");
    const Value& test = a.at(skip, "test");
    const CallArgs test_args = rest_args(a, skip + 1);
    for (const Value& item : iterate(input)) {
        const Value subject = by_attribute ? attribute_of(item, a.at(0, "attribute").as_string()) : item;
        const bool pass = test.is_undefined() ? subject.truthy() : apply_test(test.as_string(), subject, test_args);
        if (pass == keep_when) out.push_back(item);
    }
    return out;
}

Value map_filter(const Value& input, const CallArgs& a) {
    List out;
    const Value& attribute = a.at(99, "attribute");
    for (const Value& item : iterate(input)) {
        if (attribute.is_string()) {
            Value v = attribute_of(item, attribute.as_string());
            out.push_back(v.is_undefined() ? a.at(99, "default") : v);
        } else {
            if (a.positional.empty() || !a.positional[0].is_string()) throw RuntimeError("map: filter name expected");
            out.push_back(apply_filter(a.positional[0].as_string(), item, rest_args(a, 1)));
        }
    }
    return out;
}

Value sort_filter(const Value& input, const CallArgs& a) {
    List items = iterate(input);
    const bool reverse = a.at(0, "reverse").truthy();
    const bool case_sensitive = a.at(1, "case_sensitive").truthy();
    const Value& attribute = a.at(2, "attribute");
    auto key = [&](const Value& v) {
        Value k = attribute.is_string() ? attribute_of(v, attribute.as_string()) : v;
        return (!case_sensitive && k.is_string()) ? Value(case_map(k.as_string(), false)) : k;
    };
    std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
        const int c = compare(key(x), key(y));
        return reverse ? c > 0 : c < 0;
    });
    return items;
}

Value to_int(const Value& v, const CallArgs& a) {
    if (v.is_int()) return v;
    if (v.is_bool()) return int64_t{v.as_bool()};
    if (v.is_float() && std::isfinite(v.as_number()) && std::fabs(v.as_number()) < 9.2e18)
        return static_cast<int64_t>(v.as_number());
    if (v.is_string()) {
        const std::string s = strip(v.as_string(), nullptr, true, true);
        int64_t out = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec == std::errc() && p == s.data() + s.size()) return out;
    }
    return Value(int_arg(a, 0, "default", 0));
}

Value to_float(const Value& v) {
    if (v.is_number()) return v.as_number();
    if (v.is_string()) {
        char* end = nullptr;
        const double d = std::strtod(v.as_string().c_str(), &end);
        if (end && *end == '\0' && !v.as_string().empty()) return d;
    }
    return 0.0;
}

Value items_of(const Value& v) {
    List out;
    if (v.is_undefined()) return out;
    if (!v.is_dict()) throw RuntimeError("items: expected a dict, got " + v.type_name());
    for (const auto& [k, val] : v.as_dict().items) out.push_back(List{Value(k), val});
    return out;
}

std::string title_case(std::string s) {
    bool start = true;
    for (char& c : s) {
        if (is_alpha(c)) {
            c = start ? case_map(std::string(1, c), true)[0] : case_map(std::string(1, c), false)[0];
            start = false;
        } else {
            start = true;
        }
    }
    return s;
}

std::string indent(const std::string& s, int64_t width, bool first, bool blank) {
    const std::string pad(static_cast<size_t>(std::clamp<int64_t>(width, 0, 1024)), ' ');
    std::string out;
    size_t start = 0;
    for (bool is_first = true; start <= s.size(); is_first = false) {
        const size_t nl = s.find('\n', start);
        const std::string line = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if ((!is_first || first) && (blank || !line.empty())) out += pad;
        out += line;
        check_string_size(out.size());
        if (nl == std::string::npos) break;
        out += '\n';
        start = nl + 1;
    }
    return out;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

// Without copying the container: templates call `messages | length` once per message.
Value length_of(const Value& v) {
    if (v.is_list()) return static_cast<int64_t>(v.as_list().size());
    if (v.is_dict()) return static_cast<int64_t>(v.as_dict().items.size());
    if (v.is_string()) {  // characters, not bytes
        int64_t n = 0;
        for (unsigned char c : v.as_string()) n += (c & 0xC0) != 0x80;
        return n;
    }
    return static_cast<int64_t>(iterate(v).size());
}

Value first_or_last(const Value& v, bool first) {
    if (v.is_list()) {
        const List& items = v.as_list();
        if (items.empty()) return Value();
        return first ? items.front() : items.back();
    }
    List items = iterate(v);
    if (items.empty()) return Value();
    return first ? items.front() : items.back();
}

Value join(const Value& v, const CallArgs& a) {
    const Value& sep = a.at(0, "d");
    const Value& attribute = a.at(1, "attribute");
    std::string out;
    bool first = true;
    for (const Value& item : iterate(v)) {
        if (!first) out += to_str(sep);
        out += to_str(attribute.is_string() ? attribute_of(item, attribute.as_string()) : item);
        check_string_size(out.size());
        first = false;
    }
    return out;
}

Value min_max_sum(std::string_view name, const Value& v) {
    List items = iterate(v);
    if (name == "sum") {
        Value total(int64_t{0});
        for (const Value& x : items) total = binary_op("+", total, x);
        return total;
    }
    if (items.empty()) return Value();
    Value best = items[0];
    for (const Value& x : items)
        if ((name == "min") ? compare(x, best) < 0 : compare(x, best) > 0) best = x;
    return best;
}

}  // namespace

Value apply_filter(std::string_view name, const Value& in, const CallArgs& a) {
    auto text = [&] { return to_str(in); };
    if (name == "trim") return strip(text(), a.get(0, "chars"), true, true);
    if (name == "upper") return case_map(text(), true);
    if (name == "lower") return case_map(text(), false);
    if (name == "capitalize") {
        std::string s = case_map(text(), false);
        if (!s.empty()) s[0] = case_map(s.substr(0, 1), true)[0];
        return s;
    }
    if (name == "title") return title_case(text());
    if (name == "length" || name == "count") return length_of(in);
    if (name == "string") return text();
    if (name == "int") return to_int(in, a);
    if (name == "float") return to_float(in);
    if (name == "abs") {
        if (in.is_int()) return in.as_int() < 0 ? binary_op("-", int64_t{0}, in) : in;
        return std::fabs(to_float(in).as_number());
    }
    if (name == "round") {
        const double scale = std::pow(10.0, static_cast<double>(int_arg(a, 0, "precision", 0)));
        const Value& method = a.at(1, "method");
        const double x = to_float(in).as_number() * scale;
        const std::string m = method.is_string() ? method.as_string() : "common";
        return (m == "floor" ? std::floor(x) : m == "ceil" ? std::ceil(x) : std::round(x)) / scale;
    }
    if (name == "tojson")
        return to_json(in, static_cast<int>(std::clamp<int64_t>(int_arg(a, 0, "indent", -1), -1, 64)));
    if (name == "default" || name == "d") {
        const bool boolean = a.at(1, "boolean").truthy();
        if (in.is_undefined() || (boolean && !in.truthy())) {
            const Value* d = a.get(0, "default_value");
            return d ? *d : Value(std::string());
        }
        return in;
    }
    if (name == "first" || name == "last") return first_or_last(in, name == "first");
    if (name == "join") return join(in, a);
    if (name == "replace") {
        const Value &from = a.at(0, "old"), &to = a.at(1, "new");
        if (!from.is_string() || !to.is_string()) throw RuntimeError("replace: strings expected");
        return replace_all(text(), from.as_string(), to.as_string(), int_arg(a, 2, "count", -1));
    }
    if (name == "items") return items_of(in);
    if (name == "dictsort") return sort_filter(items_of(in), CallArgs{});
    if (name == "list") return iterate(in);
    if (name == "reverse") {
        List items = iterate(in);
        std::reverse(items.begin(), items.end());
        if (!in.is_string()) return items;
        std::string s;
        for (const Value& c : items) s += c.as_string();
        return s;
    }
    if (name == "sort") return sort_filter(in, a);
    if (name == "unique") {
        List out;
        for (const Value& x : iterate(in))
            if (std::none_of(out.begin(), out.end(), [&](const Value& y) { return equals(x, y); })) out.push_back(x);
        return out;
    }
    if (name == "selectattr" || name == "rejectattr") return select_like(in, a, true, name == "selectattr");
    if (name == "select" || name == "reject") return select_like(in, a, false, name == "select");
    if (name == "map") return map_filter(in, a);
    if (name == "sum" || name == "min" || name == "max") return min_max_sum(name, in);
    if (name == "indent")
        return indent(text(), int_arg(a, 0, "width", 4), a.at(1, "first").truthy(), a.at(2, "blank").truthy());
    if (name == "safe") return in;
    if (name == "e" || name == "escape") return html_escape(text());
    throw RuntimeError("unknown filter '" + std::string(name) + "'");
}

bool apply_test(std::string_view name, const Value& v, const CallArgs& a) {
    if (name == "defined") return !v.is_undefined();
    if (name == "undefined") return v.is_undefined();
    if (name == "none") return v.is_none();
    if (name == "boolean") return v.is_bool();
    if (name == "true") return v.is_bool() && v.as_bool();
    if (name == "false") return v.is_bool() && !v.as_bool();
    if (name == "integer") return v.is_int();
    if (name == "float") return v.is_float();
    if (name == "number") return v.is_number();
    if (name == "string") return v.is_string();
    if (name == "mapping") return v.is_dict();
    if (name == "iterable") return v.is_list() || v.is_dict() || v.is_string();
    if (name == "sequence") return v.is_list() || v.is_dict() || v.is_string();
    if (name == "callable") return v.is_function();
    if (name == "lower") return v.is_string() && case_map(v.as_string(), false) == v.as_string();
    if (name == "upper") return v.is_string() && case_map(v.as_string(), true) == v.as_string();
    if (name == "odd" || name == "even") {
        if (!v.is_int()) throw RuntimeError("test '" + std::string(name) + "' needs an integer");
        return (v.as_int() % 2 != 0) == (name == "odd");
    }
    if (name == "divisibleby") {
        const int64_t d = int_arg(a, 0, "num", 0);
        if (!v.is_int() || d == 0) throw RuntimeError("divisibleby needs integers and a non-zero divisor");
        return v.as_int() % d == 0;
    }
    const Value& other = a.at(0, "b");
    if (name == "eq" || name == "equalto" || name == "==") return equals(v, other);
    if (name == "ne" || name == "!=") return !equals(v, other);
    if (name == "sameas") return v.kind() == other.kind() && equals(v, other);
    if (name == "lt" || name == "<") return compare(v, other) < 0;
    if (name == "le" || name == "<=") return compare(v, other) <= 0;
    if (name == "gt" || name == ">") return compare(v, other) > 0;
    if (name == "ge" || name == ">=") return compare(v, other) >= 0;
    if (name == "in") return binary_op("in", v, other).as_bool();
    throw RuntimeError("unknown test '" + std::string(name) + "'");
}

}  // namespace hearth::jinja
