// The scheduler's side of a Job: the request, the text produced but not yet read, the final
// result, and the cancel flag. The HTTP thread waits on it; the scheduler thread fills it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "server/scheduler.hpp"

namespace hearth::server {

class JobState final : public Job {
public:
    explicit JobState(JobRequest request) : request_(std::move(request)) {}

    JobUpdate wait(std::chrono::milliseconds timeout) override;
    void cancel() override { cancelled_.store(true); }

    // Scheduler side.
    const JobRequest& request() const noexcept { return request_; }
    bool cancelled() const noexcept { return cancelled_.load(); }
    void push(std::string_view text, size_t new_tokens);  // wakes the reader when there is text
    void finish(GenerateResult result, std::string error = {});  // the last update

private:
    const JobRequest request_;
    std::atomic<bool> cancelled_{false};
    std::mutex mutex_;
    std::condition_variable ready_;
    std::string text_;         // produced, not yet read
    size_t new_tokens_ = 0;
    bool done_ = false;
    GenerateResult result_;
    std::string error_;
};

}  // namespace hearth::server
