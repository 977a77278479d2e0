// Minimal command-line parsing shared by the subcommands: options are consumed by name
// (-m MODEL, --model MODEL, --model=MODEL), then finish() rejects anything left over.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/error.hpp"

namespace hearth::cli {

// Thrown for a usage mistake: main prints it with the command's usage and exits 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Runs parse(), a library call that reads an option's value (a weight type, a shape name), so that
// its Error(invalid_argument) is a usage mistake (exit 2) like any other bad option value.
template <typename Parse>
decltype(auto) parse_option_value(Parse&& parse) {
    try {
        return parse();
    } catch (const Error& e) {
        if (e.code() == ErrorCode::invalid_argument) throw UsageError(e.what());
        throw;
    }
}

class Args {
public:
    explicit Args(std::span<char*> args);

    // True when any of names is present (and removes it). "-h"/"--help" is checked by help().
    bool flag(std::initializer_list<std::string_view> names);
    bool help() { return flag({"-h", "--help"}); }
    // The value after any of names; nullopt when absent; UsageError when the value is missing.
    std::optional<std::string> value(std::initializer_list<std::string_view> names);
    // A flag that may be followed by one of choices (e.g. "-fa" or "-fa on"); true when present.
    bool flag_with_choice(std::initializer_list<std::string_view> names, std::initializer_list<std::string_view> choices);
    // Every value given with any of names, in order (for options that may repeat, e.g. --stop).
    std::vector<std::string> values(std::initializer_list<std::string_view> names);
    std::optional<int64_t> integer(std::initializer_list<std::string_view> names, int64_t min, int64_t max);
    std::optional<double> number(std::initializer_list<std::string_view> names);
    // Remaining non-option arguments, in order; call after all options were taken.
    std::vector<std::string> positional();
    // UsageError naming the first argument nobody consumed.
    void finish() const;

private:
    std::vector<std::string> args_;
    std::vector<bool> used_;
};

}  // namespace hearth::cli
