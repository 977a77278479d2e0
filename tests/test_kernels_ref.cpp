// Reference dequantization on hand-built blocks: each block is packed here from chosen integers
// and scales following ggml's quantizers (the inverse direction of the code under test), then the
// dequantized floats must equal scale*q - min exactly.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "kernels/ref/blocks.hpp"
#include "test_kernels_support.hpp"

namespace hearth::kernels {
namespace {

std::vector<float> dequant(GgmlType t, const void* block, size_t n) {
    std::vector<float> out(n);
    type_kernels(t, Isa::ref)->dequantize_row(static_cast<const std::byte*>(block), out.data(), n);
    return out;
}

TEST(KernelsRef, EveryWeightTypeHasAReferenceEntry) {
    // The one type list (kWeightTypes) against the reference table the levels start from.
    for (GgmlType t : kWeightTypes) {
        ASSERT_NE(ref::kernels_for(t), nullptr) << ggml_type_name(t);
        EXPECT_EQ(type_kernels(t, Isa::ref)->vec_dot, ref::kernels_for(t)->vec_dot) << ggml_type_name(t);
    }
    EXPECT_EQ(ref::kernels_for(GgmlType::q8_k), nullptr);  // an activation format, not a weight type
    EXPECT_EQ(ref::kernels_for(GgmlType::iq4_nl), nullptr);
}

TEST(KernelsRef, Q4_0KnownValues) {
    BlockQ4_0 b{};
    b.d = fp32_to_fp16(0.5f);
    for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | ((15 - j) << 4));
    const auto y = dequant(GgmlType::q4_0, &b, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], (j - 8) * 0.5f) << j;
        EXPECT_EQ(y[j + 16], (7 - j) * 0.5f) << j;
    }
}

TEST(KernelsRef, Q4_1KnownValues) {
    BlockQ4_1 b{};
    b.d = fp32_to_fp16(1.0f);
    b.m = fp32_to_fp16(-2.0f);
    for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | (3 << 4));
    const auto y = dequant(GgmlType::q4_1, &b, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], float(j) - 2.0f);
        EXPECT_EQ(y[j + 16], 1.0f);
    }
}

TEST(KernelsRef, Q5_0AndQ5_1KnownValues) {
    BlockQ5_0 b0{};
    BlockQ5_1 b1{};
    b0.d = b1.d = fp32_to_fp16(0.25f);
    b1.m = fp32_to_fp16(1.0f);
    const uint32_t qh = 0xA5C3F00Fu;
    std::memcpy(b0.qh, &qh, 4);
    std::memcpy(b1.qh, &qh, 4);
    for (int j = 0; j < 16; ++j) b0.qs[j] = b1.qs[j] = uint8_t((j * 7 % 16) | ((j * 3 % 16) << 4));
    const auto y0 = dequant(GgmlType::q5_0, &b0, 32);
    const auto y1 = dequant(GgmlType::q5_1, &b1, 32);
    for (int e = 0; e < 32; ++e) {
        const int low = e < 16 ? (e * 7 % 16) : ((e - 16) * 3 % 16);
        const int q = low | int(((qh >> e) & 1u) << 4);
        EXPECT_EQ(y0[e], float(q - 16) * 0.25f) << e;
        EXPECT_EQ(y1[e], float(q) * 0.25f + 1.0f) << e;
    }
}

TEST(KernelsRef, Q8_0KnownValues) {
    BlockQ8_0 b{};
    b.d = fp32_to_fp16(2.0f);
    for (int j = 0; j < 32; ++j) b.qs[j] = int8_t(j * 8 - 128);
    const auto y = dequant(GgmlType::q8_0, &b, 32);
    for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], float(j * 8 - 128) * 2.0f);
}

// Deterministic test pattern for 256 quants in [lo, hi] and 16 scales.
std::array<int, 256> pattern(int lo, int hi) {
    std::array<int, 256> q{};
    for (int e = 0; e < 256; ++e) q[e] = lo + (e * 37 + e / 7) % (hi - lo + 1);
    return q;
}

TEST(KernelsRef, Q2_KKnownValues) {
    const auto q = pattern(0, 3);
    BlockQ2_K b{};
    for (int g = 0; g < 16; ++g) b.scales[g] = uint8_t((g % 16) | (((15 - g) % 16) << 4));
    for (int j = 0; j < 256; j += 128)
        for (int l = 0; l < 32; ++l)
            b.qs[j / 4 + l] = uint8_t(q[j + l] | (q[j + l + 32] << 2) | (q[j + l + 64] << 4) | (q[j + l + 96] << 6));
    b.d = fp32_to_fp16(0.5f);
    b.dmin = fp32_to_fp16(0.25f);
    const auto y = dequant(GgmlType::q2_k, &b, 256);
    for (int e = 0; e < 256; ++e) {
        const int g = e / 16;
        EXPECT_EQ(y[e], 0.5f * float(g) * float(q[e]) - 0.25f * float(15 - g)) << e;
    }
}

TEST(KernelsRef, Q3_KKnownValues) {
    const auto q = pattern(-4, 3);
    std::array<int, 16> sc{};
    for (int g = 0; g < 16; ++g) sc[g] = (g * 11) % 64 - 32;  // 6-bit signed scales
    BlockQ3_K b{};
    int biased[256];
    for (int e = 0; e < 256; ++e) {
        biased[e] = q[e] + 4;
        if (biased[e] > 3) {
            b.hmask[e % 32] |= uint8_t(1u << (e / 32));
            biased[e] -= 4;
        }
    }
    for (int j = 0; j < 256; j += 128)
        for (int l = 0; l < 32; ++l)
            b.qs[j / 4 + l] = uint8_t(biased[j + l] | (biased[j + l + 32] << 2) | (biased[j + l + 64] << 4) |
                                      (biased[j + l + 96] << 6));
    for (int g = 0; g < 16; ++g) {
        const int l = sc[g] + 32;
        if (g < 8) b.scales[g] = uint8_t(l & 0xF);
        else b.scales[g - 8] |= uint8_t((l & 0xF) << 4);
        b.scales[g % 4 + 8] |= uint8_t((l >> 4) << (2 * (g / 4)));
    }
    b.d = fp32_to_fp16(0.125f);
    const auto y = dequant(GgmlType::q3_k, &b, 256);
    for (int e = 0; e < 256; ++e) EXPECT_EQ(y[e], 0.125f * float(sc[e / 16]) * float(q[e])) << e;
}

// ggml's q4_K/q5_K scale packing, written from the quantizer side.
void pack_k4_scales(const std::array<int, 8>& sc, const std::array<int, 8>& mn, uint8_t* s) {
    for (int j = 0; j < 8; ++j) {
        if (j < 4) {
            s[j] = uint8_t(sc[j]);
            s[j + 4] = uint8_t(mn[j]);
        } else {
            s[j + 4] = uint8_t((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
            s[j - 4] |= uint8_t((sc[j] >> 4) << 6);
            s[j] |= uint8_t((mn[j] >> 4) << 6);
        }
    }
}

const std::array<int, 8> kSc{63, 1, 17, 32, 48, 5, 60, 33};
const std::array<int, 8> kMn{0, 63, 31, 16, 47, 2, 59, 40};

TEST(KernelsRef, Q4_KKnownValues) {
    const auto q = pattern(0, 15);
    BlockQ4_K b{};
    pack_k4_scales(kSc, kMn, b.scales);
    for (int j = 0; j < 256; j += 64)
        for (int l = 0; l < 32; ++l) b.qs[j / 2 + l] = uint8_t(q[j + l] | (q[j + l + 32] << 4));
    b.d = fp32_to_fp16(0.5f);
    b.dmin = fp32_to_fp16(0.25f);
    const auto y = dequant(GgmlType::q4_k, &b, 256);
    for (int e = 0; e < 256; ++e)
        EXPECT_EQ(y[e], 0.5f * float(kSc[e / 32]) * float(q[e]) - 0.25f * float(kMn[e / 32])) << e;
}

TEST(KernelsRef, Q5_KKnownValues) {
    const auto q = pattern(0, 31);
    BlockQ5_K b{};
    pack_k4_scales(kSc, kMn, b.scales);
    uint8_t m1 = 1, m2 = 2;
    for (int n = 0; n < 256; n += 64) {
        for (int j = 0; j < 32; ++j) {
            int l1 = q[n + j], l2 = q[n + j + 32];
            if (l1 > 15) { l1 -= 16; b.qh[j] |= m1; }
            if (l2 > 15) { l2 -= 16; b.qh[j] |= m2; }
            b.qs[n / 2 + j] = uint8_t(l1 | (l2 << 4));
        }
        m1 = uint8_t(m1 << 2);
        m2 = uint8_t(m2 << 2);
    }
    b.d = fp32_to_fp16(0.5f);
    b.dmin = fp32_to_fp16(0.25f);
    const auto y = dequant(GgmlType::q5_k, &b, 256);
    for (int e = 0; e < 256; ++e)
        EXPECT_EQ(y[e], 0.5f * float(kSc[e / 32]) * float(q[e]) - 0.25f * float(kMn[e / 32])) << e;
}

TEST(KernelsRef, Q6_KKnownValues) {
    const auto q = pattern(-32, 31);
    BlockQ6_K b{};
    for (int g = 0; g < 16; ++g) b.scales[g] = int8_t(g * 17 - 128);
    for (int j = 0; j < 256; j += 128) {
        uint8_t* ql = b.ql + j / 2;
        uint8_t* qh = b.qh + j / 4;
        for (int l = 0; l < 32; ++l) {
            const int v1 = q[j + l] + 32, v2 = q[j + l + 32] + 32, v3 = q[j + l + 64] + 32, v4 = q[j + l + 96] + 32;
            ql[l] = uint8_t((v1 & 0xF) | ((v3 & 0xF) << 4));
            ql[l + 32] = uint8_t((v2 & 0xF) | ((v4 & 0xF) << 4));
            qh[l] = uint8_t((v1 >> 4) | ((v2 >> 4) << 2) | ((v3 >> 4) << 4) | ((v4 >> 4) << 6));
        }
    }
    b.d = fp32_to_fp16(0.0625f);
    const auto y = dequant(GgmlType::q6_k, &b, 256);
    for (int e = 0; e < 256; ++e) EXPECT_EQ(y[e], 0.0625f * float(b.scales[e / 16]) * float(q[e])) << e;
}

TEST(KernelsRef, FloatTypesDequantize) {
    const float v[3] = {1.5f, -0.0f, 65504.0f};
    const uint16_t h[3] = {0x3e00, 0x8000, 0x7bff};
    const uint16_t bf[3] = {0x3fc0, 0x8000, 0x477f};
    EXPECT_EQ(dequant(GgmlType::f32, v, 3), std::vector<float>(v, v + 3));
    const auto yh = dequant(GgmlType::f16, h, 3);
    const auto yb = dequant(GgmlType::bf16, bf, 3);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(std::bit_cast<uint32_t>(yh[i]), std::bit_cast<uint32_t>(v[i]));
        EXPECT_EQ(yb[i], bf16_to_fp32(bf[i]));
    }
    EXPECT_EQ(yb[0], 1.5f);
}

TEST(KernelsRef, EveryWeightTypeHasRefKernels) {
    for (GgmlType t : test::weight_types()) {
        const TypeKernels* k = type_kernels(t, Isa::ref);
        ASSERT_NE(k, nullptr) << ggml_type_name(t);
        EXPECT_NE(k->dequantize_row, nullptr);
        EXPECT_NE(k->quantize_act_row, nullptr);
        EXPECT_NE(k->vec_dot, nullptr);
    }
    EXPECT_EQ(type_kernels(GgmlType::iq2_xxs, Isa::ref), nullptr);
    EXPECT_EQ(type_kernels(GgmlType::q4_k, Isa::ref)->act_type, GgmlType::q8_k);
    EXPECT_EQ(type_kernels(GgmlType::q4_1, Isa::ref)->act_type, GgmlType::q8_1);
    EXPECT_EQ(type_kernels(GgmlType::q5_0, Isa::ref)->act_type, GgmlType::q8_0);
    EXPECT_EQ(type_kernels(GgmlType::f16, Isa::ref)->act_type, GgmlType::f16);
}

}  // namespace
}  // namespace hearth::kernels
