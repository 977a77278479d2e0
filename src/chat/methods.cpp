// Python methods templates call on values (s.strip(), s.split(), d.items(), d.get()) and the
// global functions (range, namespace, dict, raise_exception, strftime_now).
#include <ctime>

#include <fmt/format.h>

#include "chat/builtins.hpp"

namespace hearth::jinja {
namespace {

const std::string& string_arg(const CallArgs& a, size_t i, std::string_view method) {
    const Value& v = a.at(i, "");
    if (!v.is_string()) throw RuntimeError(std::string(method) + "() expects a string argument");
    return v.as_string();
}

bool affix_matches(const std::string& s, const Value& affix, bool prefix) {
    auto one = [&](const Value& v) {
        if (!v.is_string()) throw RuntimeError("startswith/endswith expects a string or a tuple of strings");
        return prefix ? s.starts_with(v.as_string()) : s.ends_with(v.as_string());
    };
    if (affix.is_list()) {
        for (const Value& v : affix.as_list())
            if (one(v)) return true;
        return false;
    }
    return one(affix);
}

List split(const std::string& s, const Value& sep, int64_t maxsplit) {
    List out;
    if (sep.is_undefined() || sep.is_none()) {  // runs of whitespace, no empty pieces
        const std::string_view ws = " \t\n\r\f\v";
        size_t i = s.find_first_not_of(ws);
        while (i != std::string::npos) {
            if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
                out.emplace_back(s.substr(i));  // Python keeps the remainder's trailing spaces
                break;
            }
            const size_t e = std::min(s.find_first_of(ws, i), s.size());
            out.emplace_back(s.substr(i, e - i));
            i = s.find_first_not_of(ws, e);
        }
        return out;
    }
    if (!sep.is_string() || sep.as_string().empty()) throw RuntimeError("split: separator must be a non-empty string");
    const std::string& d = sep.as_string();
    size_t start = 0;
    for (size_t hit; (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) &&
                     (hit = s.find(d, start)) != std::string::npos;) {
        out.emplace_back(s.substr(start, hit - start));
        start = hit + d.size();
    }
    out.emplace_back(s.substr(start));
    return out;
}

Value string_method(const std::string& s, std::string_view name, const CallArgs& a) {
    if (name == "strip") return strip(s, a.get(0, "chars"), true, true);
    if (name == "lstrip") return strip(s, a.get(0, "chars"), true, false);
    if (name == "rstrip") return strip(s, a.get(0, "chars"), false, true);
    if (name == "startswith" || name == "endswith") return affix_matches(s, a.at(0, "prefix"), name == "startswith");
    if (name == "split") {
        const Value& n = a.at(1, "maxsplit");
        return split(s, a.at(0, "sep"), n.is_int() ? n.as_int() : -1);
    }
    if (name == "upper" || name == "lower" || name == "title" || name == "capitalize")
        return apply_filter(name, s, CallArgs{});
    if (name == "replace") {
        const Value& n = a.at(2, "count");
        return replace_all(s, string_arg(a, 0, name), string_arg(a, 1, name), n.is_int() ? n.as_int() : -1);
    }
    if (name == "find") {
        const size_t pos = s.find(string_arg(a, 0, name));
        return pos == std::string::npos ? int64_t{-1} : static_cast<int64_t>(pos);
    }
    if (name == "count") {
        const std::string& sub = string_arg(a, 0, name);
        if (sub.empty()) return static_cast<int64_t>(s.size() + 1);
        int64_t n = 0;
        for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
        return n;
    }
    if (name == "join") return apply_filter("join", a.at(0, "iterable"), CallArgs{{Value(s)}, {}});
    if (name == "splitlines") {
        List lines = split(s, Value("\n"), -1);
        if (!lines.empty() && lines.back().as_string().empty()) lines.pop_back();
        return lines;
    }
    if (name == "isdigit" || name == "isspace" || name == "isalpha") {
        if (s.empty()) return false;
        for (unsigned char c : s) {
            const bool ok = name == "isdigit"   ? (c >= '0' && c <= '9')
                            : name == "isspace" ? (c == ' ' || (c >= '\t' && c <= '\r'))
                                                : ((c | 32) >= 'a' && (c | 32) <= 'z');
            if (!ok) return false;
        }
        return true;
    }
    throw RuntimeError("strings have no method '" + std::string(name) + "'");
}

Value dict_method(const Value& d, std::string_view name, const CallArgs& a) {
    if (name == "items") return apply_filter("items", d, CallArgs{});
    if (name == "keys") return iterate(d);
    if (name == "values") {
        List out;
        for (const auto& item : d.as_dict().items) out.push_back(item.second);
        return out;
    }
    if (name == "get") {
        const Value& key = a.at(0, "key");
        const Value* found = key.is_string() ? d.as_dict().find(key.as_string()) : nullptr;
        if (found) return *found;
        const Value* fallback = a.get(1, "default");
        return fallback ? *fallback : Value(None{});
    }
    throw RuntimeError("dicts have no method '" + std::string(name) + "'");
}

std::shared_ptr<const Function> function(std::string name, std::function<Value(const CallArgs&)> fn) {
    return std::make_shared<const Function>(Function{std::move(name), std::move(fn)});
}

Value range(const CallArgs& a) {
    auto int_at = [&](size_t i) {
        if (!a.positional[i].is_int()) throw RuntimeError("range() expects integers");
        return a.positional[i].as_int();
    };
    if (a.positional.empty() || a.positional.size() > 3) throw RuntimeError("range() takes 1 to 3 arguments");
    const int64_t start = a.positional.size() > 1 ? int_at(0) : 0;
    const int64_t stop = a.positional.size() > 1 ? int_at(1) : int_at(0);
    const int64_t step = a.positional.size() > 2 ? int_at(2) : 1;
    if (step == 0) throw RuntimeError("range() step must not be zero");
    List out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        if (static_cast<int64_t>(out.size()) >= kMaxRange)
            throw RuntimeError(fmt::format("range() longer than {} items", kMaxRange));

        out.emplace_back(i);
        if ((step > 0 && i > INT64_MAX - step) || (step < 0 && i < INT64_MIN - step)) break;
    }
    return out;
}

Value make_dict_from(const CallArgs& a, bool is_namespace) {
    auto d = make_dict(is_namespace);
    if (!a.positional.empty()) {
        if (!a.positional[0].is_dict()) throw RuntimeError("expected keyword arguments or a dict");
        d->items = a.positional[0].as_dict().items;
    }
    for (const auto& [k, v] : a.named) d->set(k, v);
    return Value(std::move(d));
}

Value strftime_now(const CallArgs& a) {
    const Value& fmt = a.at(0, "format");
    if (!fmt.is_string()) throw RuntimeError("strftime_now() expects a format string");
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[256];
    const size_t n = std::strftime(buf, sizeof buf, fmt.as_string().c_str(), &tm);
    return std::string(buf, n);
}

}  // namespace

Value call_method(const Value& object, std::string_view name, const CallArgs& args) {
    if (object.is_string()) return string_method(object.as_string(), name, args);
    if (object.is_dict()) return dict_method(object, name, args);
    throw RuntimeError("'" + object.type_name() + "' has no method '" + std::string(name) + "'");
}

void add_global_functions(Dict& globals) {
    globals.set("range", function("range", range));
    globals.set("namespace", function("namespace", [](const CallArgs& a) { return make_dict_from(a, true); }));
    globals.set("dict", function("dict", [](const CallArgs& a) { return make_dict_from(a, false); }));
    globals.set("raise_exception", function("raise_exception", [](const CallArgs& a) -> Value {
                    throw RuntimeError("template raised an exception: " + to_str(a.at(0, "message")));
                }));
    globals.set("strftime_now", function("strftime_now", strftime_now));
}

}  // namespace hearth::jinja
