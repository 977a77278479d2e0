// Causal attention of one query head over the F16 KV cache, with the numerics of llama.cpp's
// CPU flash-attention kernel (what llama.cpp runs by default, and what the reference logits
// were produced with): q is rounded to f16, each score is an f16·f16 dot product, the softmax is
// computed online (running max M and sum S), and the weighted sum of V is kept in an f16
// accumulator that is rounded after every position. Random-weight test models amplify any
// other rounding order into ~1% logit differences, so the order below is deliberate.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::ops {

struct AttentionScratch {
    uint16_t* q = nullptr;    // [head_dim] f16 query
    uint16_t* acc = nullptr;  // [head_dim] f16 running sum of V
};

struct KvHeadView {
    const uint16_t* k = nullptr;  // key of position p at k + p * k_stride, head_dim values
    size_t k_stride = 0;
    const uint16_t* v = nullptr;  // value of position p at v + p * v_stride, head_dim values
    size_t v_stride = 0;
};

// llama.cpp switches to a tiled kernel for batches of at least kTileQ query rows (head_dim a
// multiple of 16): q stays f32, scores are f32 FMA chains, the softmax runs per tile of kTileKv
// positions with an f32 accumulator. attend_head_tiled reproduces one row of it.
constexpr size_t kAttentionTileQ = 64;
constexpr size_t kAttentionTileKv = 64;

struct AttentionScratchF32 {
    float* scores = nullptr;  // [kAttentionTileKv]
    float* acc = nullptr;     // [head_dim] f32 running sum of V
};

// Consecutive tokens of one query head, as the prompt path hands them out: row i (token t0 + i)
// reads its query at q + i * stride, writes out + i * stride, and sees positions < n_kv0 + i.
struct QueryRows {
    const float* q = nullptr;
    float* out = nullptr;
    size_t stride = 0;
    size_t n_rows = 0;
    size_t n_kv0 = 0;
};

// out[d] = sum_p softmax_p(scale * q·k_p) * v_p[d] over positions p < n_kv.
void attend_head_tiled(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                       const AttentionScratchF32& scratch, float* out) noexcept;

// attend_head_tiled for every row; SIMD versions share each K row between 16 query rows.
void attend_rows_tiled(const QueryRows& rows, const KvHeadView& kv, size_t head_dim, float scale,
                       const AttentionScratchF32& scratch) noexcept;

// out[d] = sum_p softmax_p(scale * q·k_p) * v_p[d] over positions p < n_kv.
void attend_head(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                 const AttentionScratch& scratch, float* out) noexcept;

// attend_head for n_heads query heads of one token sharing kv: head i's query at q + i * head_dim,
// its output at out + i * head_dim (scratch: one head's worth). SIMD versions read each K/V row once.
void attend_heads(const float* q, size_t n_heads, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                  const AttentionScratch& scratch, float* out) noexcept;

// Dot product of two f16 vectors as ggml_vec_dot_f16 computes it: blocks of 64 in four 16-lane
// f32 FMA accumulators reduced as a tree, the remainder added in double.
float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) noexcept;

// The functions above run the row of kernels/attention_kernels.hpp for the active ISA (identical
// bits on every row); the scalar code in attention.cpp is the ref row and the spec of the others.

}  // namespace hearth::ops
