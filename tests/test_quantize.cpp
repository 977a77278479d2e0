// Weight quantizers: dequantize(quantize(x)) must be close to x for every output type, with
// error bounds that reflect each format's bits, and degenerate blocks must stay finite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "hearth/error.hpp"
#include "kernels/kernels.hpp"
#include "quantize/quantize.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

struct Case {
    GgmlType type;
    double max_rel_rms;  // rms(error) / rms(x) allowed for Gaussian data
};

std::vector<float> round_trip(GgmlType t, const std::vector<float>& x, size_t n_cols, const float* importance = nullptr) {
    const size_t rows = x.size() / n_cols;
    std::vector<std::byte> q(rows * *ggml_row_bytes(t, n_cols));
    quant::quantize_rows(t, x.data(), q.data(), rows, n_cols, importance);
    const kernels::TypeKernels* k = kernels::type_kernels(t, kernels::Isa::ref);
    EXPECT_NE(k, nullptr);
    std::vector<float> y(x.size());
    const size_t row_bytes = *ggml_row_bytes(t, n_cols);
    for (size_t r = 0; r < rows; ++r) k->dequantize_row(q.data() + r * row_bytes, y.data() + r * n_cols, n_cols);
    return y;
}

TEST(Quantize, GaussianRoundTripErrorPerType) {
    // Bounds: a b-bit uniform quantizer of a Gaussian has relative RMS error around 2^-b * 1.5..3.
    const Case cases[] = {
        {GgmlType::f32, 0.0},      {GgmlType::f16, 1e-3},   {GgmlType::bf16, 5e-3},  {GgmlType::q8_0, 0.01},
        {GgmlType::q6_k, 0.035},   {GgmlType::q5_0, 0.07},  {GgmlType::q5_1, 0.06},  {GgmlType::q5_k, 0.06},
        {GgmlType::q4_0, 0.14},    {GgmlType::q4_1, 0.12},  {GgmlType::q4_k, 0.11},  {GgmlType::q3_k, 0.22},
        {GgmlType::q2_k, 0.42},
    };
    std::mt19937 rng(7);
    std::normal_distribution<float> g(0.0f, 0.02f);
    const size_t n_cols = 512;
    std::vector<float> x(4 * n_cols);
    for (float& v : x) v = g(rng);
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(ggml_type_name(c.type)));
        auto y = round_trip(c.type, x, n_cols);
        EXPECT_LE(test::rel_rms(x, y), c.max_rel_rms);
    }
}

TEST(Quantize, KQuantsBeatLegacyAtSameBits) {
    std::mt19937 rng(11);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> x(8 * 256);
    for (float& v : x) v = g(rng) * (1.0f + 3.0f * (rng() % 16 == 0));  // a few outliers
    EXPECT_LT(test::rel_rms(x, round_trip(GgmlType::q4_k, x, 256)), test::rel_rms(x, round_trip(GgmlType::q4_0, x, 256)));
}

// Fewer bits, more error: each K-quant is strictly better than the one with a bit less, on data
// with outliers too, so a layout slip (a level or scale in the wrong place) cannot hide.
TEST(Quantize, KQuantErrorFallsWithEachBit) {
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> x(16 * 256);
    for (float& v : x) v = g(rng) * (1.0f + 4.0f * (rng() % 32 == 0));
    double previous = 1.0;
    for (GgmlType t : {GgmlType::q2_k, GgmlType::q3_k, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k}) {
        const double e = test::rel_rms(x, round_trip(t, x, 256));
        EXPECT_LT(e, previous * 0.75) << ggml_type_name(t);
        previous = e;
    }
}

// Every level of the 2- and 3-bit formats is reachable: a ramp through a block must decode to as
// many distinct values per 16-element group as the format has levels. The ramp spans [-1, 0.75],
// the shape of Q3_K's levels -4..3 (a symmetric ramp would rightly leave -4 unused).
TEST(Quantize, LowBitKQuantsUseEveryLevel) {
    std::vector<float> x(256);
    for (size_t i = 0; i < x.size(); ++i) x[i] = -1.0f + 1.75f * static_cast<float>(i % 16) / 15.0f;
    for (auto [t, levels] : {std::pair{GgmlType::q2_k, 4u}, std::pair{GgmlType::q3_k, 8u}}) {
        const auto y = round_trip(t, x, 256);
        for (size_t group = 0; group < 16; ++group) {
            std::vector<float> v(y.begin() + 16 * group, y.begin() + 16 * group + 16);
            std::sort(v.begin(), v.end());
            EXPECT_EQ(std::unique(v.begin(), v.end()) - v.begin(), levels) << ggml_type_name(t) << " group " << group;
        }
    }
}

TEST(Quantize, DegenerateBlocksStayFinite) {
    const size_t n = 256;
    std::vector<std::vector<float>> inputs = {
        std::vector<float>(n, 0.0f), std::vector<float>(n, 3.5f), std::vector<float>(n, -1e-30f), std::vector<float>(n, 1e4f)};
    inputs.back()[17] = -6e4f;
    // Importance: none, all zero (columns a calibration text never reached), one column only.
    std::vector<float> zero_importance(n, 0.0f), one_column(n, 0.0f);
    one_column[3] = 5.0f;
    for (GgmlType t : {GgmlType::q8_0, GgmlType::q4_0, GgmlType::q4_1, GgmlType::q5_0, GgmlType::q5_1, GgmlType::q2_k,
                       GgmlType::q3_k, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k}) {
        for (const float* importance : std::initializer_list<const float*>{nullptr, zero_importance.data(), one_column.data()}) {
            for (const auto& x : inputs) {
                auto y = round_trip(t, x, n, importance);
                for (float v : y) ASSERT_TRUE(std::isfinite(v)) << ggml_type_name(t);
            }
            auto zeros = round_trip(t, inputs[0], n, importance);
            for (float v : zeros) EXPECT_EQ(v, 0.0f) << ggml_type_name(t);
        }
    }
}

// Σ importance[col] * (x - y)²: the error an importance matrix asks the quantizer to minimise
// (what the matmul output loses when its inputs have these mean squares).
double weighted_error(const std::vector<float>& x, const std::vector<float>& y, const std::vector<float>& importance) {
    double e = 0;
    for (size_t i = 0; i < x.size(); ++i) e += importance[i % importance.size()] * (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    return e;
}

// With skewed column importances (log-normal, as real activations are: a few columns carry most
// of the energy), the weighted fit must lose less of what matters than the unweighted one, for
// every type that takes an importance matrix.
TEST(Quantize, ImportanceLowersTheWeightedError) {
    std::mt19937 rng(23);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const size_t n_cols = 512, rows = 16;
    std::vector<float> x(rows * n_cols), importance(n_cols);
    for (float& v : x) v = 0.02f * g(rng) * (1.0f + 3.0f * (rng() % 32 == 0));
    for (float& v : importance) v = std::exp(2.0f * g(rng));
    for (GgmlType t : {GgmlType::q4_0, GgmlType::q4_1, GgmlType::q5_0, GgmlType::q5_1, GgmlType::q2_k, GgmlType::q3_k,
                       GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k}) {
        ASSERT_TRUE(quant::uses_importance(t));
        const double plain = weighted_error(x, round_trip(t, x, n_cols), importance);
        const double weighted = weighted_error(x, round_trip(t, x, n_cols, importance.data()), importance);
        std::printf("[importance] %-5s weighted error %.4g -> %.4g (%.0f%%)\n", std::string(ggml_type_name(t)).c_str(), plain,
                    weighted, 100.0 * weighted / plain);
        EXPECT_LT(weighted, plain) << ggml_type_name(t);
    }
    EXPECT_FALSE(quant::uses_importance(GgmlType::q8_0));
}

// The block fits' quality on rows of 256-multiples (Gaussian with a few outliers), without and
// with an importance matrix. The bounds are the errors of the previous fit (which evaluated every
// candidate scale with re-rounded levels) plus 0.5 %: a faster fit must not quantize worse.
TEST(Quantize, KQuantFitErrorStaysAtItsBest) {
    struct Bound {
        GgmlType type;
        double rel_rms, weighted;  // weighted: Σ imp (x - y)² / Σ imp x²
    };
    const Bound bounds[] = {
        {GgmlType::q2_k, 0.301559, 0.0587617}, {GgmlType::q3_k, 0.179186, 0.0241473}, {GgmlType::q4_k, 0.085536, 0.00497836},
        {GgmlType::q5_k, 0.042713, 0.00145959}, {GgmlType::q6_k, 0.022652, 0.000435523},
    };
    std::mt19937 rng(41);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const size_t n_cols = 768, rows = 64;
    std::vector<float> x(rows * n_cols), importance(n_cols);
    for (float& v : x) v = 0.02f * g(rng) * (1.0f + 4.0f * (rng() % 64 == 0));
    for (float& v : importance) v = std::exp(1.5f * g(rng));
    std::vector<float> zeros(x.size(), 0.0f);
    const double weighted_norm = weighted_error(x, zeros, importance);
    for (const Bound& b : bounds) {
        const std::string name(ggml_type_name(b.type));
        const double rel = test::rel_rms(x, round_trip(b.type, x, n_cols));
        const double weighted = weighted_error(x, round_trip(b.type, x, n_cols, importance.data()), importance) / weighted_norm;
        std::printf("[fit] %-5s relative RMS error %.6f, weighted relative error %.6g\n", name.c_str(), rel, weighted);
        EXPECT_LE(rel, b.rel_rms * 1.005) << name;
        EXPECT_LE(weighted, b.weighted * 1.005) << name;
    }
}

TEST(Quantize, RejectsBadInput) {
    std::vector<float> x(32);
    std::vector<std::byte> out(1024);
    EXPECT_THROW(quant::quantize_rows(GgmlType::iq2_xxs, x.data(), out.data(), 1, 32), Error);
    EXPECT_THROW(quant::quantize_rows(GgmlType::q4_k, x.data(), out.data(), 1, 32), Error);
}

}  // namespace
}  // namespace hearth
