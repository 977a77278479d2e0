// hearth::Error: the one exception type the public API throws, with a code a caller can branch on.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth {

enum class ErrorCode {
    io,                // a file could not be opened, mapped or read
    invalid_file,      // a GGUF file is truncated, corrupt or inconsistent
    unsupported,       // valid input that hearth does not handle (architecture, tensor type, ...)
    invalid_argument,  // the caller passed something out of range (empty prompt, bad option)
    context_full,      // the session's context cannot hold more tokens
    out_of_memory,     // an allocation or a planned size was refused
    internal,          // a broken invariant inside hearth (a bug: please report it)
};

const char* to_string(ErrorCode code) noexcept;

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ErrorCode code() const noexcept { return code_; }

private:
    ErrorCode code_;
};

}  // namespace hearth
