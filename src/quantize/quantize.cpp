// Row quantizers for the GGUF block formats hearth writes (see quantize.hpp). Legacy formats use
// ggml's own rounding rules (so files match llama-quantize's where it is deterministic); the
// K-quants are in k_quant_rows.cpp.
#include "quantize/quantize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "hearth/error.hpp"
#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"
#include "quantize/block_fit.hpp"
#include "quantize/k_quant_rows.hpp"

namespace hearth::quant {
namespace {

using namespace hearth::kernels;

void row_q8_0(const float* x, BlockQ8_0* y, size_t nb) {
    for (size_t b = 0; b < nb; ++b, x += kQK) {
        float amax = std::fabs(signed_absmax(x, kQK));
        const float d = amax / 127.0f, id = d ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        for (size_t j = 0; j < kQK; ++j) y[b].qs[j] = static_cast<int8_t>(nearest(x[j] * id));
    }
}

void row_q4_0(const float* x, BlockQ4_0* y, size_t nb) {
    for (size_t b = 0; b < nb; ++b, x += kQK) {
        const float d = signed_absmax(x, kQK) / -8.0f, id = d ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        for (size_t j = 0; j < kQK / 2; ++j) {
            const int lo = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
            const int hi = std::min(15, static_cast<int>(static_cast<int8_t>(x[j + kQK / 2] * id + 8.5f)));
            y[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
        }
    }
}

// The min/max formats (Q4_1, Q5_1): x ~ d * q + m with m = min(x) and q in [0, nmax], rounded
// as ggml rounds. Fills q and the block's d and m.
template <typename Block>
void min_max_levels(const float* x, int nmax, Block& blk, int* q) {
    const float lo = *std::min_element(x, x + kQK), hi = *std::max_element(x, x + kQK);
    const float d = (hi - lo) / static_cast<float>(nmax), id = d ? 1.0f / d : 0.0f;
    blk.d = fp32_to_fp16(d);
    blk.m = fp32_to_fp16(lo);
    for (size_t j = 0; j < kQK; ++j) q[j] = std::min(nmax, static_cast<int>((x[j] - lo) * id + 0.5f));
}

void row_q4_1(const float* x, BlockQ4_1* y, size_t nb) {
    for (size_t b = 0; b < nb; ++b, x += kQK) {
        int q[kQK];
        min_max_levels(x, 15, y[b], q);
        for (size_t j = 0; j < kQK / 2; ++j) y[b].qs[j] = static_cast<uint8_t>(q[j] | (q[j + kQK / 2] << 4));
    }
}

// Stores 5-bit values q (32 of them) as low nibbles in qs and fifth bits in the qh word.
template <typename Block>
void pack_q5(Block& blk, const int* q) {
    uint32_t qh = 0;
    for (size_t j = 0; j < kQK / 2; ++j) {
        blk.qs[j] = static_cast<uint8_t>((q[j] & 0xF) | ((q[j + kQK / 2] & 0xF) << 4));
        qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
        qh |= static_cast<uint32_t>((q[j + kQK / 2] >> 4) & 1) << (j + kQK / 2);
    }
    std::memcpy(blk.qh, &qh, sizeof qh);
}

void row_q5_0(const float* x, BlockQ5_0* y, size_t nb) {
    for (size_t b = 0; b < nb; ++b, x += kQK) {
        const float d = signed_absmax(x, kQK) / -16.0f, id = d ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        int q[kQK];
        for (size_t j = 0; j < kQK; ++j) q[j] = std::min(31, static_cast<int>(static_cast<int8_t>(x[j] * id + 16.5f)));
        pack_q5(y[b], q);
    }
}

void row_q5_1(const float* x, BlockQ5_1* y, size_t nb) {
    for (size_t b = 0; b < nb; ++b, x += kQK) {
        int q[kQK];
        min_max_levels(x, 31, y[b], q);
        pack_q5(y[b], q);
    }
}

template <typename Block, typename Fn>
void each_row(const float* src, std::byte* dst, size_t n_rows, size_t n_cols, size_t block, Fn fn) {
    const size_t nb = n_cols / block;
    for (size_t r = 0; r < n_rows; ++r) fn(src + r * n_cols, reinterpret_cast<Block*>(dst) + r * nb, nb);
}

}  // namespace

bool can_quantize(GgmlType type) noexcept {
    switch (type) {
        case GgmlType::f32: case GgmlType::f16: case GgmlType::bf16: case GgmlType::q8_0: case GgmlType::q4_0:
        case GgmlType::q4_1: case GgmlType::q5_0: case GgmlType::q5_1: case GgmlType::q2_k: case GgmlType::q3_k:
        case GgmlType::q4_k: case GgmlType::q5_k: case GgmlType::q6_k:
            return true;
        default:
            return false;
    }
}

void quantize_rows(GgmlType type, const float* src, std::byte* dst, size_t n_rows, size_t n_cols) {
    if (!can_quantize(type))
        throw Error(ErrorCode::invalid_argument, fmt::format("cannot quantize to {}", ggml_type_name(type)));
    if (!ggml_row_bytes(type, n_cols))
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("row length {} is not a multiple of the {} block size", n_cols, ggml_type_name(type)));
    const size_t n = n_rows * n_cols;
    switch (type) {
        case GgmlType::f32: std::memcpy(dst, src, n * sizeof(float)); return;
        case GgmlType::f16:
            for (size_t i = 0; i < n; ++i) {
                uint16_t h = fp32_to_fp16(src[i]);
                std::memcpy(dst + 2 * i, &h, 2);
            }
            return;
        case GgmlType::bf16:
            for (size_t i = 0; i < n; ++i) {
                uint16_t h = fp32_to_bf16(src[i]);
                std::memcpy(dst + 2 * i, &h, 2);
            }
            return;
        case GgmlType::q8_0: return each_row<BlockQ8_0>(src, dst, n_rows, n_cols, kQK, row_q8_0);
        case GgmlType::q4_0: return each_row<BlockQ4_0>(src, dst, n_rows, n_cols, kQK, row_q4_0);
        case GgmlType::q4_1: return each_row<BlockQ4_1>(src, dst, n_rows, n_cols, kQK, row_q4_1);
        case GgmlType::q5_0: return each_row<BlockQ5_0>(src, dst, n_rows, n_cols, kQK, row_q5_0);
        case GgmlType::q5_1: return each_row<BlockQ5_1>(src, dst, n_rows, n_cols, kQK, row_q5_1);
        case GgmlType::q2_k: return each_row<BlockQ2_K>(src, dst, n_rows, n_cols, kQKK, row_q2_k);
        case GgmlType::q3_k: return each_row<BlockQ3_K>(src, dst, n_rows, n_cols, kQKK, row_q3_k);
        case GgmlType::q4_k: return each_row<BlockQ4_K>(src, dst, n_rows, n_cols, kQKK, row_q4_k);
        case GgmlType::q5_k: return each_row<BlockQ5_K>(src, dst, n_rows, n_cols, kQKK, row_q5_k);
        case GgmlType::q6_k: return each_row<BlockQ6_K>(src, dst, n_rows, n_cols, kQKK, row_q6_k);
        default: return;
    }
}

}  // namespace hearth::quant
