// Every SIMD level against ref on edge inputs: all-zero and all-ones-bits weight blocks (max
// nibbles, -1/-128 bytes), activations that are zero, constant, alternating extremes, or exact
// .5 ties after scaling (round-half-even must agree), at odd block counts. Activation conversion
// and dequantization must be bit-exact; dot products within 1e-5 of sum |w_i a_i| (float order).
#include <gtest/gtest.h>

#include <string>

#include "test_kernels_support.hpp"

namespace hearth::kernels {
namespace {

enum class WeightPattern { zeros, ones_bits, alternating };
enum class ActPattern { zeros, constant, alternating_extremes, ties, one_hot_negative };

std::vector<std::byte> weight_row(GgmlType t, size_t n, WeightPattern p) {
    std::vector<std::byte> row(test::row_bytes(t, n));
    for (size_t i = 0; i < row.size(); ++i) {
        switch (p) {
            case WeightPattern::zeros: row[i] = std::byte{0x00}; break;
            case WeightPattern::ones_bits: row[i] = std::byte{0xFF}; break;
            case WeightPattern::alternating: row[i] = (i % 2) ? std::byte{0x80} : std::byte{0x7F}; break;
        }
    }
    // Plain float types: 0xFF.. is NaN; use +-1-ish values instead. Quant types: finite scales.
    if (t == GgmlType::f32 || t == GgmlType::f16 || t == GgmlType::bf16) {
        const size_t es = ggml_type_info(t).block_bytes;
        for (size_t i = 0; i < n; ++i) {
            const float v = p == WeightPattern::zeros ? 0.0f : (i % 2 ? -1.5f : 65504.0f / 4);
            const uint16_t h = t == GgmlType::f16 ? fp32_to_fp16(v) : fp32_to_bf16(v);
            if (t == GgmlType::f32) std::memcpy(row.data() + i * es, &v, 4);
            else std::memcpy(row.data() + i * es, &h, 2);
        }
        return row;
    }
    const size_t bb = ggml_type_info(t).block_bytes;
    for (size_t off = 0; off < row.size(); off += bb)
        for (size_t s : test::scale_offsets(t)) test::put_f16(row.data() + off + s, p == WeightPattern::zeros ? 0.0f : -0.75f);
    return row;
}

std::vector<float> act_row(size_t n, ActPattern p) {
    std::vector<float> x(n, 0.0f);
    for (size_t i = 0; i < n; ++i) {
        switch (p) {
            case ActPattern::zeros: break;
            case ActPattern::constant: x[i] = 0.37f; break;
            case ActPattern::alternating_extremes: x[i] = (i % 2) ? -3.0e4f : 3.0e4f; break;
            case ActPattern::ties:  // amax 127 per block -> scale exactly 1 (q8_0) or -1 (q8_K)
                x[i] = (i % 32 == 0) ? 127.0f : float(int(i % 7) - 3) + 0.5f;
                break;
            case ActPattern::one_hot_negative: x[i] = (i % 64 == 5) ? -1.0f : 0.0f; break;
        }
    }
    return x;
}

TEST(KernelsEdge, EverySupportedIsaMatchesRefOnEdgeInputs) {
    const WeightPattern wps[] = {WeightPattern::zeros, WeightPattern::ones_bits, WeightPattern::alternating};
    const ActPattern aps[] = {ActPattern::zeros, ActPattern::constant, ActPattern::alternating_extremes, ActPattern::ties,
                              ActPattern::one_hot_negative};
    for (Isa isa : {Isa::avx2, Isa::avxvnni, Isa::avx512, Isa::amx, Isa::neon}) {
        if (!isa_supported(isa)) continue;
        for (GgmlType t : test::weight_types()) {
            const TypeKernels& r = *type_kernels(t, Isa::ref);
            const TypeKernels& s = *type_kernels(t, isa);
            for (size_t blocks : {1u, 3u, 33u}) {
                const size_t n = blocks * test::block_elems(t) * (test::block_elems(t) == 1 ? 32 : 1);
                for (WeightPattern wp : wps)
                    for (ActPattern ap : aps) {
                        const std::string where = std::string(isa_name(isa)) + " " + std::string(ggml_type_name(t)) + " x" +
                                                  std::to_string(blocks) + " w" + std::to_string(int(wp)) + " a" +
                                                  std::to_string(int(ap));
                        const auto w = weight_row(t, n, wp);
                        const auto x = act_row(n, ap);
                        std::vector<std::byte> ar(test::row_bytes(r.act_type, n)), as(ar.size());
                        r.quantize_act_row(x.data(), ar.data(), n);
                        s.quantize_act_row(x.data(), as.data(), n);
                        ASSERT_EQ(0, std::memcmp(ar.data(), as.data(), ar.size())) << where;
                        const test::DotCase c = test::exact_dot(r, t, w.data(), ar.data(), n);
                        const float want = r.vec_dot(n, w.data(), ar.data());
                        const float got = s.vec_dot(n, w.data(), ar.data());
                        ASSERT_NEAR(got, want, 1e-5 * c.magnitude + 1e-30) << where;
                        ASSERT_NEAR(want, c.exact, 1e-5 * c.magnitude + 1e-30) << where;
                    }
            }
        }
    }
}

}  // namespace
}  // namespace hearth::kernels
