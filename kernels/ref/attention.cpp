// Scalar flash-attention over the F16 cache, the ref row of kernels::attention_kernels and the
// spec of the SIMD rows (see src/ops/attention.hpp for why the rounding order is fixed). The lane
// structure (64-element steps, 4 x 16 lanes) is ggml's AVX-512 layout; writing it out here makes
// the result independent of how this file is compiled or vectorized.
#include "kernels/ref/attention_ref.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/ref/f16.hpp"

namespace hearth::kernels::ref {

// e^x by range reduction to 2^n * e^b, |b| <= ln2/2, and a degree-5 polynomial: the
// "optimized-routines" expf that ggml's AVX-512 SiLU uses (max error ~1.5 ulp). Written as
// scalar fma steps in the same order, so the result equals ggml's lane for lane.
float exp_poly(float x) noexcept {
    const float shift = 0x1.8p23f;  // adding it rounds x*log2(e) to an integer n
    const float z = std::fma(x, 0x1.715476p+0f, shift);
    const float n = z - shift;
    const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));  // x - n*ln2 (hi + lo)
    const float u = b * b;
    const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                             u, std::fma(0x1.ffffecp-1f, b, 1.0f));
    if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
    return std::ldexp(j, static_cast<int>(n));
}

float reduce_add16(const float* v) noexcept {
    float h8[8], h4[4];
    for (size_t i = 0; i < 8; ++i) h8[i] = v[i] + v[i + 8];
    for (size_t i = 0; i < 4; ++i) h4[i] = h8[i] + h8[i + 4];
    return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

namespace {

constexpr size_t kStep = 64;  // elements per main-loop step
constexpr size_t kLanes = 16;

// y = f16(y * s) element-wise (the rescale when a new running maximum appears).
void scale_f16(uint16_t* y, float s, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(fp16_to_fp32(y[i]) * s);
}

// y = f16(y + x * s) with one rounding before the f16 one: ggml's SIMD main part and its scalar
// remainder loop alike (its CPU backend is compiled with FMA contraction; measured on its zen4
// build, where head_dim 32 runs entirely in the remainder loop).
void mad_f16(uint16_t* y, const uint16_t* x, float s, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(std::fma(fp16_to_fp32(x[i]), s, fp16_to_fp32(y[i])));
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
        sum = softmax_running_sum(sum, ms, vs);
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

namespace {

constexpr AttentionKernels kRefRow = {
    .dot_f16 = dot_f16,
    .attend_head = attend_head,
    .attend_heads = attend_heads,
    .attend_rows_tiled = attend_rows_tiled,
    .scale_f32 = scale_f32,
    .mad_f32 = mad_f32,
    .exp_poly = exp_poly_n,
};

}  // namespace

const AttentionKernels& attention_row() noexcept { return kRefRow; }

}  // namespace hearth::kernels::ref
