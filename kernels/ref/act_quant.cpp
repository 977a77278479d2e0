// Reference quantizers for the activation partner formats q8_0, q8_1 and q8_K (and their
// dequantizers, used by tests and by get_rows on Q8_0 weights).
#include <cmath>
#include <cstring>

#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"
#include "kernels/ref/ref_kernels.hpp"

namespace hearth::kernels::ref {
namespace {

// Shared by q8_0 and q8_1. Mirrors ggml-cpu's x86 path (the one llama.cpp runs here), which
// differs from ggml's portable quantize_row_q8_0_ref: it multiplies by 127/amax instead of
// 1/(amax/127) and rounds ties to even instead of away from zero.
// Returns the integer sum of the quants (q8_1 stores d * sum).
int quantize_block_32(const float* x, int8_t* q, float& d) noexcept {
    float amax = 0.0f;
    for (size_t j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int sum = 0;
    for (size_t j = 0; j < kQK; ++j) {
        const int v = round_half_even(rounded_product(x[j], id));
        q[j] = int8_t(v);
        sum += v;
    }
    return sum;
}

}  // namespace

void quantize_row_q8_0(const float* src, std::byte* dst, size_t n) noexcept {
    auto* y = reinterpret_cast<BlockQ8_0*>(dst);
    for (size_t i = 0; i < n / kQK; ++i) {
        float d;
        quantize_block_32(src + i * kQK, y[i].qs, d);
        y[i].d = fp32_to_fp16(d);
    }
}

void quantize_row_q8_1(const float* src, std::byte* dst, size_t n) noexcept {
    auto* y = reinterpret_cast<BlockQ8_1*>(dst);
    for (size_t i = 0; i < n / kQK; ++i) {
        float d;
        const int sum = quantize_block_32(src + i * kQK, y[i].qs, d);
        y[i].d = fp32_to_fp16(d);
        y[i].s = fp32_to_fp16(d * float(sum));
    }
}

// ggml's quantize_row_q8_K_ref (x86 uses it unchanged). The scale takes the sign of the
// largest-magnitude element so that element maps to -127 exactly.
void quantize_row_q8_K(const float* src, std::byte* dst, size_t n) noexcept {
    auto* y = reinterpret_cast<BlockQ8_K*>(dst);
    for (size_t i = 0; i < n / kQKK; ++i) {
        const float* x = src + i * kQKK;
        float max = 0.0f;
        float amax = 0.0f;
        for (size_t j = 0; j < kQKK; ++j) {
            const float ax = std::fabs(x[j]);
            if (ax > amax) {
                amax = ax;
                max = x[j];
            }
        }
        if (amax == 0.0f) {
            // ggml leaves bsums stale here; zero keeps our output deterministic (d = 0 anyway).
            std::memset(&y[i], 0, sizeof(BlockQ8_K));
            continue;
        }
        const float iscale = -127.0f / max;
        for (size_t j = 0; j < kQKK; ++j) {
            const int v = round_half_even(rounded_product(iscale, x[j]));
            y[i].qs[j] = int8_t(v < 127 ? v : 127);
        }
        for (size_t g = 0; g < kQKK / 16; ++g) {
            int sum = 0;
            for (size_t j = 0; j < 16; ++j) sum += y[i].qs[g * 16 + j];
            y[i].bsums[g] = int16_t(sum);
        }
        y[i].d = 1.0f / iscale;
    }
}

void dequantize_row_q8_0(const std::byte* src, float* dst, size_t n) noexcept {
    const auto* x = reinterpret_cast<const BlockQ8_0*>(src);
    for (size_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (size_t j = 0; j < kQK; ++j) dst[i * kQK + j] = float(x[i].qs[j]) * d;
    }
}

void dequantize_row_q8_1(const std::byte* src, float* dst, size_t n) noexcept {
    const auto* x = reinterpret_cast<const BlockQ8_1*>(src);
    for (size_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (size_t j = 0; j < kQK; ++j) dst[i * kQK + j] = float(x[i].qs[j]) * d;
    }
}

void dequantize_row_q8_K(const std::byte* src, float* dst, size_t n) noexcept {
    const auto* x = reinterpret_cast<const BlockQ8_K*>(src);
    for (size_t i = 0; i < n / kQKK; ++i)
        for (size_t j = 0; j < kQKK; ++j) dst[i * kQKK + j] = float(x[i].qs[j]) * x[i].d;
}

}  // namespace hearth::kernels::ref
