// Quantized matrix multiplication as the model graph sees it: one call per weight matrix per
// batch of tokens. Activations are converted once per input row to the weight type's partner
// format (q8_0 for Q4_0/Q8_0, q8_K for K-quants), then kernels::* does the dot products.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hearth/ggml_type.hpp"

namespace hearth {
class ThreadPool;
}

namespace hearth::ops {

// A weight matrix of n_rows rows of n_cols elements each, in a GGUF block format, read in place.
// How a matrix's bytes are arranged: as in the GGUF file (rows), or rearranged at load into the
// decode layout (kernels/decode_layout.hpp: Q4_0, Q8_0, Q4_K, Q5_K, Q6_K), which a single token's pass reads
// front to back.
enum class WeightLayout : uint8_t { rows, decode_tiles };

struct WeightView {
    GgmlType type = GgmlType::f32;
    const std::byte* data = nullptr;
    size_t n_cols = 0;     // GGUF ne[0]: elements per row (the reduction length)
    size_t n_rows = 0;     // GGUF ne[1]: output features
    size_t row_bytes = 0;  // bytes per row in `type`
    WeightLayout layout = WeightLayout::rows;
};

// Whether w, still in ggml's layout, should take the decode layout: kernels::decode_layout_fits.
bool decode_layout_fits(const WeightView& w) noexcept;

// Rearranges w's bytes, which `data` must be (writable, and no other view may read them as rows),
// into the decode layout in place and marks w so. w must fit (decode_layout_fits).
void to_decode_layout(WeightView& w, std::byte* data);

// True when matmul/get_rows handle weights of type t (checked at model load: matmul cannot throw).
bool matmul_supported(GgmlType t) noexcept;

// Bytes of scratch matmul needs for up to n_tokens input rows of n_cols (the converted activations).
size_t matmul_scratch_bytes(GgmlType weight_type, size_t n_cols, size_t n_tokens);
// Bytes of scratch matmul_many needs for the problems of one weight tensor, n_tokens in all.
size_t matmul_many_scratch_bytes(GgmlType weight_type, size_t n_cols, size_t n_tokens);

// Bytes of per-thread scratch (ThreadPool::reserve_worker_scratch) a matmul with the weights w
// needs; 0 when it needs none. Without it, batches of weights in ggml's layout take the slower
// tiles, and weights in the decode layout give NaNs for anything but a single token.
size_t matmul_worker_scratch_bytes(const WeightView& w);

// The rounding order of products. fastest: batches of two or more tokens take the type's block
// GEMM or its few-token companion where the CPU level has one (the block-integer order: each
// block's integer dot product exact, one FMA per block). ggml: each type in the order ggml's x86
// CPU backend (llama.cpp) uses where hearth has it: Q8_0 batches take the vec_dot tiles (ggml's
// tinyBLAS order; ~2x slower prompts than its AVX-512 GEMM), Q4_0 keeps the block order (ggml's
// repacked GEMM's), Q4_K and Q6_K take kernels::GgmlOrderDots at every batch size (Q4_K matrices
// of 8k rows: tokens in fours in its repacked GEMM's order, the rest in its GEMV's; experts of
// matmul_many all in its GEMV's, as its MUL_MAT_ID), so logits agree with llama.cpp's to the
// last bits the kernels share.
enum class MatmulOrder { fastest, ggml };

// y[t][r] = sum_c W[r][c] * x[t][c] for t < n_tokens, r < n_rows.
// x: [n_tokens][n_cols] f32, row-major; y: [n_tokens][n_rows] f32, row-major.
// scratch: at least matmul_scratch_bytes(...) bytes, 64-byte aligned. Never throws or allocates.
void matmul(const WeightView& w, const float* x, size_t n_tokens, float* y, std::span<std::byte> scratch, ThreadPool& pool,
            MatmulOrder order = MatmulOrder::fastest);

// One of several independent products computed by matmul_many: y = W · x for n_tokens rows.
struct MatmulProblem {
    WeightView w;
    const float* x = nullptr;  // [n_tokens, w.n_cols]
    size_t n_tokens = 0;
    float* y = nullptr;        // [n_tokens, w.n_rows]
};

// The most problems one matmul_many call takes (two expert tensors of kMaxExperts experts).
inline constexpr size_t kMaxMatmulProblems = 1024;

// Every problem's y, each output with the bits matmul() gives it alone: the result depends
// neither on the other problems nor on the thread count. Problems of fewer tokens than the
// block-GEMM threshold share one pass over the pool (one token through 8 experts' gate and up
// is one parallel_for, not 16), and problems with the same x (pointer, n_tokens, partner format)
// convert it once. Larger problems go through matmul() one after another.
// scratch: at least the sum over the weight tensors involved of matmul_many_scratch_bytes(type,
// n_cols, tokens of all its problems) for those bits; with only matmul_scratch_bytes' worth,
// problems of 2-15 tokens may take the vec_dot order instead. Never throws or allocates.
void matmul_many(std::span<const MatmulProblem> problems, std::span<std::byte> scratch, ThreadPool& pool,
                 MatmulOrder order = MatmulOrder::fastest);

// out[i][:] = dequantized row ids[i] of w (embedding lookup). ids are checked by the caller.
void get_rows(const WeightView& w, std::span<const int32_t> ids, float* out);

}  // namespace hearth::ops
