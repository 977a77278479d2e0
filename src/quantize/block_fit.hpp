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

}  // namespace hearth::quant
