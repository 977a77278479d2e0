// Element-wise and row-wise float ops of the transformer graph (everything but matmul and
// attention). Each mirrors the order of operations of ggml's CPU ops, so hearth's rounding
// follows llama.cpp's: e.g. RMSNorm sums squares in double, as ggml_compute_forward_rms_norm does.
// No allocation, no throwing: these run inside the forward pass.
#pragma once

#include <cstddef>

#include "kernels/ref/attention_ref.hpp"

namespace hearth::ops {

// y = x / sqrt(mean(x²) + eps) * w for one row of n (y may alias x).
void rmsnorm(const float* x, const float* w, float* y, size_t n, float eps) noexcept;
// Same for n_rows consecutive rows of n.
void rmsnorm_rows(const float* x, const float* w, float* y, size_t n_rows, size_t n, float eps) noexcept;

// y = (x - mean(x)) / sqrt(var(x) + eps) * w + b for one row of n (LayerNorm with bias, as
// ggml_norm then ggml_mul and ggml_add compute it; y may alias x).
void layernorm(const float* x, const float* w, const float* b, float* y, size_t n, float eps) noexcept;

// y[r][i] += b[i] for n_rows rows of n (biases).
void add_row_bias(float* y, const float* b, size_t n_rows, size_t n) noexcept;
// y[i] += x[i] (residual connections).
void add_inplace(float* y, const float* x, size_t n) noexcept;

// e^x as ggml's AVX-512 code computes it (kernels/ref/attention_ref.hpp).
using kernels::ref::exp_poly;

// v[0] + ... + v[15] in the order _mm512_reduce_add_ps uses (kernels/ref/attention_ref.hpp).
using kernels::ref::reduce_add16;

// y = softmax(x) for one row of n (y may alias x), rounded as ggml_soft_max is on AVX-512:
// exps of x - max in 16-wide polynomial blocks plus a libm tail, summed in double, then
// multiplied by float(1 / sum).
void softmax(const float* x, float* y, size_t n) noexcept;

// gate[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x) (SwiGLU), for ONE row of n: the
// first n - n % 16 values use ggml's polynomial exp, the rest libm's expf, as ggml does per row.
void silu_mul(float* gate, const float* up, size_t n) noexcept;

// gate[i] = gelu(gate[i]) * up[i] (GeGLU, tanh approximation) for n values, as ggml's CPU GEGLU
// computes it: x <= -10 gives 0, x >= 10 gives x, otherwise gelu is looked up in a table over all
// f16 values at f16(x), and the table holds f16(gelu(x)). The f16 steps are part of the numbers.
void gelu_mul(float* gate, const float* up, size_t n) noexcept;

// x[i] = gelu(x[i]) (ggml_gelu on the CPU: the same f16 table and cut-offs as gelu_mul).
void gelu(float* x, size_t n) noexcept;

// y[i] *= s (ggml_scale).
void scale(float* y, float s, size_t n) noexcept;

// y[i] = cap * tanh(y[i] / cap) (final logit soft-capping: scale, tanh, scale as three ggml ops).
void softcap(float* y, float cap, size_t n) noexcept;

}  // namespace hearth::ops
