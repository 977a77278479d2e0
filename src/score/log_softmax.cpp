// Per-position scores: negative log-likelihood and KL divergence of softmax rows.
#include <algorithm>
#include <cmath>

#include "hearth/perplexity.hpp"

namespace hearth {
namespace {

// max and log(sum exp(l - max)): the float differences are exponentiated as llama.cpp does
// (expf of a float), the sum kept in double.
struct LogSumExp {
    float max;
    double log_sum;
};

LogSumExp log_sum_exp(std::span<const float> logits) {
    const float max = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits) sum += std::exp(l - max);
    return {max, std::log(sum)};
}

}  // namespace

double token_nll(std::span<const float> logits, TokenId target) {
    const LogSumExp lse = log_sum_exp(logits);
    return lse.log_sum - static_cast<double>(logits[static_cast<size_t>(target)] - lse.max);
}

double kl_divergence(std::span<const float> base_logits, std::span<const float> logits) {
    const LogSumExp b = log_sum_exp(base_logits), m = log_sum_exp(logits);
    double kl = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
        const double log_p = double(base_logits[i] - b.max) - b.log_sum;
        const double log_q = double(logits[i] - m.max) - m.log_sum;
        kl += std::exp(log_p) * (log_p - log_q);
    }
    return kl;
}

}  // namespace hearth
