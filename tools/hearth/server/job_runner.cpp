// Submitting, collecting and streaming jobs (see job_runner.hpp).
#include "server/job_runner.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdio>

#include "server/access_log.hpp"
#include "server/api_error.hpp"
#include "server/served_model.hpp"

namespace hearth::server {

namespace {

// How long one wait for the engine lasts: the streaming loop also notices a server shutdown
// (httplib stops calling the provider) between waits.
constexpr std::chrono::milliseconds kWaitSlice{100};

// A job the engine could not run (a bug or an allocation failure; the message names no request text).
ApiError engine_error(const std::string& message) {
    std::fprintf(stderr, "[hearth] internal error in the engine: %s\n", message.c_str());
    return ApiError(500, "server_error", "internal_error", "", "internal error: " + message);
}

}  // namespace

std::shared_ptr<Job> submit_job(Scheduler& scheduler, const ServedModel& model, std::vector<TokenId> prompt,
                                const GenerationRequest& request) {
    JobRequest job;
    job.options = request.options;
    // Without max_tokens the answer may fill the slot's context (then finish_reason "length").
    job.options.max_tokens = std::min(request.max_tokens.value_or(model.n_ctx()), model.n_ctx());
    const size_t n_prompt = prompt.size();
    job.prompt = std::move(prompt);
    std::shared_ptr<Job> handle;
    try {
        handle = scheduler.submit(std::move(job));
    } catch (const Error& e) {
        if (e.code() == ErrorCode::context_full)
            throw ApiError(400, "invalid_request_error", "context_length_exceeded", "messages", e.what());
        if (e.code() == ErrorCode::invalid_argument) throw ApiError(400, "invalid_request_error", "invalid_value", "", e.what());
        if (e.code() == ErrorCode::unsupported) throw ApiError(400, "invalid_request_error", "model_not_supported", "model", e.what());
        throw;
    }
    if (!handle) throw busy_error();
    RequestLog& log = current_request_log();
    log.generated = true;
    log.prompt_tokens = n_prompt;
    return handle;
}

JobOutcome collect(Job& job, size_t prompt_tokens) {
    JobOutcome out;
    out.usage.prompt_tokens = prompt_tokens;
    while (true) {
        JobUpdate u = job.wait(std::chrono::milliseconds(1000));
        out.text += u.text;
        out.usage.completion_tokens += u.new_tokens;
        if (u.done) {
            if (!u.error.empty()) throw engine_error(u.error);
            out.result = std::move(u.result);
            break;
        }
    }
    out.seconds = request_seconds();
    current_request_log().completion_tokens = out.usage.completion_tokens;
    return out;
}

namespace {

// The state a chunked provider keeps between its calls (httplib copies the provider).
struct StreamState {
    std::shared_ptr<Job> job;
    StreamFormat format;
    JobOutcome outcome;
    bool finished = false;
};

}  // namespace

void stream_job(httplib::Response& res, std::shared_ptr<Job> job, size_t prompt_tokens, StreamFormat format) {
    auto state = std::make_shared<StreamState>();
    state->job = std::move(job);
    state->outcome.usage.prompt_tokens = prompt_tokens;
    const std::string content_type = format.content_type;
    state->format = std::move(format);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");  // a reverse proxy must not hold back the stream
    res.set_chunked_content_provider(
        content_type,
        [state](size_t, httplib::DataSink& sink) {
            JobUpdate u = state->job->wait(kWaitSlice);
            state->outcome.usage.completion_tokens += u.new_tokens;
            current_request_log().completion_tokens = state->outcome.usage.completion_tokens;
            if (!u.text.empty()) {
                // A piece may be held back (a possible tool call): nothing to write then.
                const std::string bytes = state->format.piece(u.text);
                if (!bytes.empty() && !sink.write(bytes.data(), bytes.size())) {
                    state->job->cancel();  // the client is gone
                    return false;
                }
            }
            if (!u.done) return true;
            state->finished = true;
            if (!u.error.empty()) {
                const std::string bytes = state->format.error(engine_error(u.error));
                sink.write(bytes.data(), bytes.size());
                sink.done();
                return true;
            }
            state->outcome.result = std::move(u.result);
            state->outcome.seconds = request_seconds();
            const std::string bytes = state->format.finish(state->outcome);
            if (!sink.write(bytes.data(), bytes.size())) return false;
            sink.done();
            return true;
        },
        [state](bool success) {
            // Called when the response ends: unfinished means a failed write or a server stop.
            if (!success || !state->finished) state->job->cancel();
        });
}

}  // namespace hearth::server
