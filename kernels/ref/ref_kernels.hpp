// The scalar reference kernels (the spec every SIMD level must reproduce) and the activation
// quantizers, as the dispatch table and the tests see them. No intrinsics here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace hearth::kernels::ref {

// One entry per weight type hearth can multiply by (see float_types.cpp, legacy_quants.cpp, k_quants.cpp).
extern const TypeKernels f32, f16, bf16;
extern const TypeKernels q4_0, q4_1, q5_0, q5_1, q8_0;
extern const TypeKernels q2_k, q3_k, q4_k, q5_k, q6_k;

// The entry above for t (one of kWeightTypes); nullptr for any other type.
const TypeKernels* kernels_for(GgmlType t) noexcept;

// Activation formats (act_quant.cpp). They round exactly as llama.cpp's x86 CPU backend does, so
// a dot product sees the same integers there and here:
//  q8_0/q8_1: d = amax/127 (stored fp16), q = round_half_even(x * (127/amax)).
//  q8_K:      d = 1/iscale with iscale = -127/x_amax (signed!), q = min(127, round_half_even(iscale*x)).
void quantize_row_q8_0(const float* src, std::byte* dst, size_t n) noexcept;
void quantize_row_q8_1(const float* src, std::byte* dst, size_t n) noexcept;
void quantize_row_q8_K(const float* src, std::byte* dst, size_t n) noexcept;

void dequantize_row_q8_0(const std::byte* src, float* dst, size_t n) noexcept;
void dequantize_row_q8_1(const std::byte* src, float* dst, size_t n) noexcept;
void dequantize_row_q8_K(const std::byte* src, float* dst, size_t n) noexcept;

// The block-integer GEMM order (kernels.hpp, BlockGemm) for q4_0 and q8_0 weights with q8_0
// activations and the K-quants with q8_K: out[t * out_stride + r] for r < n_rows, t < n_tokens.
// False for other types. block_gemm_k is its K-quant half.
bool block_gemm(GgmlType type, size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* act,
                size_t act_stride, size_t n_tokens, float* out, size_t out_stride) noexcept;
bool block_gemm_k(GgmlType type, size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* act,
                  size_t act_stride, size_t n_tokens, float* out, size_t out_stride) noexcept;

// One output of block_gemm's order for Q4_0 (llama.cpp's repacked q4_0_8x8 GEMV and GEMM round
// this way): GgmlOrderDots of Q4_0, for the products no SIMD GEMM of this level takes.
float block_order_dot_q4_0(size_t n, const std::byte* w_row, const std::byte* act_row) noexcept;

// a * b rounded to float before anything else sees it. GCC contracts a*b + c into an FMA by
// default in C++ wherever FMA exists (aarch64 always, x86 with -march=native), which would skip
// this rounding and make ref disagree with the SIMD quantizers (and with llama.cpp) on ties.
[[gnu::always_inline]] inline float rounded_product(float a, float b) noexcept {
    float p = a * b;
#if defined(__x86_64__) || defined(__i386__)
    asm("" : "+x"(p));
#elif defined(__aarch64__)
    asm("" : "+w"(p));
#else
    volatile float barrier = p;
    p = barrier;
#endif
    return p;
}

// Round half to even for |v| < 2^22 without depending on libm (what ggml's nearest_int does).
[[gnu::always_inline]] inline int round_half_even(float v) noexcept {
    const float t = v + 12582912.0f;  // 1.5 * 2^23: the FPU's ties-to-even rounding drops the fraction
    int32_t bits;
    __builtin_memcpy(&bits, &t, sizeof bits);
    return (bits & 0x007fffff) - 0x00400000;
}

}  // namespace hearth::kernels::ref
