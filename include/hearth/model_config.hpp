// Hyper-parameters of a transformer (decoder-only, or a BERT-style encoder), read from a GGUF file's "<arch>.*" metadata.
// Plain data: every field has been checked for presence and consistency when this is filled in.
#pragma once

#include <cstddef>
#include <string>

namespace hearth {

enum class RopeStyle {
    normal,  // rotates pairs (2i, 2i+1): llama (llama.cpp's converter permutes Q/K for this)
    neox,    // rotates pairs (i, i + n_rot/2): qwen2, qwen3, gemma3
};

struct ModelConfig {
    std::string arch;          // general.architecture: "llama", "qwen2", "qwen3", "qwen3moe", "gemma3", "bert"
    std::string name;          // general.name (may be empty)
    size_t n_vocab = 0;        // rows of token_embd
    size_t n_ctx_train = 0;    // <arch>.context_length
    size_t n_embd = 0;         // <arch>.embedding_length
    size_t n_layer = 0;        // <arch>.block_count
    size_t n_ff = 0;           // <arch>.feed_forward_length
    size_t n_head = 0;         // <arch>.attention.head_count
    size_t n_head_kv = 0;      // <arch>.attention.head_count_kv (n_head when absent)
    size_t head_dim = 0;       // <arch>.attention.key_length (n_embd / n_head when absent)
    size_t n_rot = 0;          // <arch>.rope.dimension_count (head_dim when absent)
    RopeStyle rope_style = RopeStyle::normal;
    float rope_freq_base = 10000.0f;   // <arch>.rope.freq_base
    float rope_freq_scale = 1.0f;      // 1 / <arch>.rope.scaling.factor for linear scaling
    float rms_eps = 1e-5f;             // <arch>.attention.layer_norm_rms_epsilon (encoders: layer_norm_epsilon of their LayerNorms)
    // Encoders (bert) have no output matrix: they give embeddings, never logits.
    bool encoder = false;
    // Every token attends to the tokens before it only; false (<arch>.attention.causal = false,
    // the encoders' default) lets each token see the whole text.
    bool causal = true;
    bool has_rope_freqs = false;       // rope_freqs.weight present (Llama 3.1 long-context factors)
    bool tied_embeddings = false;      // output.weight absent: token_embd doubles as the output matrix
    // Sliding-window attention (gemma3's local layers): a query at position q sees the keys at
    // positions p with q - p < n_swa (itself and the n_swa - 1 before it), as llama.cpp masks.
    size_t n_swa = 0;                  // <arch>.attention.sliding_window; 0: every layer is global
    size_t swa_period = 0;             // layer il is global when il % swa_period == swa_period - 1
    float rope_freq_base_swa = 10000.0f;  // RoPE base of the local layers (their scale is 1)
    float attn_scale = 0.0f;           // queries are multiplied by this before attention (0: 1/sqrt(head_dim))
    float final_logit_softcap = 0.0f;  // > 0: logits = cap * tanh(logits / cap)
    // Mixture of experts (qwen3moe): 0 experts = a dense FFN in every layer.
    size_t n_expert = 0;       // <arch>.expert_count
    size_t n_expert_used = 0;  // <arch>.expert_used_count: experts each token goes through
    size_t n_ff_exp = 0;       // <arch>.expert_feed_forward_length (n_ff / n_expert_used when absent)

    size_t q_dim() const noexcept { return n_head * head_dim; }
    size_t kv_dim() const noexcept { return n_head_kv * head_dim; }
    bool is_swa_layer(size_t il) const noexcept { return n_swa > 0 && swa_period > 0 && il % swa_period + 1 < swa_period; }
};

}  // namespace hearth
