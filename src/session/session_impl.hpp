// A Session's state: its KV cache, activation buffers and the tokens the cache holds.
#pragma once

#include <functional>
#include <vector>

#include "hearth/hearth.hpp"
#include "memory/kv_cache.hpp"
#include "model/activations.hpp"
#include "model/model_impl.hpp"
#include "ops/matmul.hpp"

namespace hearth {

struct Session::Impl {
    const Model* model = nullptr;
    const Model::Impl* m = nullptr;
    size_t n_ctx = 0;
    size_t n_batch = 0;
    ops::MatmulOrder order = ops::MatmulOrder::fastest;  // from SessionOptions::ggml_order
    KvCache cache;                 // [n_layer][n_ctx] keys and values, f16 or q8_0
    model::Activations act;        // buffers for n_batch tokens
    std::vector<TokenId> tokens;   // what the cache holds, position by position (capacity n_ctx)
    bool have_logits = false;      // act.logits belongs to tokens.back()

    // Throws what eval throws for ids that cannot be appended (none, outside the vocabulary, no room).
    void check_append(std::span<const TokenId> ids) const;
    // Evaluates ids in chunks of n_batch. With on_rows, instead of logits each chunk's
    // final-normed hidden states ([n, n_embd], the first row being ids[first]) go to on_rows
    // (embeddings: the output matrix is skipped) and no logits are left.
    // Encoders: only hidden states, of one text in one pass (Error otherwise).
    void check_encoder_input(size_t n_ids, bool hidden) const;
    using HiddenRows = std::function<void(const float* rows, size_t n, size_t first)>;
    void eval(std::span<const TokenId> ids, std::span<float> all_logits, const HiddenRows& on_rows = {});
};

}  // namespace hearth
