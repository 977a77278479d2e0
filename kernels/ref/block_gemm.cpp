// The block-integer GEMM order (kernels.hpp, BlockGemm) written out plainly for Q4_0 and Q8_0
// (the K-quants' version is block_gemm_k in k_quants.cpp, beside their unpacking): the spec that
// the SIMD GEMMs reproduce bit for bit. Slow on purpose: tests call it, and MatmulOrder::ggml
// where no SIMD GEMM applies (block_order_dot_q4_0).
#include <cmath>

#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"
#include "kernels/ref/ref_kernels.hpp"

namespace hearth::kernels::ref {
namespace {

// Element values and scale of block b of a weight row, as the integer dot product sees them.
struct WeightBlock {
    int8_t q[kQK];
    float d;
};

WeightBlock weight_block(GgmlType type, const std::byte* row, size_t b) noexcept {
    WeightBlock out{};
    if (type == GgmlType::q4_0) {
        const auto& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
        for (size_t j = 0; j < kQK / 2; ++j) {
            out.q[j] = int8_t((blk.qs[j] & 0x0F) - 8);
            out.q[j + kQK / 2] = int8_t((blk.qs[j] >> 4) - 8);
        }
        out.d = fp16_to_fp32(blk.d);
    } else {
        const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
        for (size_t j = 0; j < kQK; ++j) out.q[j] = blk.qs[j];
        out.d = fp16_to_fp32(blk.d);
    }
    return out;
}

// One output of the block-integer order: each block's integer dot product exact, then one FMA.
float block_order_dot(GgmlType type, size_t n, const std::byte* w_row, const std::byte* act_row) noexcept {
    const auto* a = reinterpret_cast<const BlockQ8_0*>(act_row);
    float acc = 0.0f;
    for (size_t b = 0; b < n / kQK; ++b) {
        const WeightBlock wb = weight_block(type, w_row, b);
        int32_t sumi = 0;
        for (size_t j = 0; j < kQK; ++j) sumi += int32_t(wb.q[j]) * int32_t(a[b].qs[j]);
        acc = std::fma(float(sumi), rounded_product(wb.d, fp16_to_fp32(a[b].d)), acc);
    }
    return acc;
}

}  // namespace

float block_order_dot_q4_0(size_t n, const std::byte* w_row, const std::byte* act_row) noexcept {
    return block_order_dot(GgmlType::q4_0, n, w_row, act_row);
}

bool block_gemm(GgmlType type, size_t n, const std::byte* w, size_t w_stride, size_t n_rows, const std::byte* act,
                size_t act_stride, size_t n_tokens, float* out, size_t out_stride) noexcept {
    if (block_gemm_k(type, n, w, w_stride, n_rows, act, act_stride, n_tokens, out, out_stride)) return true;
    if (type != GgmlType::q4_0 && type != GgmlType::q8_0) return false;
    for (size_t r = 0; r < n_rows; ++r)
        for (size_t t = 0; t < n_tokens; ++t)
            out[t * out_stride + r] = block_order_dot(type, n, w + r * w_stride, act + t * act_stride);
    return true;
}

}  // namespace hearth::kernels::ref
