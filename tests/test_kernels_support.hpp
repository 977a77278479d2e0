// Shared by the kernel/matmul tests: random rows of any weight type with sane scales, the list of
// weight types hearth multiplies, and helpers to expand activation rows back to floats.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "hearth/ggml_type.hpp"
#include "kernels/decode_layout.hpp"
#include "kernels/kernels.hpp"
#include "kernels/ref/f16.hpp"
#include "kernels/ref/ref_kernels.hpp"

namespace hearth::test {

inline const std::vector<GgmlType>& weight_types() {
    static const std::vector<GgmlType> types(std::begin(kernels::kWeightTypes), std::end(kernels::kWeightTypes));
    return types;
}

inline size_t row_bytes(GgmlType t, size_t n) { return size_t(*ggml_row_bytes(t, n)); }
inline size_t block_elems(GgmlType t) { return ggml_type_info(t).block_elements; }

inline void put_f16(std::byte* p, float v) {
    const uint16_t h = kernels::fp32_to_fp16(v);
    std::memcpy(p, &h, 2);
}

// Offsets of the fp16 scale fields inside one block (random bits there could be NaN/Inf).
inline std::vector<size_t> scale_offsets(GgmlType t) {
    switch (t) {
        case GgmlType::q4_0: case GgmlType::q5_0: case GgmlType::q8_0: return {0};
        case GgmlType::q4_1: case GgmlType::q5_1: case GgmlType::q4_k: case GgmlType::q5_k: return {0, 2};
        case GgmlType::q2_k: return {80, 82};
        case GgmlType::q3_k: return {108};
        case GgmlType::q6_k: return {208};
        default: return {};
    }
}

// A random row of n elements of type t: random quant bits, scales of magnitude ~scale.
inline std::vector<std::byte> random_row(GgmlType t, size_t n, std::mt19937& rng, float scale = 0.01f) {
    std::vector<std::byte> row(row_bytes(t, n));
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_real_distribution<float> val(-1.0f, 1.0f);
    if (t == GgmlType::f32) {
        for (size_t i = 0; i < n; ++i) {
            const float v = val(rng);
            std::memcpy(row.data() + 4 * i, &v, 4);
        }
        return row;
    }
    if (t == GgmlType::f16 || t == GgmlType::bf16) {
        for (size_t i = 0; i < n; ++i) {
            const float v = val(rng);
            const uint16_t h = t == GgmlType::f16 ? kernels::fp32_to_fp16(v) : kernels::fp32_to_bf16(v);
            std::memcpy(row.data() + 2 * i, &h, 2);
        }
        return row;
    }
    for (std::byte& b : row) b = std::byte(byte(rng));
    const size_t bb = ggml_type_info(t).block_bytes;
    for (size_t off = 0; off < row.size(); off += bb)
        for (size_t s : scale_offsets(t)) put_f16(row.data() + off + s, scale * val(rng));
    return row;
}

inline std::vector<float> random_floats(size_t n, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
    std::uniform_real_distribution<float> val(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = val(rng);
    return v;
}

// Floats an activation row of format act stands for (what the dot product really multiplies).
inline std::vector<float> expand_act(GgmlType act, const std::byte* row, size_t n) {
    std::vector<float> out(n);
    namespace r = kernels::ref;
    switch (act) {
        case GgmlType::q8_0: r::dequantize_row_q8_0(row, out.data(), n); break;
        case GgmlType::q8_1: r::dequantize_row_q8_1(row, out.data(), n); break;
        case GgmlType::q8_k: r::dequantize_row_q8_K(row, out.data(), n); break;
        case GgmlType::f16: r::f16.dequantize_row(row, out.data(), n); break;
        case GgmlType::bf16: r::bf16.dequantize_row(row, out.data(), n); break;
        default: std::memcpy(out.data(), row, n * 4); break;
    }
    return out;
}

struct DotCase {
    double exact;      // sum of w_i * a_i in double over what the kernel really multiplies
    double magnitude;  // sum of |w_i * a_i|
};

// The dot product a kernel should compute, from the dequantized weights and activations. For
// q8_1 partners the min term uses the stored s = fp16(d * sum q) (as ggml does), not sum(d*q).
inline DotCase exact_dot(const kernels::TypeKernels& k, GgmlType t, const std::byte* w, const std::byte* act, size_t n) {
    std::vector<float> wf(n);
    k.dequantize_row(w, wf.data(), n);
    const auto af = expand_act(k.act_type, act, n);
    DotCase c{0.0, 0.0};
    for (size_t i = 0; i < n; ++i) {
        c.exact += double(wf[i]) * double(af[i]);
        c.magnitude += std::fabs(double(wf[i]) * double(af[i]));
    }
    if (k.act_type == GgmlType::q8_1) {
        const size_t wb = ggml_type_info(t).block_bytes;
        for (size_t b = 0; b < n / 32; ++b) {
            uint16_t m, s;
            std::memcpy(&m, w + b * wb + 2, 2);       // Q4_1/Q5_1: d, m, ...
            std::memcpy(&s, act + b * 36 + 2, 2);     // q8_1: d, s, qs
            double block_sum = 0;
            for (size_t i = 0; i < 32; ++i) block_sum += af[b * 32 + i];
            c.exact += double(kernels::fp16_to_fp32(m)) * (double(kernels::fp16_to_fp32(s)) - block_sum);
        }
    }
    return c;
}

// Tokens one at a time through a decode-layout kernel (FewTokenGemm::one_tiled): w, rows of type t,
// rearranged into tiles, rows in ranges of `chunk` (a multiple of 16; any split gives the same bits).
inline std::vector<float> run_one_tiled(GgmlType t, decltype(kernels::FewTokenGemm::one_tiled) one_tiled, size_t n,
                                        std::vector<std::byte> w, size_t w_stride, size_t rows,
                                        const std::vector<std::byte>& act, size_t act_stride, size_t tokens, size_t chunk) {
    kernels::rows_to_tiles(t, n, w.data(), rows);
    std::vector<float> out(tokens * rows, -1.0f);
    for (size_t tok = 0; tok < tokens; ++tok)
        for (size_t r0 = 0; r0 < rows; r0 += chunk)
            one_tiled(n, w.data() + r0 * w_stride, std::min(chunk, rows - r0), act.data() + tok * act_stride, out.data() + tok * rows + r0);
    return out;
}

}  // namespace hearth::test
