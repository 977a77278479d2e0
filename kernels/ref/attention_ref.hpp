// The scalar attention row (kernels/ref/attention.cpp): the spec of every SIMD row, and what
// ops::attend_* fall back to for heads wider than the SIMD rows handle.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/attention_kernels.hpp"

namespace hearth::kernels::ref {

// e^x as ggml's AVX-512 code computes it (range reduction + degree-5 polynomial, ~1.5 ulp);
// 0 below about -103.9 and +inf above 88.4. Also the exp of ops::softmax and ops::silu_mul.
float exp_poly(float x) noexcept;

// v[0] + ... + v[15] in the order _mm512_reduce_add_ps uses: halves, then quarters, then pairs.
float reduce_add16(const float* v) noexcept;

float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) noexcept;
void attend_head(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                 const AttentionScratch& scratch, float* out) noexcept;
void attend_heads(const float* q, size_t n_heads, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                  const AttentionScratch& scratch, float* out) noexcept;
void attend_head_tiled(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                       const AttentionScratchF32& scratch, float* out) noexcept;
void attend_rows_tiled(const QueryRows& rows, const KvHeadView& kv, size_t head_dim, float scale,
                       const AttentionScratchF32& scratch) noexcept;

// The functions above as a kernel row.
const AttentionKernels& attention_row() noexcept;

}  // namespace hearth::kernels::ref
