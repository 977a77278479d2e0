// plan_session: context and batch defaults, then the KV and activation sizes (session_plan.hpp).
#include "plan/session_plan.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "memory/kv_cache.hpp"
#include "model/activations.hpp"

namespace hearth {

namespace {
constexpr size_t kDefaultMaxCtx = 4096;
constexpr size_t kMaxCtx = size_t{1} << 24;

// Local layers keep the window - 1 positions before a batch plus the batch: window - 1 + n_batch
// rows (a move of window - 1 rows every n_batch tokens, see KvWindow). Not worth it when that
// would not be smaller than the context.
KvWindow plan_kv_window(const ModelConfig& c, size_t n_ctx, size_t n_batch) {
    KvWindow w;
    if (c.n_swa == 0 || c.n_swa - 1 + n_batch >= n_ctx) return w;
    w.window = c.n_swa;
    w.rows = c.n_swa - 1 + n_batch;
    w.layers.resize(c.n_layer);
    for (size_t il = 0; il < c.n_layer; ++il) w.layers[il] = c.is_swa_layer(il);
    return w;
}
}  // namespace

SessionPlan plan_session(const ModelConfig& c, const model::ModelWeights& weights, const SessionOptions& options) {
    SessionPlan p;
    p.n_ctx = options.n_ctx ? options.n_ctx : std::min(c.n_ctx_train, kDefaultMaxCtx);
    if (p.n_ctx > kMaxCtx)
        throw Error(ErrorCode::invalid_argument, fmt::format("SessionOptions.n_ctx = {} is too large", p.n_ctx));
    if (options.n_batch == 0) throw Error(ErrorCode::invalid_argument, "SessionOptions.n_batch must be at least 1");
    p.n_batch = std::min(options.n_batch, p.n_ctx);
    p.kv_type = options.kv_type;
    if (p.kv_type == KvType::q8_0 && c.head_dim % 32 != 0)
        throw Error(ErrorCode::unsupported,
                    fmt::format("KV cache type q8_0 needs a head size that is a multiple of 32 (this model's is {}): use f16", c.head_dim));

    p.kv_window = plan_kv_window(c, p.n_ctx, p.n_batch);
    p.kv_bytes = KvCache::planned_bytes(c.n_layer, p.n_ctx, c.kv_dim(), p.kv_type, p.kv_window);
    p.activation_bytes = model::Activations::planned_bytes(c, weights, p.n_batch);
    return p;
}

}  // namespace hearth
