// The graph's element-wise ops and attention against straightforward double-precision formulas.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/ref/f16.hpp"
#include "ops/attention.hpp"
#include "ops/elementwise.hpp"
#include "ops/rope.hpp"

namespace hearth::ops {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

TEST(Ops, RmsNormMatchesFormula) {
    for (size_t n : {1u, 7u, 64u, 257u}) {
        const auto x = random_vector(n, 1), w = random_vector(n, 2);
        std::vector<float> y(n);
        rmsnorm(x.data(), w.data(), y.data(), n, 1e-5f);
        double ss = 0;
        for (float v : x) ss += double(v) * v;
        const double inv = 1.0 / std::sqrt(ss / double(n) + 1e-5);
        for (size_t i = 0; i < n; ++i) EXPECT_NEAR(y[i], x[i] * inv * w[i], 1e-5 * std::fabs(x[i] * inv * w[i]) + 1e-7) << n;
    }
}

TEST(Ops, SiluMulMatchesFormula) {
    const auto g = random_vector(100, 3, 4.0f), u = random_vector(100, 4);  // 96 polynomial-exp lanes + 4 libm
    std::vector<float> y = g;
    silu_mul(y.data(), u.data(), y.size());
    for (size_t i = 0; i < g.size(); ++i) {
        const double want = g[i] / (1.0 + std::exp(-double(g[i]))) * u[i];
        EXPECT_NEAR(y[i], want, 4e-7 * std::fabs(want) + 1e-30) << i;
    }
    float big[16] = {-200.f, 200.f, 0.f, -0.f, 1.f, -1.f, 88.f, -88.f, 10.f, -10.f, 0.5f, -0.5f, 30.f, -30.f, 3.f, -3.f};
    float ones[16];
    std::fill(ones, ones + 16, 1.0f);
    silu_mul(big, ones, 16);
    EXPECT_EQ(big[0], -0.0f);  // e^200 overflows to inf: -200 / inf
    EXPECT_EQ(big[1], 200.0f);
    EXPECT_EQ(big[2], 0.0f);
}

// Rotating by position p then reading the pair back gives the textbook angle p * base^(-2i/n_rot).
TEST(Ops, RopePairsAndAngles) {
    for (RopeStyle style : {RopeStyle::normal, RopeStyle::neox}) {
        RopeParams p;
        p.n_rot = 8;
        p.head_dim = 10;  // the last two dimensions are not rotated
        p.style = style;
        p.freq_base = 10000.0f;
        std::vector<float> cs(p.n_rot);
        rope_angles(p, 3, cs.data());
        for (size_t i = 0; i < p.n_rot / 2; ++i) {
            std::vector<float> x(p.head_dim, 0.0f);
            const size_t a = style == RopeStyle::normal ? 2 * i : i;
            const size_t b = style == RopeStyle::normal ? 2 * i + 1 : i + p.n_rot / 2;
            x[a] = 1.0f;
            x[8] = 5.0f;
            rope_apply(p, cs.data(), x.data(), 1);
            const double theta = 3.0 * std::pow(10000.0, -2.0 * double(i) / 8.0);
            EXPECT_NEAR(x[a], std::cos(theta), 1e-6);
            EXPECT_NEAR(x[b], std::sin(theta), 1e-6);
            EXPECT_EQ(x[8], 5.0f);
        }
    }
}

TEST(Ops, RopeFreqFactorsDivideTheAngle) {
    RopeParams p;
    p.n_rot = 4;
    p.head_dim = 4;
    const float factors[2] = {1.0f, 8.0f};
    p.freq_factors = factors;
    std::vector<float> with(4), without(4);
    rope_angles(p, 5, with.data());
    p.freq_factors = nullptr;
    rope_angles(p, 5, without.data());
    EXPECT_EQ(with[0], without[0]);
    EXPECT_NEAR(std::atan2(with[3], with[2]), std::atan2(without[3], without[2]) / 8.0, 1e-6);
}

TEST(Ops, DotF16MatchesDouble) {
    for (size_t n : {1u, 8u, 63u, 64u, 65u, 128u, 200u}) {
        const auto a = random_vector(n, 5), b = random_vector(n, 6);
        std::vector<uint16_t> ha(n), hb(n);
        double want = 0;
        for (size_t i = 0; i < n; ++i) {
            ha[i] = kernels::fp32_to_fp16(a[i]);
            hb[i] = kernels::fp32_to_fp16(b[i]);
            want += double(kernels::fp16_to_fp32(ha[i])) * kernels::fp16_to_fp32(hb[i]);
        }
        EXPECT_NEAR(dot_f16(ha.data(), hb.data(), n), want, 1e-5 * std::sqrt(double(n))) << n;
    }
}

// attend_head against softmax(q·k * scale)·v in double; the f16 accumulator allows ~1e-3.
TEST(Ops, AttentionMatchesSoftmaxFormula) {
    const size_t d = 64, n_kv = 37;
    const auto q = random_vector(d, 7), k = random_vector(n_kv * d, 8), v = random_vector(n_kv * d, 9);
    std::vector<uint16_t> hk(k.size()), hv(v.size()), q16(d), acc(d);
    for (size_t i = 0; i < k.size(); ++i) {
        hk[i] = kernels::fp32_to_fp16(k[i]);
        hv[i] = kernels::fp32_to_fp16(v[i]);
    }
    const float scale = 1.0f / 8.0f;
    std::vector<float> out(d);
    attend_head(q.data(), {hk.data(), d, hv.data(), d}, n_kv, d, scale, {q16.data(), acc.data()}, out.data());

    std::vector<double> s(n_kv);
    double max = -1e300, sum = 0;
    for (size_t p = 0; p < n_kv; ++p) {
        for (size_t i = 0; i < d; ++i) s[p] += double(q[i]) * kernels::fp16_to_fp32(hk[p * d + i]);
        s[p] *= scale;
        max = std::max(max, s[p]);
    }
    for (double& x : s) sum += (x = std::exp(x - max));
    for (size_t i = 0; i < d; ++i) {
        double want = 0;
        for (size_t p = 0; p < n_kv; ++p) want += s[p] / sum * kernels::fp16_to_fp32(hv[p * d + i]);
        EXPECT_NEAR(out[i], want, 2e-3) << i;
    }

    // One position: the output is that position's value.
    attend_head(q.data(), {hk.data(), d, hv.data(), d}, 1, d, scale, {q16.data(), acc.data()}, out.data());
    for (size_t i = 0; i < d; ++i) EXPECT_EQ(out[i], kernels::fp16_to_fp32(hv[i]));
}

// The tiled kernel (f32 query and accumulator, softmax per 64-position tile) over three tiles.
TEST(Ops, TiledAttentionMatchesSoftmaxFormula) {
    const size_t d = 32, n_kv = 150;
    const auto q = random_vector(d, 10), k = random_vector(n_kv * d, 11), v = random_vector(n_kv * d, 12);
    std::vector<uint16_t> hk(k.size()), hv(v.size());
    for (size_t i = 0; i < k.size(); ++i) {
        hk[i] = kernels::fp32_to_fp16(k[i]);
        hv[i] = kernels::fp32_to_fp16(v[i]);
    }
    std::vector<float> scores(kAttentionTileKv), acc(d), out(d);
    const float scale = 0.3f;
    attend_head_tiled(q.data(), {hk.data(), d, hv.data(), d}, n_kv, d, scale, {scores.data(), acc.data()}, out.data());
    std::vector<double> s(n_kv);
    double max = -1e300, sum = 0;
    for (size_t p = 0; p < n_kv; ++p) {
        for (size_t i = 0; i < d; ++i) s[p] += double(q[i]) * kernels::fp16_to_fp32(hk[p * d + i]);
        max = std::max(max, s[p] *= scale);
    }
    for (double& x : s) sum += (x = std::exp(x - max));
    for (size_t i = 0; i < d; ++i) {
        double want = 0;
        for (size_t p = 0; p < n_kv; ++p) want += s[p] / sum * kernels::fp16_to_fp32(hv[p * d + i]);
        EXPECT_NEAR(out[i], want, 1e-5) << i;
    }
}

}  // namespace
}  // namespace hearth::ops

namespace hearth::ops {
namespace {

// llama.cpp's GELU table is built with 1 + 0.044715 x^2 as one FMA (its CPU backend is compiled
// with contraction). Unfused, the entry of x = -1.99902 (f16 0xbfff) comes out one f16 step
// higher (-0.0454712); llama.cpp's table holds -0.0455017 (read from its zen4 build's
// ggml_table_gelu_f16, where all other entries in (-10, 10) already agreed).
TEST(Ops, GeluTableEntryThatNeedsTheFma) {
    float x = kernels::fp16_to_fp32(0xbfff);
    gelu(&x, 1);
    EXPECT_EQ(kernels::fp32_to_fp16(x), kernels::fp32_to_fp16(-0.0455017f));
    EXPECT_NE(kernels::fp32_to_fp16(x), kernels::fp32_to_fp16(-0.0454712f));
}

}  // namespace
}  // namespace hearth::ops
