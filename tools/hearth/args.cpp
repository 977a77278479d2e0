// Implementation of the subcommands' option parser.
#include "args.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace hearth::cli {

Args::Args(std::span<char*> args) : args_(args.begin(), args.end()), used_(args_.size(), false) {}

bool Args::flag(std::initializer_list<std::string_view> names) {
    bool found = false;
    for (size_t i = 0; i < args_.size(); ++i) {
        if (used_[i]) continue;
        for (std::string_view n : names)
            if (args_[i] == n) {
                used_[i] = true;
                found = true;
            }
    }
    return found;
}

bool Args::flag_with_choice(std::initializer_list<std::string_view> names, std::initializer_list<std::string_view> choices) {
    bool found = false;
    for (size_t i = 0; i < args_.size(); ++i) {
        if (used_[i] || std::find(names.begin(), names.end(), args_[i]) == names.end()) continue;
        used_[i] = found = true;
        if (i + 1 < args_.size() && !used_[i + 1] && std::find(choices.begin(), choices.end(), args_[i + 1]) != choices.end())
            used_[i + 1] = true;
    }
    return found;
}

std::vector<std::string> Args::values(std::initializer_list<std::string_view> names) {
    std::vector<std::string> result;
    for (size_t i = 0; i < args_.size(); ++i) {
        if (used_[i]) continue;
        for (std::string_view n : names) {
            const std::string& a = args_[i];
            if (a == n) {
                if (i + 1 >= args_.size()) throw UsageError("option " + a + " needs a value");
                used_[i] = used_[i + 1] = true;
                result.push_back(args_[i + 1]);
                break;
            }
            if (n.starts_with("--") && a.size() > n.size() && a.starts_with(n) && a[n.size()] == '=') {
                used_[i] = true;
                result.push_back(a.substr(n.size() + 1));
                break;
            }
        }
    }
    return result;
}

std::optional<std::string> Args::value(std::initializer_list<std::string_view> names) {
    std::vector<std::string> all = values(names);
    if (all.empty()) return std::nullopt;
    return std::move(all.back());  // the last occurrence wins, as in most CLIs
}

std::optional<int64_t> Args::integer(std::initializer_list<std::string_view> names, int64_t min, int64_t max) {
    auto v = value(names);
    if (!v) return std::nullopt;
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size())
        throw UsageError("option " + std::string(*names.begin()) + " expects an integer, got '" + *v + "'");
    if (n < min || n > max)
        throw UsageError("option " + std::string(*names.begin()) + " must be in [" + std::to_string(min) + ", " +
                         std::to_string(max) + "], got " + *v);
    return n;
}

std::optional<double> Args::number(std::initializer_list<std::string_view> names) {
    auto v = value(names);
    if (!v) return std::nullopt;
    try {
        size_t used = 0;
        double d = std::stod(*v, &used);
        if (used == v->size() && std::isfinite(d)) return d;  // "nan" and "inf" parse, but mean nothing here
    } catch (const std::exception&) {
    }
    throw UsageError("option " + std::string(*names.begin()) + " expects a finite number, got '" + *v + "'");
}

std::vector<std::string> Args::positional() {
    std::vector<std::string> out;
    for (size_t i = 0; i < args_.size(); ++i) {
        if (used_[i]) continue;
        if (args_[i].size() > 1 && args_[i][0] == '-') continue;  // unknown option: finish() reports it
        used_[i] = true;
        out.push_back(args_[i]);
    }
    return out;
}

void Args::finish() const {
    for (size_t i = 0; i < args_.size(); ++i)
        if (!used_[i]) throw UsageError("unexpected argument '" + args_[i] + "'");
}

}  // namespace hearth::cli
