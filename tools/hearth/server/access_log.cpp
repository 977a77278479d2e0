// Access log lines (see access_log.hpp).
#include "server/access_log.hpp"

#include <cstdio>

namespace hearth::server {

RequestLog& current_request_log() {
    thread_local RequestLog log;
    return log;
}

void begin_request_log() {
    current_request_log() = RequestLog{};
    current_request_log().start = std::chrono::steady_clock::now();
}

double request_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - current_request_log().start).count();
}

void write_access_log(std::string_view method, std::string_view path, int status) {
    RequestLog& log = current_request_log();
    std::string line = "[hearth] " + std::string(method) + " " + std::string(path) + " " + std::to_string(status);
    if (log.start != std::chrono::steady_clock::time_point{}) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - log.start);
        line += " " + std::to_string(ms.count()) + " ms";
    }
    if (log.generated)
        line += " prompt " + std::to_string(log.prompt_tokens) + " tok, answer " + std::to_string(log.completion_tokens) + " tok";
    line += '\n';
    std::fputs(line.c_str(), stderr);  // one call: lines from concurrent requests do not interleave
    log = RequestLog{};
}

}  // namespace hearth::server
