// BatchEvaluator: several Sessions' new tokens in one forward pass (hearth/batch.hpp). The queue
// lives in buffers reserved at construction, so add/eval allocate nothing.
#include "hearth/batch.hpp"

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/forward.hpp"
#include "session/session_impl.hpp"

namespace hearth {

struct BatchEvaluator::Impl {
    const Model* model = nullptr;
    const Model::Impl* m = nullptr;
    size_t max_tokens = 0, max_sequences = 0;
    model::Activations act;                // [max_tokens] rows, [max_sequences] rows of logits
    std::vector<TokenId> tokens;           // the queued rows, segment after segment
    std::vector<model::Segment> segments;  // one per queued session, in row order
    std::vector<Session::Impl*> sessions;  // segments[i] appends to sessions[i]
};

BatchEvaluator::BatchEvaluator(const Model& model, size_t max_tokens, size_t max_sequences)
    : impl_(std::make_unique<Impl>()) {
    if (max_tokens == 0 || max_sequences == 0 || max_sequences > max_tokens)
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("BatchEvaluator: max_tokens = {} and max_sequences = {} must be >= 1 with max_sequences <= max_tokens",
                                max_tokens, max_sequences));
    Impl& b = *impl_;
    b.model = &model;
    b.m = &ModelInternals::of(model);
    b.max_tokens = max_tokens;
    b.max_sequences = max_sequences;
    b.act = model::Activations(b.m->config, b.m->weights, max_tokens, max_sequences);
    b.tokens.reserve(max_tokens);
    b.segments.reserve(max_sequences);
    b.sessions.reserve(max_sequences);
}

BatchEvaluator::BatchEvaluator(BatchEvaluator&&) noexcept = default;
BatchEvaluator& BatchEvaluator::operator=(BatchEvaluator&&) noexcept = default;
BatchEvaluator::~BatchEvaluator() = default;

void BatchEvaluator::add(Session& session, std::span<const TokenId> tokens) {
    Impl& b = *impl_;
    Session::Impl& s = *session.impl_;
    if (s.m != b.m) throw Error(ErrorCode::invalid_argument, "BatchEvaluator::add: the session belongs to another Model");
    if (std::find(b.sessions.begin(), b.sessions.end(), &s) != b.sessions.end())
        throw Error(ErrorCode::invalid_argument, "BatchEvaluator::add: the session is already in this batch");
    s.check_append(tokens);
    if (b.m->config.encoder) s.check_encoder_input(tokens.size(), false);  // batches give logits: an encoder has none
    if (b.tokens.size() + tokens.size() > b.max_tokens || b.segments.size() == b.max_sequences)
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("BatchEvaluator::add: {} more tokens for {} sessions exceed max_tokens = {} or max_sequences = {} ({} queued)",
                                tokens.size(), b.segments.size() + 1, b.max_tokens, b.max_sequences, b.tokens.size()));
    if (tokens.size() > s.cache.max_batch())
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("BatchEvaluator::add: {} tokens exceed the session's batch size {} (its sliding-window layers keep "
                                "window - 1 + n_batch positions)",
                                tokens.size(), s.n_batch));

    b.tokens.insert(b.tokens.end(), tokens.begin(), tokens.end());
    b.segments.push_back({&s.cache, s.tokens.size(), tokens.size(), s.act.logits});
    b.sessions.push_back(&s);
}

bool BatchEvaluator::eval(const std::atomic<bool>* abort) {
    Impl& b = *impl_;
    if (b.segments.empty()) return true;
    {
        std::lock_guard lock(*b.m->pool_mutex);
        for (Session::Impl* s : b.sessions) s->have_logits = false;
        for (const model::Segment& seg : b.segments) seg.cache->make_room(seg.pos0, seg.n_tokens);  // sliding windows
        model::Batch batch;
        batch.tokens = b.tokens;
        batch.segments = b.segments;
        batch.abort = abort;
        // The cache argument is unused when the batch names its segments' caches.
        model::ForwardPass pass(b.m->config, b.m->weights, *b.segments.front().cache, b.act, *b.m->pool, batch);
        model::forward(*b.m->arch, pass);
    }
    if (abort && abort->load()) {  // some matmuls may have been skipped: keep nothing
        clear();
        return false;
    }
    size_t row = 0;
    for (size_t i = 0; i < b.sessions.size(); ++i) {
        Session::Impl& s = *b.sessions[i];
        const auto seg = std::span<const TokenId>(b.tokens).subspan(row, b.segments[i].n_tokens);
        s.tokens.insert(s.tokens.end(), seg.begin(), seg.end());
        s.have_logits = true;
        row += seg.size();
    }
    clear();
    return true;
}

void BatchEvaluator::clear() noexcept {
    impl_->tokens.clear();
    impl_->segments.clear();
    impl_->sessions.clear();
}

size_t BatchEvaluator::n_tokens() const noexcept { return impl_->tokens.size(); }
size_t BatchEvaluator::n_sequences() const noexcept { return impl_->segments.size(); }
size_t BatchEvaluator::max_tokens() const noexcept { return impl_->max_tokens; }
size_t BatchEvaluator::max_sequences() const noexcept { return impl_->max_sequences; }

MemoryReport BatchEvaluator::memory_report() const {
    MemoryReport r = impl_->model->memory_report();
    r.activation_bytes = impl_->act.bytes();
    return r;
}

}  // namespace hearth
