// The building blocks every decoder-only architecture is assembled from. An architecture's
// forward function (llama.cpp, qwen2.cpp, qwen3.cpp, which qwen3moe.cpp reuses, gemma3.cpp) calls them in order, top
// to bottom, on a batch of tokens; the blocks read and write the Activations and the KV cache(s). A batch is one
// sequence's consecutive tokens, or several sequences' (Segment), each with its own cache and
// positions: row-wise steps (norms, matmuls, FFN) run over all rows at once, so every weight is
// read once per pass; rope and attention run per segment.
#pragma once

#include <atomic>
#include <cstddef>
#include <span>

#include "hearth/model_config.hpp"
#include "hearth/tokenizer.hpp"
#include "memory/kv_cache.hpp"
#include "model/activations.hpp"
#include "model/matmul_observer.hpp"
#include "model/weights.hpp"
#include "ops/attention.hpp"
#include "ops/matmul.hpp"
#include "ops/rope.hpp"

namespace hearth {
class ThreadPool;
}

namespace hearth::model {

// One sequence's rows of a multi-sequence batch: n_tokens consecutive rows, appended to its own
// cache at positions pos0 .. pos0 + n_tokens - 1 (<= the cache's n_ctx).
struct Segment {
    KvCache* cache = nullptr;
    size_t pos0 = 0;
    size_t n_tokens = 0;
    float* logits = nullptr;  // [n_vocab] receives its last token's logits; nullptr: none wanted
};

struct Batch {
    std::span<const TokenId> tokens;  // n_tokens <= Activations::n_batch, ids checked < n_vocab
    size_t pos0 = 0;                  // position of tokens[0]; pos0 + n_tokens <= n_ctx
    float* logits = nullptr;          // [n_tokens, n_vocab] if all_logits, else [n_vocab] (last token)
    bool all_logits = false;
    // Embeddings instead of logits: every row's final-normed hidden state (what the output matrix
    // would read) is left in Activations::xb [n_tokens, n_embd], and the output matrix, the
    // expensive part for a large vocabulary, is skipped. One sequence only (segments empty).
    bool hidden = false;
    // Several sequences: tokens are their rows in this order (sizes summing to tokens.size(), at
    // most Activations::n_outputs of them); pos0, logits, all_logits and the pass's cache are then
    // unused. Empty: one sequence, the fields above.
    std::span<const Segment> segments;
    // Set from another thread to abandon the pass: the remaining matmuls are skipped, so the
    // cache rows and logits it writes are garbage and the caller must drop them.
    const std::atomic<bool>* abort = nullptr;
    // Sees every matmul's input (importance-matrix collection); null: none.
    MatmulObserver* observer = nullptr;
    ops::MatmulOrder order = ops::MatmulOrder::fastest;  // rounding order of batched matmuls (matmul.hpp)
};

class ForwardPass {
public:
    ForwardPass(const ModelConfig& config, const ModelWeights& weights, KvCache& cache, Activations& act,
                ThreadPool& pool, const Batch& batch);
    ForwardPass(const ForwardPass&) = delete;  // segs_ may point at solo_
    ForwardPass& operator=(const ForwardPass&) = delete;

    size_t n_layer() const noexcept { return c_.n_layer; }
    const ModelConfig& config() const noexcept { return c_; }

    void embed();                       // x = token_embd[tokens]                     [n, n_embd]
    // Encoders: x = layernorm(token_embd[tokens] + token_types[0] + position_embd[pos]).
    void embed_encoder();
    void scale_embeddings(float s);     // x *= s (gemma3: sqrt(n_embd))
    void attention_norm(size_t il);     // xb = rmsnorm(x) * attn_norm                [n, n_embd]
    void qkv(size_t il);                // q = wq·xb (+bq), k = wk·xb (+bk), v = wv·xb (+bv)
    void qkv_residual(size_t il);       // the same from x itself (encoders: no norm before attention)
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
    // Encoders: x = layernorm(x + xb) * attn_output_norm (+ bias)
    void attn_out_norm(size_t il);
    // Encoders: x = layernorm(x + down(gelu(up·x + bu)) + bd) * layer_output_norm (+ bias)
    void ffn_gelu_post_norm(size_t il);
    void ffn_moe(size_t il);            // the same through each token's top-k experts, mixed by the router (moe_ffn.cpp)
    void ffn(size_t il);                // the layer's FFN: ffn_moe where it has experts, else ffn_swiglu
    void output();                      // logits = output · rmsnorm(x) * output_norm (soft-capped if set)
                                        // or, for Batch::hidden, xb = rmsnorm(x) * output_norm
                                        // (encoders: xb = x; they have no final norm and no logits)

private:
    void matmul(const ops::WeightView& w, const float* in, size_t n_rows, float* out);
    void qkv_from(size_t il, const float* in);
    void residual_layernorm(const NormWeights& norm);  // x = layernorm(x + xb) * w + b, row by row
    void observe(const ops::MatmulProblem* problems, size_t n);  // each expert problem to Batch::observer
    void rope_with(const ops::RopeParams& p);
    void attend_segment(size_t il, const Segment& s, size_t row0, float scale);  // one segment's att rows
    void attention_q8_0(size_t il, const Segment& s, size_t row0, float scale);  // the same over a Q8_0 cache
    void attend_all(size_t il, const Segment& s, size_t row0, float scale);      // non-causal (encoders), F16 cache
    size_t first_visible(size_t il, size_t pos) const noexcept;  // oldest position a query at pos sees
    // KV head g of layer il from position from_pos on (rows of a windowed layer start at first_pos).
    ops::KvHeadView kv_view(const KvCache& cache, size_t il, size_t g, size_t from_pos) const noexcept;
    void post_norm_residual(const float* w);
    void ffn_gate_up(size_t il);        // xb = rmsnorm(x) * ffn_norm; gate = wg·xb, up = wu·xb
    void output_segments();             // each segment's last row -> its logits
    void ffn_norm(size_t il);           // xb = rmsnorm(x) * ffn_norm                 [n, n_embd]

    const ModelConfig& c_;
    const ModelWeights& w_;
    Activations& a_;
    ThreadPool& pool_;
    Batch b_;
    size_t n_;  // tokens in this batch
    Segment solo_;  // the one segment of a single-sequence batch
    std::span<const Segment> segs_;  // b_.segments, or solo_
    ops::RopeParams rope_;
};

// Runs the architecture's graph over the batch.
void forward(const ArchSpec& arch, ForwardPass& pass);

}  // namespace hearth::model
