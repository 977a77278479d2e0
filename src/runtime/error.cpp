// Names of error codes, for messages and logs.
#include "hearth/error.hpp"

namespace hearth {

const char* to_string(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::io: return "io";
        case ErrorCode::invalid_file: return "invalid_file";
        case ErrorCode::unsupported: return "unsupported";
        case ErrorCode::invalid_argument: return "invalid_argument";
        case ErrorCode::context_full: return "context_full";
        case ErrorCode::out_of_memory: return "out_of_memory";
        case ErrorCode::internal: return "internal";
    }
    return "unknown";
}

}  // namespace hearth
