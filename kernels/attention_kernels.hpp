// The attention kernel table: one row of function pointers per ISA, every entry bit-identical to
// the scalar reference in ref/attention.cpp (which is the ref row). No intrinsics here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"
#include "kernels/attention_types.hpp"
#include "kernels/ref/ref_kernels.hpp"

namespace hearth::kernels {

// The one-row kernels' running softmax sum after a position whose weight is vs, when what was
// summed so far is rescaled by ms: sum * ms rounded, then + vs. llama.cpp's flash attention does
// not fuse this (measured on its zen4 build: a fused sum put tiny-llama3's layer-1 output one
// ulp off on 3 of 8 heads at position 36 of a 47-token batch, and the logits 7e-3 apart).
[[gnu::always_inline]] inline float softmax_running_sum(float sum, float ms, float vs) noexcept {
    return ref::rounded_product(sum, ms) + vs;
}

// SIMD rows keep per-call buffers on the stack, sized for heads up to this many dimensions;
// ops::attend_* route larger heads to the reference row.
constexpr size_t kAttentionMaxSimdHeadDim = 256;

struct AttentionKernels {
    // ops::dot_f16, ops::attend_head(s), ops::attend_rows_tiled (see ops/attention.hpp).
    float (*dot_f16)(const uint16_t* a, const uint16_t* b, size_t n) noexcept;
    void (*attend_head)(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                        const AttentionScratch& scratch, float* out) noexcept;
    void (*attend_heads)(const float* q, size_t n_heads, const KvHeadView& kv, size_t n_kv, size_t head_dim,
                         float scale, const AttentionScratch& scratch, float* out) noexcept;
    void (*attend_rows_tiled)(const QueryRows& rows, const KvHeadView& kv, size_t head_dim, float scale,
                              const AttentionScratchF32& scratch) noexcept;
    // The f32 running-sum updates of the Q8_0-cache attention: y[i] *= s and y[i] = fma(x[i], s, y[i]).
    void (*scale_f32)(float* y, float s, size_t n) noexcept;
    void (*mad_f32)(float* y, const float* x, float s, size_t n) noexcept;
    // y[i] = ref::exp_poly(x[i]): the tiled softmax's and SiLU's exp (ops::silu_mul uses it too).
    void (*exp_poly)(const float* x, float* y, size_t n) noexcept;
};

// The row for isa, or nullptr when it is not compiled in or the CPU lacks it (attention_dispatch.cpp).
const AttentionKernels* attention_kernels(Isa isa) noexcept;

// The row ops::attend_* use: the active ISA's (kernels::active_isa()), or ref where none exists.
const AttentionKernels& active_attention_kernels() noexcept;

// The SIMD rows, defined in kernels/x86/avx2 and kernels/x86/avx512 (x86 builds only) and in
// kernels/arm/neon (aarch64 builds only).
const AttentionKernels& attention_kernels_avx2() noexcept;
const AttentionKernels& attention_kernels_avx512() noexcept;
const AttentionKernels& attention_kernels_neon() noexcept;

}  // namespace hearth::kernels
