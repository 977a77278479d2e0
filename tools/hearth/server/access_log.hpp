// The access log: one stderr line per request with method, path, status, duration and token
// counts, never a prompt, an answer, a header or an address (the server is private by default).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace hearth::server {

// Token counts of the request the calling thread is serving. httplib runs a request's handler,
// its streamed content and its logger on one thread, so handlers fill this and the logger reads it.
struct RequestLog {
    std::chrono::steady_clock::time_point start{};  // when routing began (unset for refused requests)
    size_t prompt_tokens = 0, completion_tokens = 0;
    bool generated = false;  // the counts are meaningful
};
RequestLog& current_request_log();
void begin_request_log();  // resets this thread's record and starts its clock
// Seconds since this thread's request began routing (before its prompt was built, its job submitted).
double request_seconds();

// "[hearth] POST /v1/chat/completions 200 412 ms prompt 12 tok, answer 34 tok" and resets the record.
void write_access_log(std::string_view method, std::string_view path, int status);

}  // namespace hearth::server
