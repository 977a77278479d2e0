// The kernel table: for each weight type, the functions the matmul driver needs, chosen once
// at startup for the best instruction set this CPU has (see dispatch.cpp). Internal header:
// no SIMD intrinsics here, so including it costs nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "hearth/ggml_type.hpp"

namespace hearth::kernels {

// The weight types hearth multiplies by, in table order: the one list that the kernel table
// (dispatch.cpp), the quantizer's capability (quant::can_quantize) and the tests' type lists
// derive from. Adding a type: kernels/README.md.
inline constexpr GgmlType kWeightTypes[] = {
    GgmlType::f32,  GgmlType::f16,  GgmlType::bf16, GgmlType::q4_0, GgmlType::q4_1, GgmlType::q5_0, GgmlType::q5_1,
    GgmlType::q8_0, GgmlType::q2_k, GgmlType::q3_k, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k,
};
inline constexpr size_t kTypeCount = std::size(kWeightTypes);

constexpr bool is_weight_type(GgmlType t) noexcept {
    for (GgmlType w : kWeightTypes)
        if (w == t) return true;
    return false;
}

// avxvnni = avx2 plus the VEX-encoded vpdpbusd of Intel's laptop cores (Alder Lake and later) and
// of Zen 5; amx = the avx512 level whose prompt GEMMs for Q4_0/Q8_0 run on Intel AMX tiles.
enum class Isa { ref, avx2, avxvnni, avx512, amx, neon };
inline constexpr Isa kAllIsas[] = {Isa::ref, Isa::avx2, Isa::avxvnni, Isa::avx512, Isa::amx, Isa::neon};
std::string_view isa_name(Isa isa) noexcept;

// One weight row . one converted activation row, n elements.
using VecDotFn = float (*)(size_t n, const std::byte* w_row, const std::byte* act_row);

// A block of dot products sharing weight decoding and activation loads:
// out[t * out_stride + r] = dot(w + r * w_stride, act + t * act_stride) for its fixed R x T shape.
using DotTileFn = void (*)(size_t n, const std::byte* w, size_t w_stride, const std::byte* act, size_t act_stride,
                           float* out, size_t out_stride);

// Optional tiles of a vec_dot. Each output is bit-identical to vec_dot, so how a batch is tiled
// never changes results.
struct DotTiles {
    DotTileFn batch = nullptr;  // tile_rows x tile_tokens, for prompt batches
    uint32_t tile_rows = 0;
    uint32_t tile_tokens = 0;
    DotTileFn rows = nullptr;  // rows_per_call x 1, for single tokens: independent rows give the
    uint32_t rows_per_call = 0;  // CPU parallel dependency chains and amortize per-call overhead
    DotTileFn pair = nullptr;  // tile_rows x 2, for the 2-3 tokens a batch tile leaves (a server's
                               // decode step of a few streams), so they share the weight decoding
};

// Optional GEMM for prompt batches, in the "block-integer" order: for every weight row r and token
// t, each block's integer dot product is formed exactly, then out = fma(float(sumi), d_w * d_a,
// out) block after block, starting from 0 (ref::block_gemm is the spec). Tokens go in groups of
// kGemmTokens, packed once per matmul; weights go in panels of panel_rows rows, repacked by the
// thread that multiplies them into its own L2-resident scratch. This is not vec_dot's rounding
// order, so a batch that takes this path differs from one-token evaluation in the last bits.
inline constexpr size_t kGemmTokens = 16;

// Optional companion of a BlockGemm for batches of 2 to kGemmTokens - 1 tokens (a server's decode
// step of a few streams): the same block-integer order, so a token's outputs have the same bits
// in every batch of two or more tokens, but reading the weight rows as stored, because repacking
// a panel costs more than a few tokens' multiplies. Tokens go in groups of kFewTokens; one call
// multiplies up to kFewGroupsPerCall groups, which share the weight rows' loads and unpacking.
inline constexpr size_t kFewTokens = 4;
inline constexpr size_t kFewGroupsPerCall = 2;
struct FewTokenGemm {
    size_t (*act_group_bytes)(size_t n) = nullptr;  // nullptr: none at this level
    // Packs n_tokens <= kFewTokens converted activation rows (act_type) into one group.
    void (*pack_act)(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) = nullptr;
    // out[t * out_stride + r] for the n_rows weight rows (stored format) and the n_tokens <=
    // kFewTokens * kFewGroupsPerCall tokens of the groups at `group`, act_group_bytes(n) apart.
    void (*multiply)(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* group,
                     size_t n_tokens, float* out, size_t out_stride) = nullptr;
    // One token in the same order: out[r] for the n_rows weight rows (stored format) and one
    // converted activation row (act_type), no packing. nullptr: vec_dot's tiles take single tokens.
    void (*one)(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* act, float* out) = nullptr;
    // The same for a matrix in the decode layout (decode_layout.hpp): out[r] for the n_rows (a
    // multiple of 16) rows whose tiles start at `tiles`, the bits of `one`. nullptr: the level
    // keeps the type in ggml's layout.
    void (*one_tiled)(size_t n, const std::byte* tiles, size_t n_rows, const std::byte* act, float* out) = nullptr;
};

struct BlockGemm {
    uint32_t panel_rows = 0;  // 0: no GEMM for this type at this level
    size_t (*act_group_bytes)(size_t n) = nullptr;
    // Packs n_tokens <= kGemmTokens converted activation rows (act_type) into one group.
    void (*pack_act)(size_t n, const std::byte* act, size_t act_stride, size_t n_tokens, std::byte* dst) = nullptr;
    size_t (*panel_bytes)(size_t n) = nullptr;
    // Repacks n_rows <= panel_rows weight rows into a panel (missing rows become zeros).
    void (*pack_panel)(size_t n, const std::byte* w, size_t w_stride, size_t n_rows, std::byte* dst) = nullptr;
    // out[t * out_stride + r] for r < n_rows of the panel and t < n_tokens of the group.
    void (*multiply)(size_t n, const std::byte* panel, size_t n_rows, const std::byte* group, size_t n_tokens,
                     float* out, size_t out_stride) = nullptr;
    FewTokenGemm few = {};
};

// llama.cpp's x86 CPU backend rounds some types in orders hearth's fast kernels do not use:
// MatmulOrder::ggml (hearth eval, embeddings) takes these where they are set. ref/k_quants.cpp
// and ref/float_types.cpp are their spec. vec_dot: its vec_dot's float lanes. Types it repacks 8
// rows at a time at load (Q4_K: q4_K_8x8, when the rows come in eights) go through its GEMM in
// groups of four tokens and its GEMV for the rest, each with its own order. Float weights go
// through tinyBLAS (llamafile_sgemm) for two or more tokens when their rows come in fours and their
// length is a multiple of 16 (AVX-512 builds: 16 lanes). Unset members: the type's own vec_dot.
struct GgmlOrderDots {
    VecDotFn vec_dot = nullptr;
    VecDotFn repacked_gemv = nullptr;
    VecDotFn repacked_gemm = nullptr;
    VecDotFn tinyblas = nullptr;
    // The repacked order is the block GEMM's (Q4_0): those GEMMs may serve it, being faster.
    bool repacked_is_block_order = false;
};

struct TypeKernels {
    GgmlType act_type;  // partner format of the activations (q8_0, q8_K, f16 or f32)
    // Element-wise conversion of one row of n elements.
    void (*dequantize_row)(const std::byte* src, float* dst, size_t n);
    // One f32 activation row of n elements into act_type.
    void (*quantize_act_row)(const float* src, std::byte* dst, size_t n);
    // Dot product of one weight row with one converted activation row, n elements.
    VecDotFn vec_dot;
    DotTiles tiles = {};
    BlockGemm gemm = {};
    GgmlOrderDots ggml = {};
};

// out[t * out_stride + r] = dot(weight row r, activation row t) for r < n_rows, t < n_tokens,
// using k's tile where it fits and vec_dot elsewhere (identical bits either way).
void dot_rows_tokens(const TypeKernels& k, size_t n, const std::byte* w, size_t w_stride, size_t n_rows,
                     const std::byte* act, size_t act_stride, size_t n_tokens, float* out, size_t out_stride) noexcept;

// Kernels for weight type t at the active ISA; nullptr when hearth cannot multiply by t.
const TypeKernels* type_kernels(GgmlType t) noexcept;
// Kernels for t at a specific ISA (tests compare every level with ref); nullptr if unavailable.
const TypeKernels* type_kernels(GgmlType t, Isa isa) noexcept;

// The ISA in use: the best the CPU supports, or HEARTH_ISA=ref|avx2|avxvnni|avx512|amx|neon if set and supported.
Isa active_isa() noexcept;
bool isa_supported(Isa isa) noexcept;

}  // namespace hearth::kernels
