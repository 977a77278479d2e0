// The CLI's usage mistakes: a wrong option, a missing argument, a value out of range. main()
// prints them with a pointer to the command's --help and exits 2 (runtime errors exit 1).
#pragma once

#include <stdexcept>

#include "hearth/error.hpp"

namespace hearth::cli {

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

}  // namespace hearth::cli
