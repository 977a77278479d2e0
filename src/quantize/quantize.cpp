// Row quantizers for the GGUF block formats hearth writes (see quantize.hpp). Legacy formats use
// ggml's own rounding rules (so files match llama-quantize's where it is deterministic), or with
// an importance matrix a weighted fit; the K-quants are in k_quant_rows.cpp.
#include "quantize/quantize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#include "hearth/error.hpp"
#include "kernels/kernels.hpp"
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

// The legacy formats with an importance matrix, as llama.cpp's quantizers do them: each value
// weighs qw * sqrt(sigma2 + x²), sigma2 the mean square of the whole row, and the block's d (and
// m for the min formats) are the weighted least-squares fit. Fills q with the levels 0..nmax.
template <typename Block>
void weighted_levels(const float* x, const float* qw, float sigma2, int nmax, Block& blk, int* q) {
    float w[kQK];
    uint8_t L[kQK];
    imatrix_weights(x, {qw, sigma2, false}, kQK, w);
    if constexpr (requires { blk.m; }) {
        float min = 0;
        blk.d = fp32_to_fp16(fit_asymmetric(x, w, kQK, nmax, L, &min));
        blk.m = fp32_to_fp16(-min);
    } else {
        blk.d = fp32_to_fp16(fit_symmetric(x, w, kQK, (nmax + 1) / 2, L));
    }
    std::copy_n(L, kQK, q);
}

float row_sigma2(const float* x, size_t nb, const float* qw) { return qw ? static_cast<float>(mean_square(x, nb * kQK)) : 0.0f; }

// 4-bit levels: values j and j + 16 share byte j.
template <typename Block>
void pack_q4(Block& blk, const int* q) {
    for (size_t j = 0; j < kQK / 2; ++j) blk.qs[j] = static_cast<uint8_t>(q[j] | (q[j + kQK / 2] << 4));
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

// Q4_0 and Q5_0: x ~ d * (q - zero) with zero = (nmax + 1) / 2 and d from the block's largest
// magnitude, rounded as ggml rounds; with an importance matrix, the weighted fit.
template <typename Block, typename Pack>
void symmetric_rows(const float* x, Block* y, size_t nb, const float* qw, int nmax, Pack pack) {
    const float sigma2 = row_sigma2(x, nb, qw);
    const float zero = static_cast<float>((nmax + 1) / 2);
    for (size_t b = 0; b < nb; ++b, x += kQK) {
        int q[kQK];
        if (qw) {
            weighted_levels(x, qw + b * kQK, sigma2, nmax, y[b], q);
        } else {
            const float d = signed_absmax(x, kQK) / -zero, id = d ? 1.0f / d : 0.0f;
            y[b].d = fp32_to_fp16(d);
            for (size_t j = 0; j < kQK; ++j) q[j] = std::min(nmax, static_cast<int>(static_cast<int8_t>(x[j] * id + (zero + 0.5f))));
        }
        pack(y[b], q);
    }
}

// Q4_1 and Q5_1: min_max_levels, or with an importance matrix the weighted fit.
template <typename Block, typename Pack>
void min_rows(const float* x, Block* y, size_t nb, const float* qw, int nmax, Pack pack) {
    const float sigma2 = row_sigma2(x, nb, qw);
    for (size_t b = 0; b < nb; ++b, x += kQK) {
        int q[kQK];
        if (qw)
            weighted_levels(x, qw + b * kQK, sigma2, nmax, y[b], q);
        else
            min_max_levels(x, nmax, y[b], q);
        pack(y[b], q);
    }
}

void row_q4_0(const float* x, BlockQ4_0* y, size_t nb, const float* qw) { symmetric_rows(x, y, nb, qw, 15, pack_q4<BlockQ4_0>); }
void row_q5_0(const float* x, BlockQ5_0* y, size_t nb, const float* qw) { symmetric_rows(x, y, nb, qw, 31, pack_q5<BlockQ5_0>); }
void row_q4_1(const float* x, BlockQ4_1* y, size_t nb, const float* qw) { min_rows(x, y, nb, qw, 15, pack_q4<BlockQ4_1>); }
void row_q5_1(const float* x, BlockQ5_1* y, size_t nb, const float* qw) { min_rows(x, y, nb, qw, 31, pack_q5<BlockQ5_1>); }

template <typename Block, typename Fn>
void each_row(const float* src, std::byte* dst, size_t n_rows, size_t n_cols, size_t block, Fn fn,
              const float* importance = nullptr) {
    const size_t nb = n_cols / block;
    for (size_t r = 0; r < n_rows; ++r) {
        if constexpr (std::is_invocable_v<Fn, const float*, Block*, size_t, const float*>)
            fn(src + r * n_cols, reinterpret_cast<Block*>(dst) + r * nb, nb, importance);
        else
            fn(src + r * n_cols, reinterpret_cast<Block*>(dst) + r * nb, nb);
    }
}

}  // namespace

// Every type hearth multiplies by, and only those: a file it writes must be one it can run.
bool can_quantize(GgmlType type) noexcept { return kernels::is_weight_type(type); }

bool uses_importance(GgmlType type) noexcept {
    switch (type) {
        case GgmlType::q4_0: case GgmlType::q4_1: case GgmlType::q5_0: case GgmlType::q5_1: case GgmlType::q2_k:
        case GgmlType::q3_k: case GgmlType::q4_k: case GgmlType::q5_k: case GgmlType::q6_k:
            return true;
        default:
            return false;
    }
}

void quantize_rows(GgmlType type, const float* src, std::byte* dst, size_t n_rows, size_t n_cols, const float* importance) {
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
        case GgmlType::q4_0: return each_row<BlockQ4_0>(src, dst, n_rows, n_cols, kQK, row_q4_0, importance);
        case GgmlType::q4_1: return each_row<BlockQ4_1>(src, dst, n_rows, n_cols, kQK, row_q4_1, importance);
        case GgmlType::q5_0: return each_row<BlockQ5_0>(src, dst, n_rows, n_cols, kQK, row_q5_0, importance);
        case GgmlType::q5_1: return each_row<BlockQ5_1>(src, dst, n_rows, n_cols, kQK, row_q5_1, importance);
        case GgmlType::q2_k: return each_row<BlockQ2_K>(src, dst, n_rows, n_cols, kQKK, row_q2_k, importance);
        case GgmlType::q3_k: return each_row<BlockQ3_K>(src, dst, n_rows, n_cols, kQKK, row_q3_k, importance);
        case GgmlType::q4_k: return each_row<BlockQ4_K>(src, dst, n_rows, n_cols, kQKK, row_q4_k, importance);
        case GgmlType::q5_k: return each_row<BlockQ5_K>(src, dst, n_rows, n_cols, kQKK, row_q5_k, importance);
        case GgmlType::q6_k: return each_row<BlockQ6_K>(src, dst, n_rows, n_cols, kQKK, row_q6_k, importance);
        default: return;
    }
}

}  // namespace hearth::quant
