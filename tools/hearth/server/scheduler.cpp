// The Scheduler (scheduler.hpp): slots with a Session each, a bounded queue, and one worker
// thread that runs steps. A step admits queued jobs into idle slots, then evaluates one batch:
// a share of the prompt budget for slots still reading their prompt, one token for every slot
// that is generating. Every slot's Generation then samples from its own logits.
#include "server/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "hearth/batch.hpp"
#include "hearth/generation.hpp"
#include "server/job.hpp"

namespace hearth::server {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Slot {
    Session session;
    std::shared_ptr<JobState> job;   // nullptr: idle
    std::optional<Generation> gen;   // set once the prompt is in the cache
    uint64_t admitted = 0;           // admission number: older jobs get the prompt budget first
    size_t prompt_done = 0;          // prompt tokens in the cache
    size_t reused = 0;               // of those, kept from the slot's previous job
    size_t in_batch = 0;             // tokens this slot has in the current step's batch
    TokenId next = -1;               // the sampled token to evaluate next (generating)
    Clock::time_point t_start, t_prompt_done;

    explicit Slot(Session s) : session(std::move(s)) {}
    std::span<const TokenId> prompt() const { return job->request().prompt; }
};

}  // namespace

struct Scheduler::Impl {
    const Model& model;
    SchedulerOptions options;
    size_t n_ctx = 0;
    std::vector<Slot> slots;
    BatchEvaluator batch;
    std::vector<Slot*> order;  // scratch of a step: slots by admission

    mutable std::mutex mutex;  // guards the members below
    std::condition_variable wake;
    std::deque<std::shared_ptr<JobState>> queue;
    size_t busy = 0;
    bool stopping = false;
    uint64_t admissions = 0;
    std::atomic<bool> abort{false};  // set by stop(): interrupts the forward pass in flight

    std::mutex stop_mutex;  // serializes stop() calls
    std::thread worker;

    Impl(const Model& m, const SchedulerOptions& o);
    void run();
    void admit(Slot& slot, std::shared_ptr<JobState> job);
    Slot* choose_slot(std::span<const TokenId> prompt);
    bool step();
    void sample(Slot& slot);
    void finish(Slot& slot, StopReason reason, std::string error = {});
    void drop_cancelled_queued();
    void shut_down();
};

Scheduler::Impl::Impl(const Model& m, const SchedulerOptions& o)
    : model(m), options(o), batch(m, std::max<size_t>(o.prompt_chunk, 1) + std::max<size_t>(o.n_parallel, 1),
                                  std::max<size_t>(o.n_parallel, 1)) {
    if (o.n_parallel == 0 || o.prompt_chunk == 0)
        throw Error(ErrorCode::invalid_argument, "scheduler: n_parallel (" + std::to_string(o.n_parallel) +
                                                     ") and prompt_chunk (" + std::to_string(o.prompt_chunk) +
                                                     ") must be at least 1");
    slots.reserve(o.n_parallel);
    // A slot's own activations only hold its logits: batches run in the evaluator's arena.
    for (size_t i = 0; i < o.n_parallel; ++i) slots.emplace_back(Session(m, {.n_ctx = o.n_ctx, .n_batch = 1}));
    n_ctx = slots.front().session.n_ctx();
    order.reserve(o.n_parallel);
}

Scheduler::Scheduler(const Model& model, const SchedulerOptions& options)
    : impl_(std::make_unique<Impl>(model, options)) {
    impl_->worker = std::thread([this] { impl_->run(); });
}

Scheduler::~Scheduler() { stop(); }

std::shared_ptr<Job> Scheduler::submit(JobRequest request) {
    Impl& s = *impl_;
    const std::vector<TokenId>& p = request.prompt;
    const size_t n_vocab = s.model.config().n_vocab;
    if (s.model.config().encoder)
        throw Error(ErrorCode::unsupported, s.model.config().arch + " is an embedding model (an encoder without an output matrix): "
                                            "it cannot generate; use /v1/embeddings or /api/embed");
    if (p.empty()) throw Error(ErrorCode::invalid_argument, "the prompt has no tokens");
    for (TokenId id : p)
        if (id < 0 || static_cast<size_t>(id) >= n_vocab)
            throw Error(ErrorCode::invalid_argument,
                        "token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(n_vocab) + ")");
    if (p.size() >= s.n_ctx)
        throw Error(ErrorCode::context_full, "the prompt has " + std::to_string(p.size()) +
                                                 " tokens, which leaves no room to generate in a context of " +
                                                 std::to_string(s.n_ctx) + " tokens per slot");
    auto job = std::make_shared<JobState>(std::move(request));
    {
        std::lock_guard lock(s.mutex);
        if (s.stopping || s.busy + s.queue.size() >= s.options.n_parallel + s.options.queue_capacity) return nullptr;
        s.queue.push_back(job);
    }
    s.wake.notify_one();
    return job;
}

SchedulerHealth Scheduler::health() const {
    const Impl& s = *impl_;
    std::lock_guard lock(s.mutex);
    return {.slots_busy = s.busy,
            .slots_idle = s.options.n_parallel - s.busy,
            .queued = s.queue.size(),
            .queue_capacity = s.options.queue_capacity,
            .n_ctx = s.n_ctx};
}

void Scheduler::stop() {
    Impl& s = *impl_;
    std::lock_guard once(s.stop_mutex);
    {
        std::lock_guard lock(s.mutex);
        s.stopping = true;
        s.abort.store(true);
    }
    s.wake.notify_one();
    if (s.worker.joinable()) s.worker.join();
}

void Scheduler::Impl::run() {
    for (;;) {
        {
            std::unique_lock lock(mutex);
            wake.wait(lock, [&] { return stopping || !queue.empty() || busy > 0; });
            if (stopping) break;
            drop_cancelled_queued();
            while (!queue.empty()) {
                Slot* slot = choose_slot(queue.front()->request().prompt);
                if (slot == nullptr) break;
                admit(*slot, std::move(queue.front()));
                queue.pop_front();
            }
        }
        for (Slot& slot : slots)
            if (slot.job && slot.job->cancelled()) finish(slot, StopReason::callback);
        try {
            if (!step()) break;
        } catch (const std::exception& e) {  // a bug, not a request's fault: fail what ran, keep serving
            batch.clear();
            for (Slot& slot : slots)
                if (slot.in_batch) finish(slot, StopReason::callback, std::string("internal error: ") + e.what());
        }
    }
    shut_down();
}

// The idle slot whose cache shares the longest prefix with the prompt (the next turn of a
// conversation lands where its history is); among equals the least recently used, which keeps
// recent conversations cached longest. Called with the mutex held.
Slot* Scheduler::Impl::choose_slot(std::span<const TokenId> prompt) {
    Slot* best = nullptr;
    size_t best_common = 0;
    for (Slot& slot : slots) {
        if (slot.job) continue;
        const size_t common = slot.session.reusable_prefix(prompt);
        if (!best || common > best_common || (common == best_common && slot.admitted < best->admitted)) {
            best = &slot;
            best_common = common;
        }
    }
    return best;
}

void Scheduler::Impl::admit(Slot& slot, std::shared_ptr<JobState> job) {
    slot.job = std::move(job);
    slot.gen.reset();
    slot.admitted = ++admissions;
    slot.reused = slot.session.reusable_prefix(slot.prompt());
    slot.session.truncate(slot.reused);
    slot.prompt_done = slot.reused;
    slot.t_start = Clock::now();
    ++busy;
}

void Scheduler::Impl::drop_cancelled_queued() {
    for (auto it = queue.begin(); it != queue.end();) {
        if ((*it)->cancelled()) {
            GenerateResult r;
            r.stop_reason = StopReason::callback;
            r.prompt_tokens = (*it)->request().prompt.size();
            (*it)->finish(std::move(r));
            it = queue.erase(it);
        } else {
            ++it;
        }
    }
}

// One batched forward pass and the sampling after it; false when stop() interrupted it.
bool Scheduler::Impl::step() {
    order.clear();
    for (Slot& slot : slots) {
        slot.in_batch = 0;
        if (slot.job) order.push_back(&slot);
    }
    if (order.empty()) return true;
    std::sort(order.begin(), order.end(), [](const Slot* a, const Slot* b) { return a->admitted < b->admitted; });
    size_t budget = options.prompt_chunk;  // prompt tokens this step, oldest request first
    for (Slot* slot : order) {
        if (slot->gen) {
            slot->in_batch = 1;
            batch.add(slot->session, std::span<const TokenId>(&slot->next, 1));
        } else if (budget > 0) {
            slot->in_batch = std::min(budget, slot->prompt().size() - slot->prompt_done);
            budget -= slot->in_batch;
            batch.add(slot->session, slot->prompt().subspan(slot->prompt_done, slot->in_batch));
        }
    }
    if (!batch.eval(&abort)) return false;
    for (Slot* slot : order) {
        if (slot->in_batch == 0) continue;
        if (slot->gen) {
            sample(*slot);
            continue;
        }
        slot->prompt_done += slot->in_batch;
        if (slot->prompt_done < slot->prompt().size()) continue;
        slot->t_prompt_done = Clock::now();
        slot->gen.emplace(model, slot->job->request().options, slot->prompt());
        if (slot->gen->done())
            finish(*slot, slot->gen->stop_reason());
        else
            sample(*slot);
    }
    return true;
}

void Scheduler::Impl::sample(Slot& slot) {
    Generation& gen = *slot.gen;
    const size_t before = gen.tokens().size();
    const GenerationStep st = gen.step(slot.session.logits(), slot.session.n_past() < n_ctx);
    slot.job->push(st.text, gen.tokens().size() - before);
    if (st.done)
        finish(slot, gen.stop_reason());
    else
        slot.next = st.id;
}

void Scheduler::Impl::finish(Slot& slot, StopReason reason, std::string error) {
    GenerateResult r;
    if (slot.gen) {
        slot.gen->stop(reason);  // no-op when it ended by itself
        r = slot.gen->result();
    } else {
        r.stop_reason = reason;
    }
    const Clock::time_point now = Clock::now();
    r.prompt_tokens = slot.prompt().size();
    r.reused_tokens = slot.reused;
    r.prompt_seconds = seconds_between(slot.t_start, slot.gen ? slot.t_prompt_done : now);
    r.generate_seconds = slot.gen ? seconds_between(slot.t_prompt_done, now) : 0.0;
    {
        std::lock_guard lock(mutex);  // free before the final update: a reader who saw it finds the slot idle
        --busy;
    }
    slot.job->finish(std::move(r), std::move(error));
    slot.job.reset();
    slot.gen.reset();
    slot.in_batch = 0;
}

void Scheduler::Impl::shut_down() {
    for (Slot& slot : slots)
        if (slot.job) finish(slot, StopReason::callback);
    std::lock_guard lock(mutex);
    for (auto& job : queue) job->cancel();
    drop_cancelled_queued();
}

}  // namespace hearth::server
