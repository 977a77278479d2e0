// The per-position scores behind `hearth perplexity` (hearth/perplexity.hpp) on rows whose
// answers are known in closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hearth/perplexity.hpp"

namespace hearth {
namespace {

TEST(PerplexityMath, UniformRowCostsLogOfTheVocabulary) {
    const std::vector<float> row(512, 3.5f);
    EXPECT_NEAR(token_nll(row, 7), std::log(512.0), 1e-9);
}

TEST(PerplexityMath, NllIsMinusTheLogSoftmax) {
    const std::vector<float> row = {1.0f, 2.0f, 4.0f};
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(4.0);
    EXPECT_NEAR(token_nll(row, 0), std::log(z) - 1.0, 1e-6);
    EXPECT_NEAR(token_nll(row, 2), std::log(z) - 4.0, 1e-6);
}

TEST(PerplexityMath, KlOfTwoKnownDistributions) {
    // p = (1/2, 1/2), q = (1/4, 3/4) as logits: KL(p||q) = 1/2 ln 2 + 1/2 ln(2/3).
    const std::vector<float> p = {0.0f, 0.0f}, q = {0.0f, static_cast<float>(std::log(3.0))};
    EXPECT_NEAR(kl_divergence(p, q), 0.5 * std::log(2.0) + 0.5 * std::log(2.0 / 3.0), 1e-7);
    EXPECT_EQ(kl_divergence(q, q), 0.0);
    // Shifting every logit changes no probability.
    const std::vector<float> shifted = {5.0f, 5.0f};
    EXPECT_NEAR(kl_divergence(p, shifted), 0.0, 1e-12);
}

TEST(PerplexityMath, StatsReportExpMeanAndItsError) {
    NllStats s;
    for (double v : {1.0, 2.0, 3.0}) s.add(v);
    EXPECT_DOUBLE_EQ(s.mean(), 2.0);
    EXPECT_DOUBLE_EQ(s.ppl(), std::exp(2.0));
    // Population variance 2/3, over n - 1 = 2: sqrt(1/3).
    EXPECT_NEAR(s.ppl_error(), std::exp(2.0) * std::sqrt(1.0 / 3.0), 1e-12);
}

TEST(PerplexityMath, PercentileInterpolatesBetweenSortedValues) {
    DivergenceStats d;
    d.kl = {4.0f, 0.0f, 2.0f, 1.0f, 3.0f};
    d.same_top = 4;
    EXPECT_DOUBLE_EQ(d.kl_percentile(0.5), 2.0);
    EXPECT_DOUBLE_EQ(d.kl_percentile(0.99), 3.96);
    EXPECT_DOUBLE_EQ(d.kl_percentile(1.0), 4.0);
    EXPECT_DOUBLE_EQ(d.mean_kl(), 2.0);
    EXPECT_DOUBLE_EQ(d.top1_agreement(), 0.8);
}

}  // namespace
}  // namespace hearth
