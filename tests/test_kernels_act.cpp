// Activation quantizers q8_0 / q8_1 / q8_K: exact rounding rules (ties to even, 127/amax, the
// signed q8_K scale), zero blocks, and the round-trip error bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/ref/blocks.hpp"
#include "test_kernels_support.hpp"

namespace hearth::kernels {
namespace {

TEST(KernelsAct, Q8_0RoundsTiesToEven) {
    float x[32] = {127.0f, 2.5f, 3.5f, -2.5f, -0.5f, 0.5f, 1.5f, -127.0f};
    BlockQ8_0 b;
    ref::quantize_row_q8_0(x, reinterpret_cast<std::byte*>(&b), 32);
    EXPECT_EQ(fp16_to_fp32(b.d), 1.0f);
    const int want[8] = {127, 2, 4, -2, 0, 0, 2, -127};
    for (int j = 0; j < 8; ++j) EXPECT_EQ(b.qs[j], want[j]) << j;
    for (int j = 8; j < 32; ++j) EXPECT_EQ(b.qs[j], 0);
}

TEST(KernelsAct, Q8_1StoresScaledSum) {
    float x[32];
    for (int j = 0; j < 32; ++j) x[j] = float(j) - 10.0f;  // amax 21
    BlockQ8_1 b;
    ref::quantize_row_q8_1(x, reinterpret_cast<std::byte*>(&b), 32);
    int sum = 0;
    for (int j = 0; j < 32; ++j) sum += b.qs[j];
    EXPECT_EQ(b.qs[31], 127);
    EXPECT_EQ(b.s, fp32_to_fp16(21.0f / 127.0f * float(sum)));
}

TEST(KernelsAct, Q8_KUsesSignedScale) {
    std::vector<float> x(256, 0.0f);
    x[0] = -127.0f;  // largest magnitude is negative -> iscale = +1
    x[1] = 2.5f;
    x[2] = 127.0f;
    x[17] = -3.5f;
    BlockQ8_K b;
    ref::quantize_row_q8_K(x.data(), reinterpret_cast<std::byte*>(&b), 256);
    EXPECT_EQ(b.d, 1.0f);
    EXPECT_EQ(b.qs[0], -127);
    EXPECT_EQ(b.qs[1], 2);
    EXPECT_EQ(b.qs[2], 127);
    EXPECT_EQ(b.qs[17], -4);
    EXPECT_EQ(b.bsums[0], -127 + 2 + 127);
    EXPECT_EQ(b.bsums[1], -4);

    x[0] = 127.0f;  // now positive -> iscale = -1, d = -1: stored quants flip sign
    ref::quantize_row_q8_K(x.data(), reinterpret_cast<std::byte*>(&b), 256);
    EXPECT_EQ(b.d, -1.0f);
    EXPECT_EQ(b.qs[0], -127);
    EXPECT_EQ(b.qs[1], -2);
    EXPECT_EQ(b.qs[17], 4);
}

TEST(KernelsAct, ZeroBlocks) {
    std::vector<float> x(256, 0.0f);
    BlockQ8_K k;
    std::memset(&k, 0x55, sizeof k);
    ref::quantize_row_q8_K(x.data(), reinterpret_cast<std::byte*>(&k), 256);
    EXPECT_EQ(k.d, 0.0f);
    for (int j = 0; j < 256; ++j) EXPECT_EQ(k.qs[j], 0);
    for (int j = 0; j < 16; ++j) EXPECT_EQ(k.bsums[j], 0);
    BlockQ8_0 b;
    ref::quantize_row_q8_0(x.data(), reinterpret_cast<std::byte*>(&b), 32);
    EXPECT_EQ(b.d, 0);
    for (int j = 0; j < 32; ++j) EXPECT_EQ(b.qs[j], 0);
}

TEST(KernelsAct, RoundTripErrorBound) {
    std::mt19937 rng(3);
    for (size_t blocks : {1u, 3u, 17u, 33u}) {
        const size_t n = blocks * 256;
        auto x = test::random_floats(n, rng, -3.0f, 3.0f);
        std::vector<std::byte> q0(test::row_bytes(GgmlType::q8_0, n)), qk(test::row_bytes(GgmlType::q8_k, n));
        ref::quantize_row_q8_0(x.data(), q0.data(), n);
        ref::quantize_row_q8_K(x.data(), qk.data(), n);
        const auto y0 = test::expand_act(GgmlType::q8_0, q0.data(), n);
        const auto yk = test::expand_act(GgmlType::q8_k, qk.data(), n);
        for (size_t b = 0; b < n / 32; ++b) {
            float amax = 0;
            for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
            // half a step, plus what the fp16 rounding of d moves the largest quant (2^-11 relative)
            const float tol = 0.5f * amax / 127.0f + amax * 0x1p-11f;
            for (size_t j = 0; j < 32; ++j) ASSERT_LE(std::fabs(y0[b * 32 + j] - x[b * 32 + j]), tol);
        }
        for (size_t b = 0; b < n / 256; ++b) {
            float amax = 0;
            for (size_t j = 0; j < 256; ++j) amax = std::max(amax, std::fabs(x[b * 256 + j]));
            for (size_t j = 0; j < 256; ++j)
                ASSERT_LE(std::fabs(yk[b * 256 + j] - x[b * 256 + j]), 0.5001f * amax / 127.0f);
        }
    }
}

}  // namespace
}  // namespace hearth::kernels
