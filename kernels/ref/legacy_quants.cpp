// Reference kernels for the 32-element block formats Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0: dequantize,
// and the dot product with the partner activation format (q8_0, or q8_1 for the formats with a
// minimum, whose stored d*sum(q) turns the minimum term into one multiply).
#include <cstring>
#include <type_traits>

#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"
#include "kernels/ref/ref_kernels.hpp"

namespace hearth::kernels::ref {
namespace {

// Unpacked integer weights of one block, element order, plus the block's scale and minimum.
struct Unpacked {
    int q[kQK];
    float d;
    float m;  // 0 for the symmetric formats
};

void unpack(const BlockQ4_0& b, Unpacked& u) noexcept {
    for (size_t j = 0; j < kQK / 2; ++j) {
        u.q[j] = (b.qs[j] & 0xF) - 8;
        u.q[j + 16] = (b.qs[j] >> 4) - 8;
    }
    u.d = fp16_to_fp32(b.d);
    u.m = 0.0f;
}

void unpack(const BlockQ4_1& b, Unpacked& u) noexcept {
    for (size_t j = 0; j < kQK / 2; ++j) {
        u.q[j] = b.qs[j] & 0xF;
        u.q[j + 16] = b.qs[j] >> 4;
    }
    u.d = fp16_to_fp32(b.d);
    u.m = fp16_to_fp32(b.m);
}

// Fifth bits: element j's high bit is bit j of qh (little-endian).
template <typename Block>
void unpack_q5(const Block& b, Unpacked& u, int offset) noexcept {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof qh);
    for (size_t j = 0; j < kQK / 2; ++j) {
        u.q[j] = int((b.qs[j] & 0xF) | (((qh >> j) & 1u) << 4)) - offset;
        u.q[j + 16] = int((b.qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4)) - offset;
    }
}

void unpack(const BlockQ5_0& b, Unpacked& u) noexcept {
    unpack_q5(b, u, 16);
    u.d = fp16_to_fp32(b.d);
    u.m = 0.0f;
}

void unpack(const BlockQ5_1& b, Unpacked& u) noexcept {
    unpack_q5(b, u, 0);
    u.d = fp16_to_fp32(b.d);
    u.m = fp16_to_fp32(b.m);
}

void unpack(const BlockQ8_0& b, Unpacked& u) noexcept {
    for (size_t j = 0; j < kQK; ++j) u.q[j] = b.qs[j];
    u.d = fp16_to_fp32(b.d);
    u.m = 0.0f;
}

template <typename Block>
void dequantize(const std::byte* src, float* dst, size_t n) noexcept {
    const auto* x = reinterpret_cast<const Block*>(src);
    Unpacked u;
    for (size_t i = 0; i < n / kQK; ++i) {
        unpack(x[i], u);
        for (size_t j = 0; j < kQK; ++j) dst[i * kQK + j] = float(u.q[j]) * u.d + u.m;
    }
}

int block_dot(const Unpacked& u, const int8_t* a) noexcept {
    int sum = 0;
    for (size_t j = 0; j < kQK; ++j) sum += u.q[j] * a[j];
    return sum;
}

// Per block, ggml's update order: sum += isum * (d_w*d_a), plus for q8_1 partners the minimum
// term m_w * (d_a * sum(q_a)) = m_w * s_a.
template <typename Block, typename Act>
float dot(size_t n, const std::byte* w, const std::byte* act) noexcept {
    const auto* x = reinterpret_cast<const Block*>(w);
    const auto* y = reinterpret_cast<const Act*>(act);
    Unpacked u;
    float sum = 0.0f;
    for (size_t i = 0; i < n / kQK; ++i) {
        unpack(x[i], u);
        float block = float(block_dot(u, y[i].qs)) * (u.d * fp16_to_fp32(y[i].d));
        if constexpr (std::is_same_v<Act, BlockQ8_1>) block += u.m * fp16_to_fp32(y[i].s);
        sum += block;
    }
    return sum;
}

}  // namespace

extern const TypeKernels q4_0{GgmlType::q8_0, dequantize<BlockQ4_0>, quantize_row_q8_0, dot<BlockQ4_0, BlockQ8_0>, {}, {},
                              {nullptr, block_order_dot_q4_0, block_order_dot_q4_0, nullptr, true}};
extern const TypeKernels q4_1{GgmlType::q8_1, dequantize<BlockQ4_1>, quantize_row_q8_1, dot<BlockQ4_1, BlockQ8_1>};
extern const TypeKernels q5_0{GgmlType::q8_0, dequantize<BlockQ5_0>, quantize_row_q8_0, dot<BlockQ5_0, BlockQ8_0>};
extern const TypeKernels q5_1{GgmlType::q8_1, dequantize<BlockQ5_1>, quantize_row_q8_1, dot<BlockQ5_1, BlockQ8_1>};
extern const TypeKernels q8_0{GgmlType::q8_0, dequantize<BlockQ8_0>, quantize_row_q8_0, dot<BlockQ8_0, BlockQ8_0>};

}  // namespace hearth::kernels::ref
