// Every buffer one forward pass over up to n_batch tokens needs, planned from the config and
// allocated once when a Session is created: the forward pass itself never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hearth/model_config.hpp"
#include "memory/aligned_buffer.hpp"
#include "model/weights.hpp"

namespace hearth::model {

struct Activations {
    Activations() = default;
    // n_outputs: rows of logits a multi-sequence batch computes at once (one per sequence).
    Activations(const ModelConfig& c, const ModelWeights& w, size_t n_batch, size_t n_outputs = 1);

    // Arena bytes Activations(c, w, n_batch, n_outputs) allocates: the fit planner's number, from the same plan.
    static size_t planned_bytes(const ModelConfig& c, const ModelWeights& w, size_t n_batch, size_t n_outputs = 1);

    size_t n_batch = 0;
    size_t n_outputs = 1;
    float* x = nullptr;          // [n_batch, n_embd]  residual stream
    float* xb = nullptr;         // [n_batch, n_embd]  normed input of a block / its projected output
    float* q = nullptr;          // [n_batch, q_dim]
    float* k = nullptr;          // [n_batch, kv_dim]
    float* v = nullptr;          // [n_batch, kv_dim]
    float* att = nullptr;        // [n_batch, q_dim]   attention output, heads side by side
    float* gate = nullptr;       // [n_batch, n_ff]    shares memory with q/k/v/att (not alive together);
    float* up = nullptr;         // [n_batch, n_ff]    MoE: [n_batch * n_expert_used, n_ff_exp]
    float* logits = nullptr;     // [n_outputs, n_vocab] last token's logits (of each sequence)
    float* rope = nullptr;       // [n_rot]            (cos, sin) pairs of one position
    uint16_t* q16 = nullptr;     // [n_head, head_dim] f16 query, one row per head (attention scratch)
    uint16_t* acc16 = nullptr;   // [n_head, head_dim] f16 running sum of V
    float* acc32 = nullptr;      // [n_head, head_dim] f32 running sum of V (Q8_0 cache, tiled attention)
    float* kq = nullptr;         // [n_head, 64]       scores of one KV tile (tiled attention)
    float* vrow = nullptr;       // [n_head, head_dim] one dequantized V row per head (Q8_0 cache)
    std::byte* q8 = nullptr;     // [n_head, q8_0 row of head_dim] quantized query (Q8_0 cache)
    std::span<std::byte> matmul_scratch;  // quantized activations for the widest matmul (or expert matmuls)

    // Mixture-of-experts layers (null for dense models). R = n_batch * n_expert_used rows, one per
    // (token, chosen expert), sorted by expert so each expert's rows are contiguous.
    struct Moe {
        float* router = nullptr;       // [n_batch, n_expert]        router logits, then probabilities
        int32_t* experts = nullptr;    // [n_batch, n_expert_used]   chosen experts, most probable first
        float* weights = nullptr;      // [n_batch, n_expert_used]   their mixing weights
        int32_t* slot_row = nullptr;   // [n_batch, n_expert_used]   row of (token, slot) among the R rows
        int32_t* first_row = nullptr;  // [n_expert + 1]             expert e has rows [first_row[e], first_row[e+1])
        float* x = nullptr;            // [R, n_embd]                FFN input rows, gathered by expert
        float* out = nullptr;          // [R, n_embd]                expert outputs (down), same rows
    } moe;

    size_t bytes() const noexcept { return buffer_.size(); }
    const std::byte* data() const noexcept { return buffer_.data(); }

private:
    AlignedBuffer buffer_;
};

}  // namespace hearth::model
