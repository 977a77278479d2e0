// Scalar flash-attention over the F16 cache (see attention.hpp for why the rounding order is fixed).
// The lane structure (64-element steps, 4 x 16 lanes) is ggml's AVX-512 layout; writing it out
// here makes the result independent of how this file is compiled or vectorized.
#include "ops/attention.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/attention_kernels.hpp"
#include "kernels/ref/f16.hpp"
#include "ops/elementwise.hpp"

namespace hearth::ops {

// The scalar reference (the ref row of kernels::attention_kernels), internal to this file.
namespace ref {
namespace {

constexpr size_t kStep = 64;  // elements per main-loop step
constexpr size_t kLanes = 16;

using kernels::fp16_to_fp32;
using kernels::fp32_to_fp16;

// y = f16(y * s) element-wise (the rescale when a new running maximum appears).
void scale_f16(uint16_t* y, float s, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(fp16_to_fp32(y[i]) * s);
}

// y = f16(y + x * s): fused multiply-add in the 64-wide main part, separate rounding in the tail
// (as ggml's scalar remainder loop).
void mad_f16(uint16_t* y, const uint16_t* x, float s, size_t n) noexcept {
    const size_t main = n - n % kStep;
    for (size_t i = 0; i < main; ++i) y[i] = fp32_to_fp16(std::fma(fp16_to_fp32(x[i]), s, fp16_to_fp32(y[i])));
    for (size_t i = main; i < n; ++i) {
        const float prod = fp16_to_fp32(x[i]) * s;
        y[i] = fp32_to_fp16(fp16_to_fp32(y[i]) + prod);
    }
}

void scale_f32(float* y, float s, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] *= s;
}

void mad_f32(float* y, const float* x, float s, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] = std::fma(x[i], s, y[i]);
}

void exp_poly_n(const float* x, float* y, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] = exp_poly(x[i]);
}

}  // namespace

float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) noexcept {
    const size_t main = n - n % kStep;
    double sum = 0.0;
    if (main > 0) {
        float acc[4][kLanes] = {};
        for (size_t i = 0; i < main; i += kStep)
            for (size_t j = 0; j < 4; ++j)
                for (size_t l = 0; l < kLanes; ++l) {
                    const size_t e = i + j * kLanes + l;
                    acc[j][l] = std::fma(fp16_to_fp32(a[e]), fp16_to_fp32(b[e]), acc[j][l]);
                }
        for (size_t l = 0; l < kLanes; ++l) {
            acc[0][l] += acc[2][l];
            acc[1][l] += acc[3][l];
        }
        for (size_t l = 0; l < kLanes; ++l) acc[0][l] += acc[1][l];
        sum = reduce_add16(acc[0]);
    }
    // f16 x f16 products are exact in f32; the tail sums them in double.
    for (size_t i = main; i < n; ++i) sum += static_cast<double>(fp16_to_fp32(a[i]) * fp16_to_fp32(b[i]));
    return static_cast<float>(sum);
}

void attend_head(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                 const AttentionScratch& s, float* out) noexcept {
    for (size_t d = 0; d < head_dim; ++d) {
        s.q[d] = fp32_to_fp16(q[d]);
        s.acc[d] = 0;
    }
    float max = -INFINITY;  // running maximum of the scores
    float sum = 0.0f;       // running sum of exp(score - max)
    for (size_t p = 0; p < n_kv; ++p) {
        const float score = ref::dot_f16(kv.k + p * kv.k_stride, s.q, head_dim) * scale;
        float ms = 1.0f;  // rescale of what was accumulated so far
        float vs = 1.0f;  // weight of this position
        if (score > max) {
            ms = std::exp(max - score);
            max = score;
            scale_f16(s.acc, ms, head_dim);
        } else {
            vs = std::exp(score - max);
        }
        mad_f16(s.acc, kv.v + p * kv.v_stride, vs, head_dim);
        sum = std::fma(sum, ms, vs);
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (size_t d = 0; d < head_dim; ++d) out[d] = fp16_to_fp32(s.acc[d]) * inv;
}

void attend_head_tiled(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                       const AttentionScratchF32& s, float* out) noexcept {
    constexpr size_t tile = kAttentionTileKv;
    for (size_t d = 0; d < head_dim; ++d) s.acc[d] = 0.0f;
    float max = -INFINITY, sum = 0.0f;
    for (size_t p0 = 0; p0 < n_kv; p0 += tile) {
        const size_t count = std::min(tile, n_kv - p0);
        float tile_max = -INFINITY;
        for (size_t j = 0; j < tile; ++j) {
            float score = -INFINITY;  // positions past n_kv are masked
            if (j < count) {
                const uint16_t* k = kv.k + (p0 + j) * kv.k_stride;
                score = 0.0f;  // one FMA chain over the head dimension (ggml's simd_gemm lane)
                for (size_t d = 0; d < head_dim; ++d) score = std::fma(fp16_to_fp32(k[d]), q[d], score);
                score *= scale;
            }
            s.scores[j] = score;
            tile_max = std::max(tile_max, score);
        }
        const float new_max = std::fmax(max, tile_max);
        if (new_max > max) {
            const float ms = std::exp(max - new_max);
            for (size_t d = 0; d < head_dim; ++d) s.acc[d] *= ms;
            sum *= ms;
        }
        max = new_max;
        // ggml_vec_soft_max_f32: 16-wide blocks of the polynomial exp, each block summed as a
        // tree in f32, the blocks in double.
        double tile_sum = 0.0;
        for (size_t b = 0; b < tile; b += kLanes) {
            for (size_t l = 0; l < kLanes; ++l) s.scores[b + l] = exp_poly(s.scores[b + l] - max);
            tile_sum += static_cast<double>(reduce_add16(s.scores + b));
        }
        sum = static_cast<float>(static_cast<double>(sum) + tile_sum);
        for (size_t d = 0; d < head_dim; ++d) {
            float a = s.acc[d];
            for (size_t j = 0; j < count; ++j) a = std::fma(fp16_to_fp32(kv.v[(p0 + j) * kv.v_stride + d]), s.scores[j], a);
            s.acc[d] = a;
        }
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (size_t d = 0; d < head_dim; ++d) out[d] = s.acc[d] * inv;
}

void attend_rows_tiled(const QueryRows& rows, const KvHeadView& kv, size_t head_dim, float scale,
                       const AttentionScratchF32& s) noexcept {
    for (size_t i = 0; i < rows.n_rows; ++i)
        ref::attend_head_tiled(rows.q + i * rows.stride, kv, rows.n_kv0 + i, head_dim, scale, s, rows.out + i * rows.stride);
}

void attend_heads(const float* q, size_t n_heads, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                  const AttentionScratch& s, float* out) noexcept {
    for (size_t h = 0; h < n_heads; ++h) ref::attend_head(q + h * head_dim, kv, n_kv, head_dim, scale, s, out + h * head_dim);
}

}  // namespace ref

namespace {

constexpr kernels::AttentionKernels kRefKernels = {
    .dot_f16 = ref::dot_f16,
    .attend_head = ref::attend_head,
    .attend_heads = ref::attend_heads,
    .attend_rows_tiled = ref::attend_rows_tiled,
    .scale_f32 = ref::scale_f32,
    .mad_f32 = ref::mad_f32,
    .exp_poly = ref::exp_poly_n,
};

const kernels::AttentionKernels& active() noexcept { return kernels::active_attention_kernels(); }

bool simd_fits(size_t head_dim) noexcept { return head_dim <= kernels::kAttentionMaxSimdHeadDim; }

}  // namespace

float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) noexcept { return active().dot_f16(a, b, n); }

void attend_head(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                 const AttentionScratch& s, float* out) noexcept {
    if (!simd_fits(head_dim)) return ref::attend_head(q, kv, n_kv, head_dim, scale, s, out);
    active().attend_head(q, kv, n_kv, head_dim, scale, s, out);
}

void attend_heads(const float* q, size_t n_heads, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                  const AttentionScratch& s, float* out) noexcept {
    if (!simd_fits(head_dim)) return ref::attend_heads(q, n_heads, kv, n_kv, head_dim, scale, s, out);
    active().attend_heads(q, n_heads, kv, n_kv, head_dim, scale, s, out);
}

void attend_rows_tiled(const QueryRows& rows, const KvHeadView& kv, size_t head_dim, float scale,
                       const AttentionScratchF32& s) noexcept {
    if (!simd_fits(head_dim)) return ref::attend_rows_tiled(rows, kv, head_dim, scale, s);
    active().attend_rows_tiled(rows, kv, head_dim, scale, s);
}

void attend_head_tiled(const float* q, const KvHeadView& kv, size_t n_kv, size_t head_dim, float scale,
                       const AttentionScratchF32& s, float* out) noexcept {
    attend_rows_tiled({.q = q, .out = out, .stride = 0, .n_rows = 1, .n_kv0 = n_kv}, kv, head_dim, scale, s);
}

}  // namespace hearth::ops

namespace hearth::kernels {

// Chosen once, like the matmul table: HEARTH_ISA=ref selects the scalar row.
const AttentionKernels& active_attention_kernels() noexcept {
    static const AttentionKernels* const row = attention_kernels(active_isa());
    return row != nullptr ? *row : ops::kRefKernels;
}

const AttentionKernels* attention_kernels(Isa isa) noexcept {
    if (!isa_supported(isa)) return nullptr;
    switch (isa) {
        case Isa::ref: return &ops::kRefKernels;
#if defined(HEARTH_HAVE_X86_KERNELS)
        case Isa::avx2:
        case Isa::avxvnni: return &attention_kernels_avx2();  // no integer dot products in attention
        case Isa::avx512:
        case Isa::amx: return &attention_kernels_avx512();  // amx differs from avx512 only in GEMMs
#endif
        default: return nullptr;
    }
}

}  // namespace hearth::kernels
