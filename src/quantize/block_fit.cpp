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

// The level nearest to v in [0, top], as a float (halves round up). Clamping first keeps the
// conversion in range and maps NaN to 0; truncating v + 0.5 of a non-negative v is the rounding.
// Branch-free and call-free, so the candidate loops below vectorize.
[[gnu::always_inline]] inline float level(float v, float top) {
    const float c = v > 0.0f ? (v < top ? v : top) : 0.0f;
    return static_cast<float>(static_cast<int>(c + 0.5f));
}

// The candidate inverse scales both fits try, as offsets from the nominal one in steps of 0.1
// level. Searched candidate-major (every candidate's sums accumulated per value) so that the inner
// loop runs across candidates: independent lanes, vectorized without reordering any sum.
constexpr int kCandidates = 20;

// Per-candidate weighted sums over the values: Σ w l, Σ w l², Σ w x l.
struct CandidateSums {
    float sl[kCandidates] = {}, sll[kCandidates] = {}, sxl[kCandidates] = {};
};

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

void round_levels(const float* x, size_t n, float inv_scale, float shift, int top, uint8_t* L) {
    for (size_t i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(level(x[i] * inv_scale + shift, static_cast<float>(top)));
}

namespace {

// The weighted least-squares fit x ~ scale * l + offset for levels with these sums (and Σ w,
// Σ w x), with offset <= 0 (the stored min is -offset >= 0). At that optimum the weighted error
// is Σ w x² - gain, so candidates compare by gain alone, without another pass over the values.
struct AffineFit {
    double scale = 0, offset = 0, gain = 0;
    bool ok = false;  // false: the levels do not determine a positive scale
};

AffineFit solve_affine(double sw, double sx, double sl, double sll, double sxl) {
    AffineFit f;
    const double det = sw * sll - sl * sl;
    if (det <= 0) return f;
    f.scale = (sw * sxl - sx * sl) / det;
    f.offset = (sll * sx - sl * sxl) / det;
    f.gain = f.scale * sxl + f.offset * sx;
    if (f.offset > 0) {  // the constrained optimum then lies on offset = 0: refit the scale alone
        f.offset = 0;
        f.scale = sxl / sll;
        f.gain = sxl * f.scale;
    }
    f.ok = f.scale > 0;
    return f;
}

// Σ w l, Σ w l² and Σ w x l of given levels, l = L - shift.
void level_sums(const float* x, const float* w, const uint8_t* L, size_t n, int shift, double& sl, double& sll, double& sxl) {
    sl = sll = sxl = 0;
    for (size_t i = 0; i < n; ++i) {
        const double l = int(L[i]) - shift;
        sl += w[i] * l;
        sll += w[i] * l * l;
        sxl += w[i] * x[i] * l;
    }
}

}  // namespace

// Both fits follow the same plan, which llama.cpp's make_qx_quants / make_qkx2_quants also use:
// for each candidate inverse scale round the values once and accumulate the level sums; the
// least-squares scale (and offset) for those levels and its error follow in closed form. The best
// candidate then gets one refinement step: re-round at its fitted scale (the nearest levels can
// only lower the error) and refit, then round once more for the levels returned.
float fit_symmetric(const float* x, const float* w, size_t n, int zero, uint8_t* L) {
    const float max = signed_absmax(x, n);
    if (max == 0) {
        std::fill(L, L + n, static_cast<uint8_t>(zero));
        return 0;
    }
    // Inverse scales around -zero/max: the sign maps the largest magnitude to the wider side, -zero.
    float iscale[kCandidates];
    for (int c = 0; c < kCandidates; ++c) iscale[c] = -(static_cast<float>(zero) + 0.1f * static_cast<float>(c - 9)) / max;
    const float fzero = static_cast<float>(zero), top = static_cast<float>(2 * zero - 1);
    CandidateSums s;
    for (size_t i = 0; i < n; ++i) {
        const float wx = w[i] * x[i];
        for (int c = 0; c < kCandidates; ++c) {
            const float l = level(iscale[c] * x[i] + fzero, top) - fzero;
            s.sll[c] += w[i] * l * l;
            s.sxl[c] += wx * l;
        }
    }
    // With the scale sxl / sll the error is Σ w x² - sxl² / sll: keep the largest sxl² / sll.
    double best_gain = -1, scale = 0;
    for (int c = 0; c < kCandidates; ++c)
        if (s.sll[c] > 0 && double(s.sxl[c]) * s.sxl[c] / s.sll[c] > best_gain) {
            best_gain = double(s.sxl[c]) * s.sxl[c] / s.sll[c];
            scale = double(s.sxl[c]) / s.sll[c];
        }
    if (scale == 0) {  // only with all-zero weights, which the weighted callers avoid
        std::fill(L, L + n, static_cast<uint8_t>(zero));
        return 0;
    }
    round_levels(x, n, static_cast<float>(1.0 / scale), fzero, 2 * zero - 1, L);
    double sl, sll, sxl;
    level_sums(x, w, L, n, zero, sl, sll, sxl);
    if (sll > 0 && sxl != 0) {
        scale = sxl / sll;
        round_levels(x, n, static_cast<float>(1.0 / scale), fzero, 2 * zero - 1, L);
    }
    return static_cast<float>(scale);
}

float fit_asymmetric(const float* x, const float* w, size_t n, int nmax, uint8_t* L, float* min_out) {
    float lo = *std::min_element(x, x + n), hi = *std::max_element(x, x + n);
    lo = std::min(lo, 0.0f);  // the format stores a non-negative min that is subtracted
    if (hi == lo) {
        std::fill(L, L + n, uint8_t{0});
        *min_out = -lo;
        return 0;
    }
    // Inverse scales around nmax / range, applied to x - lo.
    float iscale[kCandidates];
    for (int c = 0; c < kCandidates; ++c) iscale[c] = (static_cast<float>(nmax) + 0.1f * static_cast<float>(c - 6)) / (hi - lo);
    const float top = static_cast<float>(nmax);
    double sw = 0, sx = 0;
    CandidateSums s;
    for (size_t i = 0; i < n; ++i) {
        sw += w[i];
        sx += double(w[i]) * x[i];
        const float wx = w[i] * x[i], shifted = x[i] - lo;
        for (int c = 0; c < kCandidates; ++c) {
            const float l = level(iscale[c] * shifted, top);
            s.sl[c] += w[i] * l;
            s.sll[c] += w[i] * l * l;
            s.sxl[c] += wx * l;
        }
    }
    AffineFit best;
    for (int c = 0; c < kCandidates; ++c)
        if (const AffineFit f = solve_affine(sw, sx, s.sl[c], s.sll[c], s.sxl[c]); f.ok && (!best.ok || f.gain > best.gain))
            best = f;
    if (!best.ok) {  // no candidate fitted (e.g. all weight on one value): plain range / nmax
        best.scale = (hi - lo) / nmax;
        best.offset = lo;
    }
    round_levels(x, n, static_cast<float>(1.0 / best.scale), static_cast<float>(-best.offset / best.scale), nmax, L);
    double sl, sll, sxl;
    level_sums(x, w, L, n, 0, sl, sll, sxl);
    if (const AffineFit f = solve_affine(sw, sx, sl, sll, sxl); f.ok) {
        best = f;
        round_levels(x, n, static_cast<float>(1.0 / best.scale), static_cast<float>(-best.offset / best.scale), nmax, L);
    }
    *min_out = static_cast<float>(-best.offset);
    return static_cast<float>(best.scale);
}

}  // namespace hearth::quant
