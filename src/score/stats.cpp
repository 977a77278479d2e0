// Aggregates of per-position scores (see hearth/perplexity.hpp).
#include <algorithm>
#include <cmath>

#include "hearth/perplexity.hpp"

namespace hearth {

void NllStats::add(double nll) noexcept {
    sum += nll;
    sum_sq += nll * nll;
    ++count;
}

double NllStats::mean() const noexcept { return count ? sum / double(count) : 0.0; }

double NllStats::ppl() const noexcept { return std::exp(mean()); }

double NllStats::ppl_error() const noexcept {
    if (count < 2) return 0.0;
    const double m = mean(), var = std::max(0.0, sum_sq / double(count) - m * m);
    // Standard error of the mean, carried through exp() to first order: ppl * sd / sqrt(n - 1).
    return ppl() * std::sqrt(var / double(count - 1));
}

double DivergenceStats::mean_kl() const noexcept {
    double s = 0;
    for (float v : kl) s += v;
    return kl.empty() ? 0.0 : s / double(kl.size());
}

double DivergenceStats::kl_percentile(double fraction) const {
    if (kl.empty()) return 0.0;
    std::vector<float> sorted = kl;
    std::sort(sorted.begin(), sorted.end());
    const double at = std::clamp(fraction, 0.0, 1.0) * double(sorted.size() - 1);
    const size_t lo = static_cast<size_t>(at), hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (at - double(lo)) * (double(sorted[hi]) - sorted[lo]);
}

double DivergenceStats::top1_agreement() const noexcept {
    return kl.empty() ? 0.0 : double(same_top) / double(kl.size());
}

}  // namespace hearth
