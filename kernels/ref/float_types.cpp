// Reference kernels for the unquantized weight types F32, F16 and BF16. As in ggml, F16 weights
// multiply fp16-rounded activations and BF16 weights bf16-rounded ones; the scalar dot products
// accumulate in double like ggml's scalar path.
#include <cmath>
#include <cstring>

#include "kernels/ref/f16.hpp"
#include "kernels/ref/ref_kernels.hpp"

namespace hearth::kernels::ref {
namespace {

// Half-precision values are read with memcpy: rows in a GGUF file are only 2-byte aligned.
uint16_t load_u16(const std::byte* p) noexcept {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void dequantize_f32(const std::byte* src, float* dst, size_t n) noexcept { std::memcpy(dst, src, n * sizeof(float)); }

void dequantize_f16(const std::byte* src, float* dst, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(load_u16(src + 2 * i));
}

void dequantize_bf16(const std::byte* src, float* dst, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(load_u16(src + 2 * i));
}

void to_f32(const float* src, std::byte* dst, size_t n) noexcept { std::memcpy(dst, src, n * sizeof(float)); }

void to_f16(const float* src, std::byte* dst, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) {
        const uint16_t h = fp32_to_fp16(src[i]);
        std::memcpy(dst + 2 * i, &h, sizeof h);
    }
}

void to_bf16(const float* src, std::byte* dst, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) {
        const uint16_t h = fp32_to_bf16(src[i]);
        std::memcpy(dst + 2 * i, &h, sizeof h);
    }
}

float dot_f32(size_t n, const std::byte* w, const std::byte* a) noexcept {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        float x, y;
        std::memcpy(&x, w + 4 * i, sizeof x);
        std::memcpy(&y, a + 4 * i, sizeof y);
        sum += double(x * y);
    }
    return float(sum);
}

float dot_f16(size_t n, const std::byte* w, const std::byte* a) noexcept {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
        sum += double(fp16_to_fp32(load_u16(w + 2 * i)) * fp16_to_fp32(load_u16(a + 2 * i)));
    return float(sum);
}

float dot_bf16(size_t n, const std::byte* w, const std::byte* a) noexcept {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
        sum += double(bf16_to_fp32(load_u16(w + 2 * i)) * bf16_to_fp32(load_u16(a + 2 * i)));
    return float(sum);
}

// llama.cpp's AVX-512 builds (the x86 machines hearth is measured on) multiply float weights in
// 16 float lanes: lane l takes the elements i = l (mod 16), one FMA each, and the lanes are summed
// as GCC's _mm512_reduce_add_ps does: halves 8 + 8, then 4 + 4, then 2 + 2, then 1 + 1.
struct Lanes16 {
    float v[16] = {};
};

float reduce_add16(const Lanes16& a) noexcept {
    float t8[8], t4[4];
    for (size_t i = 0; i < 8; ++i) t8[i] = a.v[i + 8] + a.v[i];
    for (size_t i = 0; i < 4; ++i) t4[i] = t8[i + 4] + t8[i];
    return (t4[0] + t4[2]) + (t4[1] + t4[3]);
}

template <float (*Load)(const std::byte*, size_t)>
void fma_lanes(Lanes16& acc, const std::byte* w, const std::byte* a, size_t i0) noexcept {
    for (size_t l = 0; l < 16; ++l) acc.v[l] = std::fma(Load(w, i0 + l), Load(a, i0 + l), acc.v[l]);
}

float load_f32_at(const std::byte* p, size_t i) noexcept {
    float x;
    std::memcpy(&x, p + 4 * i, sizeof x);
    return x;
}
float load_f16_at(const std::byte* p, size_t i) noexcept { return fp16_to_fp32(load_u16(p + 2 * i)); }

// tinyBLAS (llamafile_sgemm), which takes float matrix products of two or more tokens whose
// rows come in fours and whose length is a multiple of 16: one accumulator of 16 lanes.
template <float (*Load)(const std::byte*, size_t)>
float ggml_tinyblas_dot(size_t n, const std::byte* w, const std::byte* a) noexcept {
    Lanes16 acc;
    for (size_t i = 0; i < n; i += 16) fma_lanes<Load>(acc, w, a, i);
    return reduce_add16(acc);
}

// ggml_vec_dot_f32 / ggml_vec_dot_f16 (AVX-512, no FP16 arithmetic): four accumulators over
// steps of 64, added 0+2, 1+3, then 0+1 and reduced; the elements past the last step follow
// one by one: f32 in a float sum, f16 in a double sum of rounded products (checked bit for bit
// against its zen4 build's ggml_vec_dot_f32/f16 for lengths 8 to 1000).
template <float (*Load)(const std::byte*, size_t), bool kF16>
float ggml_vec_dot_float(size_t n, const std::byte* w, const std::byte* a) noexcept {
    Lanes16 acc[4];
    const size_t main = n - n % 64;
    for (size_t i = 0; i < main; i += 64)
        for (size_t j = 0; j < 4; ++j) fma_lanes<Load>(acc[j], w, a, i + 16 * j);
    for (size_t l = 0; l < 16; ++l) {
        acc[0].v[l] += acc[2].v[l];
        acc[1].v[l] += acc[3].v[l];
    }
    for (size_t l = 0; l < 16; ++l) acc[0].v[l] += acc[1].v[l];
    if constexpr (kF16) {
        double sum = reduce_add16(acc[0]);
        for (size_t i = main; i < n; ++i) sum += double(rounded_product(Load(w, i), Load(a, i)));
        return float(sum);
    } else {
        // GCC vectorised this loop 8 wide (products rounded, then added in order) and left the
        // last (n - main) % 8 elements to scalar code, where the product is fused into the sum.
        float sum = reduce_add16(acc[0]);
        const size_t vectorised = main + (n - main) / 8 * 8;
        for (size_t i = main; i < vectorised; ++i) sum += rounded_product(Load(w, i), Load(a, i));
        for (size_t i = vectorised; i < n; ++i) sum = std::fma(Load(w, i), Load(a, i), sum);
        return sum;
    }
}

}  // namespace

extern const TypeKernels f32{GgmlType::f32, dequantize_f32, to_f32, dot_f32, {}, {},
                             {ggml_vec_dot_float<load_f32_at, false>, nullptr, nullptr, ggml_tinyblas_dot<load_f32_at>}};
extern const TypeKernels f16{GgmlType::f16, dequantize_f16, to_f16, dot_f16, {}, {},
                             {ggml_vec_dot_float<load_f16_at, true>, nullptr, nullptr, ggml_tinyblas_dot<load_f16_at>}};
extern const TypeKernels bf16{GgmlType::bf16, dequantize_bf16, to_bf16, dot_bf16};

}  // namespace hearth::kernels::ref
