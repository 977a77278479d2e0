// JobState: the hand-over of generated text between the scheduler thread and a request's thread.
#include "server/job.hpp"

namespace hearth::server {

JobUpdate JobState::wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return !text_.empty() || done_; });
    JobUpdate u;
    u.text = std::move(text_);
    text_.clear();
    u.new_tokens = new_tokens_;
    new_tokens_ = 0;
    u.done = done_;
    if (done_) {
        u.result = result_;
        u.error = error_;
    }
    return u;
}

void JobState::push(std::string_view text, size_t new_tokens) {
    {
        std::lock_guard lock(mutex_);
        text_ += text;
        new_tokens_ += new_tokens;
    }
    if (!text.empty()) ready_.notify_all();
}

void JobState::finish(GenerateResult result, std::string error) {
    {
        std::lock_guard lock(mutex_);
        if (done_) return;
        result_ = std::move(result);
        error_ = std::move(error);
        done_ = true;
    }
    ready_.notify_all();
}

}  // namespace hearth::server
