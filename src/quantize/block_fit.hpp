// Per-block scale fitting shared by the weight quantizers: choose the scale (and offset) that
// minimise the importance-weighted squared error of x ~ scale * q (- min) over integer levels q.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::quant {

// Symmetric fit: x[i] ~ scale * (L[i] - zero) with L in [0, 2*zero - 1] (e.g. zero 32 for 6-bit).
// Returns the scale (may be negative: the sign that maps the largest magnitude to -zero).
float fit_symmetric(const float* x, const float* w, size_t n, int zero, uint8_t* L);

// Asymmetric fit: x[i] ~ scale * L[i] - min with L in [0, nmax], scale >= 0, min >= 0.
// Returns the scale and stores the min.
float fit_asymmetric(const float* x, const float* w, size_t n, int nmax, uint8_t* L, float* min);

// L[i] = the level nearest to x[i] * inv_scale + shift, clamped to [0, top] (NaN to 0): how the
// fits and the K-quants turn values into levels once the scale is known, with no division.
void round_levels(const float* x, size_t n, float inv_scale, float shift, int top, uint8_t* L);

// std::lround as an int: halves away from zero, as ggml rounds.
int nearest(float v);

// The element of largest magnitude, with its sign (0 when all are 0).
float signed_absmax(const float* x, size_t n);

// Levels 0..nmax for n non-negative sub-block values (scales or mins) against their maximum, as
// the K-quants store them; returns the step (max / nmax) the levels multiply when decoded.
float quantize_scales(const float* v, size_t n, int nmax, uint8_t* levels);

// Importance weights used by the K-quant fits: |x| plus the block's RMS, so larger weights
// count more but small ones are not ignored.
void importance_weights(const float* x, size_t n, float* w);

// What an importance matrix says about a run of values: qw[i] is the mean squared activation
// of value i's input column, so an error there costs qw[i] times as much in the matmul output.
// llama.cpp weighs value i by qw[i] * sqrt(sigma2 + x[i]²) (the value's own size still counts,
// sigma2 keeps small values from being ignored), except Q6_K, which uses qw alone (raw).
struct ValueImportance {
    const float* qw = nullptr;  // null: no importance matrix, the unweighted fit
    float sigma2 = 0;
    bool raw = false;
};

// Mean of x² over n values (the sigma2 the K-quants scale per super-block).
double mean_square(const float* x, size_t n);

// w for values x[0..n) whose importances are imp.qw[0..n). When those are all zero (columns the
// calibration text never used) the fit has nothing to go by: importance_weights then.
void imatrix_weights(const float* x, const ValueImportance& imp, size_t n, float* w);

// quantize_scales when each sub-block's scale has a weight sw (the sum of its values' weights):
// tries steps around max / nmax and keeps the levels with the least weighted error, then the
// weighted least-squares step for those levels. Returns the step.
float quantize_scales_weighted(const float* v, const float* sw, size_t n, int nmax, uint8_t* levels);

}  // namespace hearth::quant
