// The one place a Session's shape and buffer sizes are decided: Session's constructor and the
// fit planner both call plan_session, so the prediction and the allocation cannot drift apart.
#pragma once

#include <cstddef>

#include "hearth/hearth.hpp"
#include "memory/kv_cache.hpp"
#include "model/weights.hpp"

namespace hearth {

struct SessionPlan {
    size_t n_ctx = 0;            // resolved context length
    size_t n_batch = 0;          // resolved tokens per forward pass
    KvType kv_type = KvType::f16;
    KvWindow kv_window;          // sliding-window layers' bounded rows (none when n_ctx is small enough)
    size_t kv_bytes = 0;         // KvCache(...).bytes()
    size_t activation_bytes = 0; // Activations(...).bytes()
};

// Resolves the defaults of options for this model and sizes the KV cache and activation arena.
// Throws Error(invalid_argument) for an impossible n_ctx / n_batch, Error(unsupported) for a KV
// type the model's head size does not allow.
SessionPlan plan_session(const ModelConfig& config, const model::ModelWeights& weights, const SessionOptions& options);

}  // namespace hearth
