// Row quantizers for the K-quants (256-element super-blocks), see quantize.hpp. qw: the row's
// importance ([nb * 256], mean squared activation per column) or null for the unweighted fit.
#pragma once

#include <cstddef>

#include "kernels/ref/blocks.hpp"

namespace hearth::quant {

void row_q2_k(const float* x, kernels::BlockQ2_K* y, size_t nb, const float* qw = nullptr);
void row_q3_k(const float* x, kernels::BlockQ3_K* y, size_t nb, const float* qw = nullptr);
void row_q4_k(const float* x, kernels::BlockQ4_K* y, size_t nb, const float* qw = nullptr);
void row_q5_k(const float* x, kernels::BlockQ5_K* y, size_t nb, const float* qw = nullptr);
void row_q6_k(const float* x, kernels::BlockQ6_K* y, size_t nb, const float* qw = nullptr);

}  // namespace hearth::quant
