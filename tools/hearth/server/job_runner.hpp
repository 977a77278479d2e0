// Running one request on the Scheduler: submit (errors mapped to API errors), then either wait
// for the whole answer or stream it piece by piece to an HTTP response, cancelling the job when
// the client goes away.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_error.hpp"
#include "server/request_parse.hpp"
#include "server/response_json.hpp"
#include "server/scheduler.hpp"

namespace httplib {
struct Response;
}

namespace hearth::server {

class ServedModel;

// ApiError 503 when every slot and the queue are taken, 400 when the scheduler refuses the
// prompt (too long for the context, ...). Records the prompt size in the access log.
std::shared_ptr<Job> submit_job(Scheduler& scheduler, const ServedModel& model, std::vector<TokenId> prompt,
                                const GenerationRequest& request);

struct JobOutcome {
    std::string text;          // all of the answer (collect) or empty (streamed)
    Usage usage;
    GenerateResult result;     // stop reason and the engine's timings
    double seconds = 0;        // from the start of the request to the final update
};

// Waits for the whole answer. ApiError 500 when the engine reports the job failed.
JobOutcome collect(Job& job, size_t prompt_tokens);

// How a streamed answer is written: bytes for each new piece of text (may be none), bytes for the end.
struct StreamFormat {
    std::string content_type;                                    // "text/event-stream", "application/x-ndjson"
    std::function<std::string(std::string_view text)> piece;
    std::function<std::string(const JobOutcome& outcome)> finish;
    // The end of a stream whose job failed inside the engine (the status line has gone out).
    std::function<std::string(const ApiError& error)> error;
};

// Makes res a chunked response fed from the job. A failed write (the client is gone) cancels
// the job, so its slot is free for the next request at the engine's next step.
void stream_job(httplib::Response& res, std::shared_ptr<Job> job, size_t prompt_tokens, StreamFormat format);

}  // namespace hearth::server
