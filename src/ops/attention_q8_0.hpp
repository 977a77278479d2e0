// Causal attention of one query head over a Q8_0 KV cache (SessionOptions::kv_type = q8_0).
// Follows llama.cpp's CPU flash-attention path for a quantized cache: the query is quantized to
// Q8_0 once, scores are Q8_0·Q8_0 dot products, and V rows are dequantized and accumulated in f32.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::ops {

struct KvHeadViewQ8 {
    const std::byte* k = nullptr;  // Q8_0 key of position p at k + p * stride, head_dim values
    const std::byte* v = nullptr;  // Q8_0 value of position p at v + p * stride
    size_t stride = 0;             // bytes from one position to the next
};

struct AttentionScratchQ8 {
    std::byte* q8 = nullptr;  // [head_dim / 32] Q8_0 blocks of the query
    float* acc = nullptr;     // [head_dim] running sum of V
    float* v = nullptr;       // [head_dim] one dequantized V row
};

// out[d] = sum_p softmax_p(scale * q·k_p) * v_p[d] over positions p < n_kv; head_dim % 32 == 0.
void attend_head_q8_0(const float* q, const KvHeadViewQ8& kv, size_t n_kv, size_t head_dim, float scale,
                      const AttentionScratchQ8& scratch, float* out) noexcept;

}  // namespace hearth::ops
