// Weighted least-squares scale search for the weight quantizers (see block_fit.hpp).
#include "quantize/block_fit.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::quant {

namespace {

// std::lround's result (halves away from zero) for |v| < 2^22, without its library call, which
// took a quarter of a 1B model's Q4_K_M quantization: there the truncation and v - trunc(v) are
// exact, so comparing the fraction with 0.5 decides exactly as lround does (checked for every
// float). Branch-free, so the fitting loops vectorize.
[[gnu::always_inline]] inline int round_small(float v) {
    const int t = static_cast<int>(v);
    const float frac = v - static_cast<float>(t);
    return t + (frac >= 0.5f) - (frac <= -0.5f);
}

// Clamping v first keeps it small (and maps NaN to lo, as lround's LONG_MIN clamped would).
[[gnu::always_inline]] inline int clamp_round(float v, int lo, int hi) {
    const float c = std::fmin(std::fmax(v, static_cast<float>(lo - 1)), static_cast<float>(hi + 1));
    return std::clamp(round_small(c), lo, hi);
}

}  // namespace

double mean_square(const float* x, size_t n) {
    double sum2 = 0;
    for (size_t i = 0; i < n; ++i) sum2 += double(x[i]) * x[i];
    return sum2 / double(n);
}

int nearest(float v) { return std::fabs(v) < 4194304.0f ? round_small(v) : static_cast<int>(std::lround(v)); }

float signed_absmax(const float* x, size_t n) {
    float amax = 0, max = 0;
    for (size_t i = 0; i < n; ++i)
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    return max;
}

float quantize_scales(const float* v, size_t n, int nmax, uint8_t* levels) {
    const float max = *std::max_element(v, v + n), inv = max > 0 ? static_cast<float>(nmax) / max : 0.0f;
    for (size_t i = 0; i < n; ++i) levels[i] = static_cast<uint8_t>(std::min(nmax, nearest(inv * v[i])));
    return max / static_cast<float>(nmax);
}

void importance_weights(const float* x, size_t n, float* w) {
    const float rms = static_cast<float>(std::sqrt(mean_square(x, n)));
    for (size_t i = 0; i < n; ++i) w[i] = rms + std::fabs(x[i]);
}


void imatrix_weights(const float* x, const ValueImportance& imp, size_t n, float* w) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
        w[i] = imp.raw ? imp.qw[i] : imp.qw[i] * std::sqrt(imp.sigma2 + x[i] * x[i]);
        total += w[i];
    }
    if (!(total > 0)) importance_weights(x, n, w);
}

float quantize_scales_weighted(const float* v, const float* sw, size_t n, int nmax, uint8_t* levels) {
    const float max = *std::max_element(v, v + n);
    if (!(max > 0)) {
        std::fill(levels, levels + n, uint8_t{0});
        return 0;
    }
    float best_inv = static_cast<float>(nmax) / max;
    double best_err = INFINITY;
    for (int step = -4; step <= 4; ++step) {
        const float inv = (static_cast<float>(nmax) + 0.1f * step) / max;
        double err = 0;
        for (size_t i = 0; i < n; ++i) {
            const double d = v[i] - clamp_round(inv * v[i], 0, nmax) / double(inv);
            err += sw[i] * d * d;
        }
        if (err < best_err) {
            best_err = err;
            best_inv = inv;
        }
    }
    double svl = 0, sll = 0;
    for (size_t i = 0; i < n; ++i) {
        levels[i] = static_cast<uint8_t>(clamp_round(best_inv * v[i], 0, nmax));
        svl += double(sw[i]) * v[i] * levels[i];
        sll += double(sw[i]) * levels[i] * levels[i];
    }
    return sll > 0 ? static_cast<float>(svl / sll) : 1.0f / best_inv;
}

float fit_symmetric(const float* x, const float* w, size_t n, int zero, uint8_t* L) {
    float amax = 0, max = 0;
    for (size_t i = 0; i < n; ++i)
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    if (amax == 0) {
        std::fill(L, L + n, static_cast<uint8_t>(zero));
        return 0;
    }
    // Try inverse scales around -zero/max; for each, the best scale for the chosen levels is
    // the weighted projection sum(w x l) / sum(w l l). Keep the one with the smallest error.
    float best_scale = 0, best_err = INFINITY;
    for (int step = -9; step <= 9; ++step) {
        const float iscale = -(static_cast<float>(zero) + 0.1f * step) / max;
        double sxl = 0, sll = 0;
        for (size_t i = 0; i < n; ++i) {
            int l = clamp_round(iscale * x[i], -zero, zero - 1);
            sxl += double(w[i]) * x[i] * l;
            sll += double(w[i]) * l * l;
        }
        if (sll == 0) continue;
        const float scale = static_cast<float>(sxl / sll);
        double err = 0;
        for (size_t i = 0; i < n; ++i) {
            int l = clamp_round(x[i] / scale, -zero, zero - 1);
            double d = scale * l - x[i];
            err += w[i] * d * d;
        }
        if (err < best_err) {
            best_err = static_cast<float>(err);
            best_scale = scale;
        }
    }
    if (best_scale == 0) {  // only with all-zero weights, which the weighted callers avoid
        std::fill(L, L + n, static_cast<uint8_t>(zero));
        return 0;
    }
    for (size_t i = 0; i < n; ++i)
        L[i] = static_cast<uint8_t>(clamp_round(x[i] / best_scale, -zero, zero - 1) + zero);
    return best_scale;
}

float fit_asymmetric(const float* x, const float* w, size_t n, int nmax, uint8_t* L, float* min_out) {
    float lo = *std::min_element(x, x + n), hi = *std::max_element(x, x + n);
    lo = std::min(lo, 0.0f);  // the format stores a non-negative min that is subtracted
    if (hi == lo) {
        std::fill(L, L + n, uint8_t{0});
        *min_out = -lo;
        return 0;
    }
    float best_scale = (hi - lo) / nmax, best_min = -lo, best_err = INFINITY;
    // Candidate scales around range/nmax; for each, levels from rounding, then the exact weighted
    // least-squares (scale, min) for those levels (a 2x2 solve), clamped to min >= 0.
    for (int step = -6; step <= 12; ++step) {
        const float iscale = (nmax + 0.1f * step) / (hi - lo);
        double sw = 0, sl = 0, sll = 0, sx = 0, sxl = 0;
        for (size_t i = 0; i < n; ++i) {
            const int l = clamp_round(iscale * (x[i] - lo), 0, nmax);
            sw += w[i];
            sl += w[i] * l;
            sll += double(w[i]) * l * l;
            sx += w[i] * x[i];
            sxl += double(w[i]) * x[i] * l;
        }
        const double det = sw * sll - sl * sl;
        if (det <= 0) continue;
        double scale = (sw * sxl - sx * sl) / det;
        double offset = (sll * sx - sl * sxl) / det;  // x ~ scale * l + offset
        if (offset > 0) {                              // min must be >= 0: refit the scale alone
            offset = 0;
            scale = sll > 0 ? sxl / sll : 0;
        }
        if (scale <= 0) continue;
        double err = 0;
        for (size_t i = 0; i < n; ++i) {
            const int l = clamp_round(static_cast<float>((x[i] - offset) / scale), 0, nmax);
            const double d = scale * l + offset - x[i];
            err += w[i] * d * d;
        }
        if (err < best_err) {
            best_err = static_cast<float>(err);
            best_scale = static_cast<float>(scale);
            best_min = static_cast<float>(-offset);
        }
    }
    for (size_t i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(clamp_round((x[i] + best_min) / best_scale, 0, nmax));
    *min_out = best_min;
    return best_scale;
}

}  // namespace hearth::quant
