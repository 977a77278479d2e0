// ops::attend_*: the active ISA's attention row, or the scalar row (kernels/ref/attention.cpp)
// for heads wider than the SIMD rows' stack buffers.
#include "ops/attention.hpp"

#include "kernels/attention_kernels.hpp"
#include "kernels/ref/attention_ref.hpp"

namespace hearth::ops {

namespace {

const kernels::AttentionKernels& active() noexcept { return kernels::active_attention_kernels(); }

bool simd_fits(size_t head_dim) noexcept { return head_dim <= kernels::kAttentionMaxSimdHeadDim; }

}  // namespace

float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) noexcept { return active().dot_f16(a, b, n); }

void attend_head(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                 const AttentionScratch& s, float* out) noexcept {
    if (!simd_fits(head_dim)) return kernels::ref::attend_head(q, kv, n_kv, head_dim, scale, s, out);
    active().attend_head(q, kv, n_kv, head_dim, scale, s, out);
}

void attend_heads(const float* q, size_t n_heads, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                  const AttentionScratch& s, float* out) noexcept {
    if (!simd_fits(head_dim)) return kernels::ref::attend_heads(q, n_heads, kv, n_kv, head_dim, scale, s, out);
    active().attend_heads(q, n_heads, kv, n_kv, head_dim, scale, s, out);
}

void attend_rows_tiled(const QueryRows& rows, const KvHeadView& kv, size_t head_dim, float scale,
                       const AttentionScratchF32& s) noexcept {
    if (!simd_fits(head_dim)) return kernels::ref::attend_rows_tiled(rows, kv, head_dim, scale, s);
    active().attend_rows_tiled(rows, kv, head_dim, scale, s);
}

void attend_head_tiled(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                       const AttentionScratchF32& s, float* out) noexcept {
    attend_rows_tiled({.q = q, .out = out, .stride = 0, .n_rows = 1, .n_kv0 = n_kv}, kv, head_dim, scale, s);
}

}  // namespace hearth::ops
