// Row quantizers for the GGUF block formats hearth writes (see quantize.hpp). Legacy formats use
// ggml's own rounding rules (so files match llama-quantize's where it is deterministic); K-quants
// fit their sub-block scales by weighted least squares (block_fit.cpp).
#include "quantize/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "hearth/error.hpp"
#include "kernels/ref/blocks.hpp"
#include "kernels/ref/f16.hpp"
#include "quantize/block_fit.hpp"

namespace hearth::quant {
namespace {

using namespace hearth::kernels;

int nearest(float v) { return static_cast<int>(std::lround(v)); }

// Largest magnitude in x, with its sign.
float signed_absmax(const float* x, size_t n) {
    float amax = 0, max = 0;
    for (size_t i = 0; i < n; ++i)
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    return max;
}

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

// Shared by Q4_K and Q5_K: fits 8 sub-blocks of 32 (scale, min) pairs, quantizes them to 6 bits
// against the super-block d/dmin, and returns the final levels (0..nmax) for all 256 values.
template <typename Block>
void fit_k_superblock(const float* x, Block& blk, int nmax, uint8_t* L) {
    float scales[8], mins[8], w[32];
    for (size_t j = 0; j < 8; ++j) {
        importance_weights(x + 32 * j, 32, w);
        scales[j] = fit_asymmetric(x + 32 * j, w, 32, nmax, L + 32 * j, &mins[j]);
    }
    const float max_scale = *std::max_element(scales, scales + 8), max_min = *std::max_element(mins, mins + 8);
    const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f, inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
    uint8_t ls[8], lm[8];
    for (size_t j = 0; j < 8; ++j) {
        ls[j] = static_cast<uint8_t>(std::min(63, nearest(inv_scale * scales[j])));
        lm[j] = static_cast<uint8_t>(std::min(63, nearest(inv_min * mins[j])));
    }
    // 12-byte packing read back by k_scale_min(): sub-blocks 0-3 in the low 6 bits of bytes 0-7,
    // sub-blocks 4-7 as nibbles in bytes 8-11 with their top 2 bits in the top of bytes 0-7.
    std::memset(blk.scales, 0, sizeof blk.scales);
    for (size_t j = 0; j < 4; ++j) {
        blk.scales[j] = ls[j];
        blk.scales[j + 4] = lm[j];
    }
    for (size_t j = 4; j < 8; ++j) {
        blk.scales[j + 4] = static_cast<uint8_t>((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
        blk.scales[j - 4] |= static_cast<uint8_t>((ls[j] >> 4) << 6);
        blk.scales[j] |= static_cast<uint8_t>((lm[j] >> 4) << 6);
    }
    blk.d = fp32_to_fp16(max_scale / 63.0f);
    blk.dmin = fp32_to_fp16(max_min / 63.0f);
    // Re-quantize against the scales as they will be decoded.
    for (size_t j = 0; j < 8; ++j) {
        const float d = fp16_to_fp32(blk.d) * ls[j], m = fp16_to_fp32(blk.dmin) * lm[j];
        for (size_t i = 0; i < 32; ++i)
            L[32 * j + i] = d == 0 ? 0 : static_cast<uint8_t>(std::clamp(nearest((x[32 * j + i] + m) / d), 0, nmax));
    }
}

void row_q4_k(const float* x, BlockQ4_K* y, size_t nb) {
    for (size_t b = 0; b < nb; ++b, x += kQKK) {
        uint8_t L[kQKK];
        fit_k_superblock(x, y[b], 15, L);
        for (size_t c = 0; c < 4; ++c)  // each 64-value chunk: sub-block 2c in low nibbles, 2c+1 in high
            for (size_t l = 0; l < 32; ++l)
                y[b].qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
    }
}

void row_q5_k(const float* x, BlockQ5_K* y, size_t nb) {
    for (size_t b = 0; b < nb; ++b, x += kQKK) {
        uint8_t L[kQKK];
        fit_k_superblock(x, y[b], 31, L);
        std::memset(y[b].qh, 0, sizeof y[b].qh);
        for (size_t c = 0; c < 4; ++c)
            for (size_t l = 0; l < 32; ++l) {
                const uint8_t a = L[64 * c + l], h = L[64 * c + 32 + l];
                y[b].qs[32 * c + l] = static_cast<uint8_t>((a & 0xF) | ((h & 0xF) << 4));
                y[b].qh[l] |= static_cast<uint8_t>(((a >> 4) << (2 * c)) | ((h >> 4) << (2 * c + 1)));
            }
    }
}

void row_q6_k(const float* x, BlockQ6_K* y, size_t nb) {
    for (size_t b = 0; b < nb; ++b, x += kQKK) {
        uint8_t L[kQKK];
        float scales[16], w[16];
        for (size_t j = 0; j < 16; ++j) {
            importance_weights(x + 16 * j, 16, w);
            scales[j] = fit_symmetric(x + 16 * j, w, 16, 32, L + 16 * j);
        }
        const float max_scale = signed_absmax(scales, 16);
        std::memset(&y[b], 0, sizeof y[b]);
        if (max_scale != 0) {
            const float iscale = -128.0f / max_scale;
            y[b].d = fp32_to_fp16(1.0f / iscale);
            for (size_t j = 0; j < 16; ++j) y[b].scales[j] = static_cast<int8_t>(std::min(127, nearest(iscale * scales[j])));
        }
        for (size_t j = 0; j < 16; ++j) {
            const float d = fp16_to_fp32(y[b].d) * y[b].scales[j];
            for (size_t i = 0; i < 16; ++i)
                L[16 * j + i] = d == 0 ? 32 : static_cast<uint8_t>(std::clamp(nearest(x[16 * j + i] / d), -32, 31) + 32);
        }
        // Two halves of 128: values l, l+32, l+64, l+96 share ql[l]/ql[l+32] nibbles and one qh byte.
        for (size_t h = 0; h < 2; ++h) {
            uint8_t* ql = y[b].ql + 64 * h;
            uint8_t* qh = y[b].qh + 32 * h;
            const uint8_t* q = L + 128 * h;
            for (size_t l = 0; l < 32; ++l) {
                ql[l] = static_cast<uint8_t>((q[l] & 0xF) | ((q[l + 64] & 0xF) << 4));
                ql[l + 32] = static_cast<uint8_t>((q[l + 32] & 0xF) | ((q[l + 96] & 0xF) << 4));
                qh[l] = static_cast<uint8_t>((q[l] >> 4) | ((q[l + 32] >> 4) << 2) | ((q[l + 64] >> 4) << 4) |
                                             ((q[l + 96] >> 4) << 6));
            }
        }
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
        case GgmlType::q4_1: case GgmlType::q5_0: case GgmlType::q5_1: case GgmlType::q4_k: case GgmlType::q5_k:
        case GgmlType::q6_k:
            return true;
        default:
            return false;
    }
}

void quantize_rows(GgmlType type, const float* src, std::byte* dst, size_t n_rows, size_t n_cols) {
    if (!can_quantize(type))
        throw Error(ErrorCode::invalid_argument, "cannot quantize to " + std::string(ggml_type_name(type)));
    if (!ggml_row_bytes(type, n_cols))
        throw Error(ErrorCode::invalid_argument, "row length " + std::to_string(n_cols) + " is not a multiple of the " +
                                                     std::string(ggml_type_name(type)) + " block size");
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
        case GgmlType::q4_k: return each_row<BlockQ4_K>(src, dst, n_rows, n_cols, kQKK, row_q4_k);
        case GgmlType::q5_k: return each_row<BlockQ5_K>(src, dst, n_rows, n_cols, kQKK, row_q5_k);
        case GgmlType::q6_k: return each_row<BlockQ6_K>(src, dst, n_rows, n_cols, kQKK, row_q6_k);
        default: return;
    }
}

}  // namespace hearth::quant
