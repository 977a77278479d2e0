// Value semantics of the Jinja subset, following Python: truthiness, ==, str(), repr(), JSON.
#include "chat/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "util/json_string.hpp"

namespace hearth::jinja {

const Value* Dict::find(std::string_view key) const {
    for (const auto& [k, v] : items)
        if (k == key) return &v;
    return nullptr;
}

void Dict::set(std::string key, Value value) {
    for (auto& [k, v] : items)
        if (k == key) {
            v = std::move(value);
            return;
        }
    items.emplace_back(std::move(key), std::move(value));
}

const Value* CallArgs::get(size_t i, std::string_view name) const {
    if (i < positional.size()) return &positional[i];
    for (const auto& [k, v] : named)
        if (k == name) return &v;
    return nullptr;
}

const Value& CallArgs::at(size_t i, std::string_view name) const {
    static const Value undefined;
    const Value* v = get(i, name);
    return v ? *v : undefined;
}

std::shared_ptr<Dict> make_dict(bool is_namespace) {
    auto d = std::make_shared<Dict>();
    d->is_namespace = is_namespace;
    return d;
}

bool Value::truthy() const {
    switch (kind()) {
        case Kind::undefined:
        case Kind::none: return false;
        case Kind::boolean: return as_bool();
        case Kind::integer: return as_int() != 0;
        case Kind::floating: return as_number() != 0.0;
        case Kind::string: return !as_string().empty();
        case Kind::list: return !as_list().empty();
        case Kind::dict: return !as_dict().items.empty();
        case Kind::function: return true;
    }
    return false;
}

std::string Value::type_name() const {
    static const char* const names[] = {"undefined", "none", "boolean", "integer", "float",
                                        "string",    "list", "dict",    "function"};
    return names[static_cast<size_t>(kind())];
}

namespace {
bool equals_at(const Value& a, const Value& b, int depth);
}

bool equals(const Value& a, const Value& b) { return equals_at(a, b, 0); }

namespace {

bool equals_at(const Value& a, const Value& b, int depth) {
    if (depth > 64) throw RuntimeError("values nested too deeply to compare");
    if (a.is_number() && b.is_number()) {
        if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
        return a.as_number() == b.as_number();
    }
    // Python: True == 1 and False == 0.0.
    if ((a.is_bool() && b.is_number()) || (a.is_number() && b.is_bool())) {
        auto numeric = [](const Value& v) { return v.is_bool() ? (v.as_bool() ? 1.0 : 0.0) : v.as_number(); };
        return numeric(a) == numeric(b);
    }
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
        case Value::Kind::undefined:
        case Value::Kind::none: return true;
        case Value::Kind::boolean: return a.as_bool() == b.as_bool();
        case Value::Kind::string: return a.as_string() == b.as_string();
        case Value::Kind::list: {
            const List &x = a.as_list(), &y = b.as_list();
            if (x.size() != y.size()) return false;
            for (size_t i = 0; i < x.size(); ++i)
                if (!equals_at(x[i], y[i], depth + 1)) return false;
            return true;
        }
        case Value::Kind::dict: {
            const Dict &x = a.as_dict(), &y = b.as_dict();
            if (x.items.size() != y.items.size()) return false;
            for (const auto& [k, v] : x.items) {
                const Value* other = y.find(k);
                if (!other || !equals_at(v, *other, depth + 1)) return false;
            }
            return true;
        }
        case Value::Kind::function: return &a.as_function() == &b.as_function();
        default: return false;
    }
}

}  // namespace

namespace {

// Python's float repr: shortest round-trip digits, always with a '.' or exponent.
std::string float_repr(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    std::string s(buf, end);
    if (s.find_first_of(".en") == std::string::npos) s += ".0";
    return s;
}

std::string quote_repr(const std::string& s) {
    // Python prefers single quotes unless the string holds one and no double quote.
    const char q = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
    std::string out(1, q);
    for (char c : s) {
        if (c == q || c == '\\')
            out += '\\', out += c;
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\r')
            out += "\\r";
        else
            out += c;
    }
    return out + q;
}

void json_into(std::string& out, const Value& v, int indent, int depth) {
    if (depth > 64) throw RuntimeError("tojson: value nested too deeply");
    auto newline = [&](int level) {
        if (indent < 0) return;
        out += '\n';
        out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
    };
    const char* item_sep = indent < 0 ? ", " : ",";
    switch (v.kind()) {
        case Value::Kind::undefined:
        case Value::Kind::none: out += "null"; return;
        case Value::Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
        case Value::Kind::integer: out += std::to_string(v.as_int()); return;
        case Value::Kind::floating: {
            const double d = v.as_number();
            out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : float_repr(d);
            return;
        }
        case Value::Kind::string: util::append_json_string(out, v.as_string()); return;
        case Value::Kind::list: {
            const List& l = v.as_list();
            if (l.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (size_t i = 0; i < l.size(); ++i) {
                if (i) out += item_sep;
                newline(depth + 1);
                json_into(out, l[i], indent, depth + 1);
            }
            newline(depth);
            out += ']';
            return;
        }
        case Value::Kind::dict: {
            const Dict& d = v.as_dict();
            if (d.items.empty()) {
                out += "{}";
                return;
            }
            out += '{';
            for (size_t i = 0; i < d.items.size(); ++i) {
                if (i) out += item_sep;
                newline(depth + 1);
                util::append_json_string(out, d.items[i].first);
                out += ": ";
                json_into(out, d.items[i].second, indent, depth + 1);
            }
            newline(depth);
            out += '}';
            return;
        }
        case Value::Kind::function: throw RuntimeError("tojson: cannot serialise a function");
    }
}

}  // namespace

namespace {

// Depth-guarded so a namespace that holds itself (ns.me = ns) cannot recurse forever.
std::string str_at(const Value& v, int depth);

std::string repr_at(const Value& v, int depth) { return v.is_string() ? quote_repr(v.as_string()) : str_at(v, depth); }

std::string str_at(const Value& v, int depth) {
    if (depth > 64) throw RuntimeError("value nested too deeply to print");
    switch (v.kind()) {
        case Value::Kind::undefined: return "";
        case Value::Kind::none: return "None";
        case Value::Kind::boolean: return v.as_bool() ? "True" : "False";
        case Value::Kind::integer: return std::to_string(v.as_int());
        case Value::Kind::floating: return float_repr(v.as_number());
        case Value::Kind::string: return v.as_string();
        case Value::Kind::list: {
            std::string out = "[";
            const List& l = v.as_list();
            for (size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + repr_at(l[i], depth + 1);
            return out + "]";
        }
        case Value::Kind::dict: {
            std::string out = "{";
            const Dict& d = v.as_dict();
            for (size_t i = 0; i < d.items.size(); ++i)
                out += (i ? ", " : "") + quote_repr(d.items[i].first) + ": " + repr_at(d.items[i].second, depth + 1);
            return out + "}";
        }
        case Value::Kind::function: return "<function " + v.as_function().name + ">";
    }
    return "";
}

}  // namespace

std::string to_str(const Value& v) { return str_at(v, 0); }

std::string to_repr(const Value& v) { return repr_at(v, 0); }

std::string to_json(const Value& v, int indent) {
    std::string out;
    json_into(out, v, indent, 0);
    return out;
}

}  // namespace hearth::jinja
