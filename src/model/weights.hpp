// Views of a model's tensors inside the mapped GGUF file, bound once at load with shape checks.
// Shapes below are [rows, cols] in row-major terms (GGUF ne[1], ne[0]).
#pragma once

#include <vector>

#include "hearth/gguf.hpp"
#include "hearth/model_config.hpp"
#include "model/arch.hpp"
#include "ops/matmul.hpp"

namespace hearth::model {

// A 3-D tensor of n_expert matrices stored one after another (GGUF ne = [n_cols, n_rows, n_expert]).
struct ExpertWeights {
    ops::WeightView first;    // expert 0: [n_rows, n_cols]
    size_t expert_bytes = 0;  // from one expert's matrix to the next
    size_t n_expert = 0;

    ops::WeightView expert(size_t e) const noexcept {
        ops::WeightView w = first;
        w.data += e * expert_bytes;
        return w;
    }
};

// A LayerNorm's scale and shift (encoders).
struct NormWeights {
    const float* w = nullptr;  // [n_embd]
    const float* b = nullptr;  // [n_embd]
};

struct LayerWeights {
    const float* attn_norm = nullptr;  // [n_embd]
    ops::WeightView wq;                // [q_dim, n_embd]
    ops::WeightView wk;                // [kv_dim, n_embd]
    ops::WeightView wv;                // [kv_dim, n_embd]
    const float* bq = nullptr;         // [q_dim]  (qwen2; optional for llama)
    const float* bk = nullptr;         // [kv_dim]
    const float* bv = nullptr;         // [kv_dim]
    const float* q_norm = nullptr;     // [head_dim] (qwen3)
    const float* k_norm = nullptr;     // [head_dim] (qwen3)
    const float* attn_post_norm = nullptr;  // [n_embd] (gemma3: rmsnorm of the attention output)
    const float* ffn_post_norm = nullptr;   // [n_embd] (gemma3: rmsnorm of the FFN output)
    ops::WeightView wo;                // [n_embd, q_dim]
    const float* bo = nullptr;         // [n_embd] (optional)
    const float* ffn_norm = nullptr;   // [n_embd]
    ops::WeightView ffn_gate;          // [n_ff, n_embd]
    ops::WeightView ffn_up;            // [n_ff, n_embd]
    ops::WeightView ffn_down;          // [n_embd, n_ff]
    // Mixture of experts (ArchSpec::moe) instead of ffn_gate/up/down:
    ops::WeightView ffn_gate_inp;      // [n_expert, n_embd] router
    ExpertWeights ffn_gate_exps;       // [n_expert][n_ff_exp, n_embd]
    ExpertWeights ffn_up_exps;         // [n_expert][n_ff_exp, n_embd]
    ExpertWeights ffn_down_exps;       // [n_expert][n_embd, n_ff_exp]
    // Encoders (bert): post-norms with bias and FFN biases (no gate, no attn_norm/ffn_norm).
    NormWeights attn_out_norm;         // attn_output_norm: after the attention residual
    NormWeights layer_out_norm;        // layer_output_norm: after the FFN residual
    const float* ffn_up_b = nullptr;   // [n_ff]
    const float* ffn_down_b = nullptr; // [n_embd]
};

struct ModelWeights {
    ops::WeightView token_embd;        // [n_vocab, n_embd]
    const float* output_norm = nullptr;  // [n_embd]
    ops::WeightView output;            // [n_vocab, n_embd]; token_embd itself when embeddings are tied
    const float* rope_freqs = nullptr; // [n_rot / 2] frequency divisors (Llama 3.1), optional
    // Encoders (bert): learned absolute positions, token type 0's row, and the embeddings' LayerNorm.
    ops::WeightView position_embd;     // [n_ctx_train, n_embd]
    ops::WeightView token_types;       // [n_token_types, n_embd]
    NormWeights embd_norm;             // token_embd_norm
    std::vector<LayerWeights> layers;  // [n_layer]

    // Every matrix the model has (one expert of each expert tensor), for sizing the matmul scratch.
    std::vector<const ops::WeightView*> matrices() const;
};

// Weight bytes one decoded token reads: every tensor, but only n_expert_used / n_expert of each
// expert tensor and one row of token_embd unless it is also the output matrix.
uint64_t bytes_read_per_token(const gguf::File& file, const ModelConfig& config);

// Throws Error(invalid_file) naming a missing tensor or one with the wrong shape (both shapes in the
// message), Error(unsupported) for a tensor type hearth cannot multiply by.
ModelWeights bind_weights(const gguf::File& file, const ModelConfig& config, const ArchSpec& arch);

}  // namespace hearth::model
