// Session: creation (all memory planned here), eval in n_batch chunks, and cache bookkeeping.
#include <algorithm>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "plan/session_plan.hpp"
#include "model/forward.hpp"
#include "session/session_impl.hpp"

namespace hearth {

Session::Session(const Model& model, const SessionOptions& options) : impl_(std::make_unique<Impl>()) {
    const ModelConfig& c = model.config();
    Impl& s = *impl_;
    s.model = &model;
    s.m = &ModelInternals::of(model);
    const SessionPlan plan = plan_session(c, s.m->weights, options);  // shared with the fit planner
    s.n_ctx = plan.n_ctx;
    s.n_batch = plan.n_batch;
    s.order = options.ggml_order ? ops::MatmulOrder::ggml : ops::MatmulOrder::fastest;
    s.cache = KvCache(c.n_layer, s.n_ctx, c.kv_dim(), plan.kv_type, plan.kv_window);
    s.act = model::Activations(c, s.m->weights, s.n_batch);
    s.tokens.reserve(s.n_ctx);
}

Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

void Session::Impl::check_append(std::span<const TokenId> ids) const {
    const ModelConfig& c = m->config;
    if (ids.empty()) throw Error(ErrorCode::invalid_argument, "eval: no tokens to evaluate (empty prompt)");
    for (TokenId id : ids)
        if (id < 0 || static_cast<size_t>(id) >= c.n_vocab)
            throw Error(ErrorCode::invalid_argument, fmt::format("eval: token id {} is outside the vocabulary [0, {})", id, c.n_vocab));
    if (tokens.size() + ids.size() > n_ctx)
        throw Error(ErrorCode::context_full,
                    fmt::format("context full: {} tokens in the session + {} new exceed n_ctx = {} (use a larger context, or reset the session)",
                                tokens.size(), ids.size(), n_ctx));
}

void Session::Impl::check_encoder_input(size_t n_ids, bool hidden) const {
    const ModelConfig& c = m->config;
    if (!hidden)
        throw Error(ErrorCode::unsupported, fmt::format("{} is an embedding model (an encoder without an output matrix): it gives "
                                                        "no logits to generate from; use hearth embed", c.arch));
    // Every token attends to the whole text, so the text must be one pass, at learned positions.
    if (!tokens.empty() || n_ids > n_batch)
        throw Error(ErrorCode::context_full, fmt::format("{}: an encoder reads a text in one pass, but {} tokens exceed the batch "
                                                         "size n_batch = {} (raise it)", c.arch, tokens.size() + n_ids, n_batch));
    if (n_ids > c.n_ctx_train)
        throw Error(ErrorCode::context_full, fmt::format("{}: {} tokens exceed the model's {} learned positions (context_length)",
                                                         c.arch, n_ids, c.n_ctx_train));
}

void Session::Impl::eval(std::span<const TokenId> ids, std::span<float> all_logits, const HiddenRows& on_rows) {
    const ModelConfig& c = m->config;
    check_append(ids);
    if (!all_logits.empty() && all_logits.size() != ids.size() * c.n_vocab)
        throw Error(ErrorCode::invalid_argument, fmt::format("eval: all_logits holds {} floats, expected tokens x n_vocab = {}",
                                                             all_logits.size(), ids.size() * c.n_vocab));

    if (c.encoder) check_encoder_input(ids.size(), static_cast<bool>(on_rows));

    std::lock_guard lock(*m->pool_mutex);
    have_logits = false;
    for (size_t done = 0; done < ids.size();) {
        const size_t n = std::min(n_batch, ids.size() - done);
        const bool last = done + n == ids.size();
        model::Batch batch;
        batch.tokens = ids.subspan(done, n);
        batch.pos0 = tokens.size();
        batch.all_logits = !all_logits.empty();
        batch.hidden = static_cast<bool>(on_rows);
        batch.observer = m->observer.load(std::memory_order_relaxed);
        batch.order = order;
        if (!batch.hidden) batch.logits = batch.all_logits ? all_logits.data() + done * c.n_vocab : (last ? act.logits : nullptr);
        cache.make_room(batch.pos0, n);  // sliding-window layers: drop positions no query of the batch sees
        model::ForwardPass pass(c, m->weights, cache, act, *m->pool, batch);
        model::forward(*m->arch, pass);
        tokens.insert(tokens.end(), batch.tokens.begin(), batch.tokens.end());
        if (on_rows) on_rows(act.xb, n, done);
        done += n;
    }
    if (on_rows) return;
    if (!all_logits.empty())
        std::copy_n(all_logits.data() + (ids.size() - 1) * c.n_vocab, c.n_vocab, act.logits);
    have_logits = true;
}

void Session::eval(std::span<const TokenId> tokens, std::span<float> all_logits) { impl_->eval(tokens, all_logits); }

std::span<const float> Session::logits() const noexcept {
    if (!impl_->have_logits) return {};
    return {impl_->act.logits, impl_->m->config.n_vocab};
}

size_t Session::reusable_prefix(std::span<const TokenId> prompt) const noexcept {
    const std::vector<TokenId>& have = impl_->tokens;
    const auto mismatch = std::mismatch(have.begin(), have.end(), prompt.begin(), prompt.end());
    const size_t common = static_cast<size_t>(mismatch.first - have.begin());
    // Sliding-window layers may no longer reach back that far (KvCache::keepable).
    return prompt.empty() ? 0 : impl_->cache.keepable(std::min(common, prompt.size() - 1));
}

void Session::reset() noexcept { truncate(0); }

void Session::truncate(size_t n_keep) noexcept {
    if (n_keep >= impl_->tokens.size()) return;
    // Later positions in the cache are simply overwritten. Sliding-window layers may no longer
    // hold what position n_keep would see: then nothing is kept (KvCache::keep).
    impl_->tokens.resize(impl_->cache.keep(n_keep));
    impl_->have_logits = false;
}

size_t Session::n_past() const noexcept { return impl_->tokens.size(); }
size_t Session::n_ctx() const noexcept { return impl_->n_ctx; }
std::span<const TokenId> Session::tokens() const noexcept { return impl_->tokens; }
const Model& Session::model() const noexcept { return *impl_->model; }

}  // namespace hearth
