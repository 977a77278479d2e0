// Operators of the Jinja subset with Python semantics: arithmetic (with overflow checks),
// concatenation, comparison, membership, and iteration over values.
#include <cmath>

#include <fmt/format.h>

#include "chat/builtins.hpp"

namespace hearth::jinja {
namespace {

[[noreturn]] void type_error(std::string_view op, const Value& a, const Value& b) {
    throw RuntimeError("unsupported operand types for " + std::string(op) + ": " + a.type_name() + " and " +
                       b.type_name());
}

void check_overflow(bool overflow) {
    if (overflow) throw RuntimeError("integer overflow");
}

Value arithmetic(std::string_view op, const Value& a, const Value& b) {
    if (a.is_int() && b.is_int()) {
        const int64_t x = a.as_int(), y = b.as_int();
        int64_t r = 0;
        if (op == "+") {
            check_overflow(__builtin_add_overflow(x, y, &r));
            return r;
        }
        if (op == "-") {
            check_overflow(__builtin_sub_overflow(x, y, &r));
            return r;
        }
        if (op == "*") {
            check_overflow(__builtin_mul_overflow(x, y, &r));
            return r;
        }
        if (op == "//" || op == "%") {
            if (y == 0) throw RuntimeError("integer division or modulo by zero");
            if (x == INT64_MIN && y == -1) throw RuntimeError("integer overflow");
            int64_t q = x / y, m = x % y;
            if (m != 0 && ((m < 0) != (y < 0))) --q, m += y;  // Python floors toward -inf
            return op == "//" ? q : m;
        }
        if (op == "**" && y >= 0) {
            int64_t result = 1;
            for (int64_t i = 0; i < y; ++i) {
                check_overflow(__builtin_mul_overflow(result, x, &result));
                if (result == 0 || result == 1) break;  // stays put (avoids a long loop for 1 ** huge)
                if (result == -1 && x == -1) {
                    result = ((y - i - 1) % 2 == 0) ? -1 : 1;
                    break;
                }
            }
            return result;
        }
    }
    const double x = a.as_number(), y = b.as_number();
    if (op == "+") return x + y;
    if (op == "-") return x - y;
    if (op == "*") return x * y;
    if (op == "**") return std::pow(x, y);
    if (y == 0.0) throw RuntimeError("float division by zero");
    if (op == "/") return x / y;
    if (op == "//") return std::floor(x / y);
    const double m = std::fmod(x, y);
    return (m != 0.0 && ((m < 0) != (y < 0))) ? m + y : m;
}

std::string repeat(const std::string& s, int64_t n) {
    if (n <= 0 || s.empty()) return {};
    check_string_size(s.size() * static_cast<size_t>(std::min<int64_t>(n, int64_t{1} << 40)));
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += s;
    return out;
}

bool contains(const Value& container, const Value& item) {
    if (container.is_string()) {
        if (!item.is_string()) throw RuntimeError("'in <string>' requires a string on the left");
        return container.as_string().find(item.as_string()) != std::string::npos;
    }
    if (container.is_list()) {
        for (const Value& v : container.as_list())
            if (equals(v, item)) return true;
        return false;
    }
    if (container.is_dict()) return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
    if (container.is_undefined()) return false;
    throw RuntimeError("argument of type " + container.type_name() + " is not iterable");
}

}  // namespace

void check_string_size(size_t n) {
    if (n > kMaxStringBytes) throw RuntimeError(fmt::format("string larger than {} bytes", kMaxStringBytes));

}

int compare(const Value& a, const Value& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
        const double x = a.as_number(), y = b.as_number();
        return x < y ? -1 : x > y;
    }
    if (a.is_string() && b.is_string()) {
        const int c = a.as_string().compare(b.as_string());
        return c < 0 ? -1 : c > 0;
    }
    if (a.is_list() && b.is_list()) {
        const List &x = a.as_list(), &y = b.as_list();
        for (size_t i = 0; i < x.size() && i < y.size(); ++i)
            if (const int c = compare(x[i], y[i])) return c;
        return x.size() < y.size() ? -1 : x.size() > y.size();
    }
    throw RuntimeError("cannot order " + a.type_name() + " and " + b.type_name());
}

Value binary_op(std::string_view op, const Value& a, const Value& b) {
    if (op == "==") return equals(a, b);
    if (op == "!=") return !equals(a, b);
    if (op == "<") return compare(a, b) < 0;
    if (op == ">") return compare(a, b) > 0;
    if (op == "<=") return compare(a, b) <= 0;
    if (op == ">=") return compare(a, b) >= 0;
    if (op == "in") return contains(b, a);
    if (op == "not in") return !contains(b, a);
    if (op == "~") {
        std::string s = to_str(a);
        std::string t = to_str(b);
        check_string_size(s.size() + t.size());
        return s + t;
    }
    if (op == "+") {
        if (a.is_string() && b.is_string()) {
            check_string_size(a.as_string().size() + b.as_string().size());
            return a.as_string() + b.as_string();
        }
        if (a.is_list() && b.is_list()) {
            if (a.as_list().size() + b.as_list().size() > kMaxListItems) throw RuntimeError("list too long");
            List l = a.as_list();
            l.insert(l.end(), b.as_list().begin(), b.as_list().end());
            return l;
        }
    }
    if (op == "*") {
        if (a.is_string() && b.is_int()) return repeat(a.as_string(), b.as_int());
        if (a.is_int() && b.is_string()) return repeat(b.as_string(), a.as_int());
    }
    if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
    type_error(op, a, b);
}

List iterate(const Value& v) {
    switch (v.kind()) {
        case Value::Kind::undefined: return {};
        case Value::Kind::list: return v.as_list();
        case Value::Kind::dict: {
            List keys;
            for (const auto& item : v.as_dict().items) keys.emplace_back(item.first);
            return keys;
        }
        case Value::Kind::string: {
            // One item per UTF-8 character, as Python iterates code points.
            List chars;
            const std::string& s = v.as_string();
            for (size_t i = 0; i < s.size();) {
                size_t n = 1;
                while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
                chars.emplace_back(s.substr(i, n));
                i += n;
            }
            return chars;
        }
        default: throw RuntimeError("'" + v.type_name() + "' object is not iterable");
    }
}

std::string strip(std::string_view s, const Value* chars, bool left, bool right) {
    std::string_view set = " \t\n\r\f\v";
    if (chars && chars->is_string())
        set = chars->as_string();
    else if (chars && !chars->is_none() && !chars->is_undefined())
        throw RuntimeError("strip: chars must be a string");
    size_t b = 0, e = s.size();
    if (left)
        while (b < e && set.find(s[b]) != std::string_view::npos) ++b;
    if (right)
        while (e > b && set.find(s[e - 1]) != std::string_view::npos) --e;
    return std::string(s.substr(b, e - b));
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to, int64_t count) {
    std::string out;
    size_t pos = 0;
    int64_t done = 0;
    if (from.empty()) {  // Python inserts `to` between every character
        for (size_t i = 0; i <= s.size() && (count < 0 || done < count); ++i, ++done) {
            out += to;
            if (i < s.size()) out += s[i];
            check_string_size(out.size());
            pos = i + 1;
        }
        if (pos < s.size()) out.append(s, pos);
        return out;
    }
    for (size_t hit; (count < 0 || done < count) && (hit = s.find(from, pos)) != std::string::npos; ++done) {
        out.append(s, pos, hit - pos);
        out += to;
        check_string_size(out.size());
        pos = hit + from.size();
    }
    out.append(s, pos);
    check_string_size(out.size());
    return out;
}

}  // namespace hearth::jinja
