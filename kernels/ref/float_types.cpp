// Reference kernels for the unquantized weight types F32, F16 and BF16. As in ggml, F16 weights
// multiply fp16-rounded activations and BF16 weights bf16-rounded ones; the scalar dot products
// accumulate in double like ggml's scalar path.
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

}  // namespace

extern const TypeKernels f32{GgmlType::f32, dequantize_f32, to_f32, dot_f32};
extern const TypeKernels f16{GgmlType::f16, dequantize_f16, to_f16, dot_f16};
extern const TypeKernels bf16{GgmlType::bf16, dequantize_bf16, to_bf16, dot_bf16};

}  // namespace hearth::kernels::ref
