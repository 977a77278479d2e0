// The server's engine: up to n_parallel requests decode together, one batched forward pass per
// step (every weight read once per step for all of them), prompts processed in chunks between
// decode steps, a bounded queue behind the slots. The HTTP layer only submits jobs and reads
// their updates; it never touches a Session. Uses the public API (include/hearth/) only.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "hearth/hearth.hpp"

namespace hearth::server {

struct SchedulerOptions {
    size_t n_parallel = 4;      // slots: requests decoding at the same time
    size_t n_ctx = 0;           // context per slot in tokens; 0 = min(n_ctx_train, 4096)
    size_t queue_capacity = 64; // requests waiting for a slot; more are refused (HTTP 503)
    size_t prompt_chunk = 256;  // prompt tokens of one request per step, so others keep decoding
};

struct JobRequest {
    std::vector<TokenId> prompt;  // tokenized by the caller (chat template, BOS) ; 1 <= size < n_ctx
    GenerateOptions options;      // sampling, max_tokens, stop strings (add_special/parse_special unused)
};

// What a job has produced since the caller last asked.
struct JobUpdate {
    std::string text;             // new text: whole UTF-8 characters, stop strings held back and cut
    size_t new_tokens = 0;        // generated tokens this text came from
    bool done = false;            // no more updates after this one
    GenerateResult result;        // when done: counts, timings and the stop reason
    std::string error;            // when done: non-empty if the job failed (an internal error), the message
};

// One request's progress, shared by the HTTP thread that waits on it and the scheduler thread
// that produces it. Thread-safe.
class Job {
public:
    virtual ~Job() = default;
    // Blocks until there is new text, the job is done, or the timeout passes (then returns what
    // there is, possibly nothing).
    virtual JobUpdate wait(std::chrono::milliseconds timeout) = 0;
    // The client is gone or pressed stop: the scheduler ends the job at its next step
    // (stop_reason callback) and frees the slot.
    virtual void cancel() = 0;
};

struct SchedulerHealth {
    size_t slots_busy = 0, slots_idle = 0;
    size_t queued = 0, queue_capacity = 0;
    size_t n_ctx = 0;             // per slot
};

class Scheduler {
public:
    // Creates the slots (one Session each: all KV memory is allocated here) and the worker thread.
    Scheduler(const Model& model, const SchedulerOptions& options);
    ~Scheduler();  // stop(), then joins the worker
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // nullptr when every slot is busy and the queue is full. Throws Error(invalid_argument) for
    // an empty prompt or an id outside the vocabulary, Error(context_full) for a prompt that
    // leaves no room to generate in a slot's context (both messages name the numbers).
    std::shared_ptr<Job> submit(JobRequest request);
    SchedulerHealth health() const;
    // Refuses new jobs, cancels queued and running ones (each gets its final update), returns
    // when the worker is idle. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::server
