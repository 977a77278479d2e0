// Causal attention of one query head over the F16 KV cache, with the numerics of llama.cpp's
// CPU flash-attention kernel (what llama.cpp runs by default, and what the reference logits
// were produced with): q is rounded to f16, each score is an f16·f16 dot product, the softmax is
// computed online (running max M and sum S), and the weighted sum of V is kept in an f16
// accumulator that is rounded after every position. Random-weight test models amplify any
// other rounding order into ~1% logit differences, so the order below is deliberate.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/attention_types.hpp"

namespace hearth::ops {

using kernels::AttentionScratch;
using kernels::AttentionScratchF32;
using kernels::KvHeadView;
using kernels::QueryRows;
using kernels::kAttentionTileKv;
using kernels::kAttentionTileQ;

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
// bits on every row); the scalar code in kernels/ref/attention.cpp is the ref row and the spec of
// the others.

}  // namespace hearth::ops
