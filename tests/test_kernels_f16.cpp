// fp16/bf16 conversions: exhaustive round trips, rounding ties, specials, and (when the CPU has
// F16C) agreement with the hardware converter on random bit patterns.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "kernels/ref/f16.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hearth::kernels {
namespace {

bool is_nan_half(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; }

TEST(KernelsF16, EveryHalfRoundTrips) {
    for (uint32_t i = 0; i < 65536; ++i) {
        const uint16_t h = uint16_t(i);
        const float f = fp16_to_fp32(h);
        if (is_nan_half(h)) {
            EXPECT_TRUE(std::isnan(f)) << i;
            EXPECT_EQ(fp32_to_fp16(f), uint16_t(h | 0x200)) << i;  // quieted, payload kept
        } else {
            ASSERT_EQ(fp32_to_fp16(f), h) << i;
        }
    }
}

TEST(KernelsF16, KnownValuesAndTies) {
    EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
    EXPECT_EQ(fp16_to_fp32(0x0001), 0x1p-24f);
    EXPECT_EQ(fp16_to_fp32(0x7c00), INFINITY);
    EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
    EXPECT_EQ(fp32_to_fp16(65519.99f), 0x7bff);
    EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);
    EXPECT_EQ(fp32_to_fp16(-1e10f), 0xfc00);
    EXPECT_EQ(fp32_to_fp16(1.0f + 0x1p-11f), 0x3c00);               // tie -> even (down)
    EXPECT_EQ(fp32_to_fp16(1.0f + 3 * 0x1p-11f), 0x3c02);           // tie -> even (up)
    EXPECT_EQ(fp32_to_fp16(0x1p-25f), 0x0000);                      // subnormal tie -> 0
    EXPECT_EQ(fp32_to_fp16(3 * 0x1p-25f), 0x0002);                  // subnormal tie -> even
    EXPECT_EQ(fp32_to_fp16(0x1p-14f - 0x1p-26f), 0x0400);           // rounds up into the normals
    EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
    EXPECT_EQ(fp32_to_fp16(1e-30f), 0x0000);
}

TEST(KernelsF16, Bf16Conversions) {
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie -> even
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x00018000u)), 0x0002);  // subnormals round, no flush
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x7f800001u)), 0x7fc0);  // signalling NaN -> quiet
    EXPECT_EQ(fp32_to_bf16(INFINITY), 0x7f80);
    for (uint32_t i = 0; i < 65536; ++i) {
        const uint16_t h = uint16_t(i);
        const float f = bf16_to_fp32(h);
        if (std::isnan(f)) EXPECT_EQ(fp32_to_bf16(f), uint16_t(h | 0x40));
        else ASSERT_EQ(fp32_to_bf16(f), h) << i;
    }
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) uint16_t hw_to_half(float f) { return uint16_t(_cvtss_sh(f, 0)); }
__attribute__((target("f16c"))) float hw_from_half(uint16_t h) { return _cvtsh_ss(h); }

TEST(KernelsF16, MatchesF16cHardware) {
    if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C";
    std::mt19937 rng(7);
    for (int i = 0; i < 1000000; ++i) {
        // Random exponents around the half range exercise subnormals, normals and overflow.
        const uint32_t bits = rng();
        const float f = std::bit_cast<float>((bits & 0x807fffffu) | ((100u + (bits >> 24) % 60u) << 23));
        ASSERT_EQ(fp32_to_fp16(f), hw_to_half(f)) << std::hex << std::bit_cast<uint32_t>(f);
    }
    for (uint32_t i = 0; i < 65536; ++i) {
        const float a = fp16_to_fp32(uint16_t(i)), b = hw_from_half(uint16_t(i));
        ASSERT_EQ(std::bit_cast<uint32_t>(a), std::bit_cast<uint32_t>(b)) << i;
    }
    const float nan = std::bit_cast<float>(0x7fa12345u);
    EXPECT_EQ(fp32_to_fp16(nan), hw_to_half(nan));
}
#endif

}  // namespace
}  // namespace hearth::kernels
