// The building blocks every decoder-only architecture is assembled from. An architecture's
// forward function (llama.cpp, qwen2.cpp, qwen3.cpp, gemma3.cpp) calls them in order, top to bottom, on a
// batch of consecutive tokens; the blocks read and write the Activations and the KV cache.
#pragma once

#include <cstddef>
#include <span>

#include "hearth/model_config.hpp"
#include "hearth/tokenizer.hpp"
#include "memory/kv_cache.hpp"
#include "model/activations.hpp"
#include "model/weights.hpp"
#include "ops/attention.hpp"
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
    const ModelConfig& config() const noexcept { return c_; }

    void embed();                       // x = token_embd[tokens]                     [n, n_embd]
    void scale_embeddings(float s);     // x *= s (gemma3: sqrt(n_embd))
    void attention_norm(size_t il);     // xb = rmsnorm(x) * attn_norm                [n, n_embd]
    void qkv(size_t il);                // q = wq·xb (+bq), k = wk·xb (+bk), v = wv·xb (+bv)
    void qk_norm(size_t il);            // per-head q = rmsnorm(q) * q_norm, k likewise (qwen3, gemma3)
    void rope_qk(RopeStyle style);      // rotate q and k by their positions
    void rope_qk_layer(size_t il, RopeStyle style);  // the same with layer il's RoPE (local layers: own base)
    void scale_q(float s);              // q *= s (gemma3 scales queries before attention)
    void attention(size_t il);          // attend(il, 1/√d); x += xb
    // Caches k, v; att = softmax(scale·q·Kᵀ)·V over the positions each token sees (causal, and
    // within the sliding window on local layers); xb = wo·att (+bo).
    void attend(size_t il, float scale);
    void attn_post_norm(size_t il);     // x += rmsnorm(xb) * post_attention_norm (gemma3)
    void ffn_swiglu(size_t il);         // x += down(silu(gate·norm(x)) * up·norm(x))
    void ffn_geglu(size_t il);          // xb = down(gelu(gate·norm(x)) * up·norm(x))   (no residual)
    void ffn_post_norm(size_t il);      // x += rmsnorm(xb) * post_ffw_norm (gemma3)
    void output();                      // logits = output · rmsnorm(x) * output_norm (soft-capped if set)

private:
    void matmul(const ops::WeightView& w, const float* in, size_t n_rows, float* out);
    void rope_with(const ops::RopeParams& p);
    void attention_q8_0(size_t il, float scale);  // att = softmax(scale·q·Kᵀ)·V over a Q8_0 cache
    size_t first_visible(size_t il, size_t pos) const noexcept;  // oldest position a query at pos sees
    ops::KvHeadView kv_view(size_t il, size_t g, size_t from_pos) const noexcept;  // KV head g from a position
    void post_norm_residual(const float* w);
    void ffn_gate_up(size_t il);        // xb = rmsnorm(x) * ffn_norm; gate = wg·xb, up = wu·xb

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
