// The building blocks every decoder-only architecture is assembled from. An architecture's
// forward function (llama.cpp, qwen2.cpp, qwen3.cpp, qwen3moe.cpp) calls them in order, top to bottom, on a
// batch of consecutive tokens; the blocks read and write the Activations and the KV cache.
#pragma once

#include <cstddef>
#include <span>

#include "hearth/model_config.hpp"
#include "hearth/tokenizer.hpp"
#include "memory/kv_cache.hpp"
#include "model/activations.hpp"
#include "model/weights.hpp"
#include "ops/rope.hpp"

namespace hearth {
class ThreadPool;
}

namespace hearth::model {

struct Batch {
    std::span<const TokenId> tokens;  // n_tokens <= Activations::n_batch, ids checked < n_vocab
    size_t pos0 = 0;                  // position of tokens[0]; pos0 + n_tokens <= n_ctx
    float* logits = nullptr;          // [n_tokens, n_vocab] if all_logits, else [n_vocab] (last token)
    bool all_logits = false;
};

class ForwardPass {
public:
    ForwardPass(const ModelConfig& config, const ModelWeights& weights, KvCache& cache, Activations& act,
                ThreadPool& pool, const Batch& batch);

    size_t n_layer() const noexcept { return c_.n_layer; }

    void embed();                       // x = token_embd[tokens]                     [n, n_embd]
    void attention_norm(size_t il);     // xb = rmsnorm(x) * attn_norm                [n, n_embd]
    void qkv(size_t il);                // q = wq·xb (+bq), k = wk·xb (+bk), v = wv·xb (+bv)
    void qk_norm(size_t il);            // per-head q = rmsnorm(q) * q_norm, k likewise (qwen3)
    void rope_qk(RopeStyle style);      // rotate q and k by their positions
    void attention(size_t il);          // cache k, v; att = softmax(q·Kᵀ/√d)·V; x += wo·att
    void ffn_swiglu(size_t il);         // x += down(silu(gate·norm(x)) * up·norm(x))
    void ffn_moe(size_t il);            // the same through each token's top-k experts, mixed by the router (moe_ffn.cpp)
    void ffn(size_t il);                // the layer's FFN: ffn_moe where it has experts, else ffn_swiglu
    void output();                      // logits = output · rmsnorm(x) * output_norm

private:
    void matmul(const ops::WeightView& w, const float* in, size_t n_rows, float* out);
    void attention_q8_0(size_t il);     // att = softmax(q·Kᵀ/√d)·V over a Q8_0 cache
    void ffn_norm(size_t il);           // xb = rmsnorm(x) * ffn_norm                 [n, n_embd]

    const ModelConfig& c_;
    const ModelWeights& w_;
    KvCache& cache_;
    Activations& a_;
    ThreadPool& pool_;
    Batch b_;
    size_t n_;  // tokens in this batch
    ops::RopeParams rope_;
};

// Runs the architecture's graph over the batch.
void forward(const ArchSpec& arch, ForwardPass& pass);

}  // namespace hearth::model
