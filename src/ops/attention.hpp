// Causal attention of one query head over the F16 KV cache, with llama.cpp's non-flash CPU
// numerics: q is rounded to f16 before q·k (ggml converts mul_mat's f32 operand to the f16 weight's
// type), softmax runs in f32, and the probabilities are rounded to f16 before they weight V.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::ops {

struct AttentionScratch {
    float* scores = nullptr;     // [n_ctx]
    uint16_t* probs = nullptr;   // [n_ctx] f16
    uint16_t* q = nullptr;       // [head_dim] f16
};

struct KvHeadView {
    const uint16_t* k = nullptr;   // key of position p at k + p * k_stride, head_dim values
    size_t k_stride = 0;
    const uint16_t* v_t = nullptr; // value dim d of position p at v_t + d * v_stride + p
    size_t v_stride = 0;
};

// out[d] = sum_p softmax_p(scale * q·k_p) * v_p[d] over positions p < n_kv.
void attend_head(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                 const AttentionScratch& scratch, float* out) noexcept;

// Dot product of two f16 vectors, accumulated in f32.
float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) noexcept;

}  // namespace hearth::ops
