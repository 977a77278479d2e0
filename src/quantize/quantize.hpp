// Float weights -> GGUF block formats, for `hearth quantize` and `hearth synth`. This is offline
// work (not a hot path): it favours accuracy over speed, fitting each block's scale (and min) by
// weighted least squares rather than taking max/range alone.
#pragma once

#include <cstddef>
#include <span>

#include "hearth/ggml_type.hpp"

namespace hearth::quant {

// Types quantize_rows can produce.
bool can_quantize(GgmlType type) noexcept;

// Types whose quantizer can weigh its error by an importance matrix (Q4_0, Q4_1, Q5_0, Q5_1 and
// the K-quants, as in llama.cpp); the others (Q8_0, floats) ignore one.
bool uses_importance(GgmlType type) noexcept;

// Converts n_rows rows of n_cols floats into dst, which holds n_rows * ggml_row_bytes(type, n_cols)
// bytes. importance (optional): [n_cols] mean squared activation of each input column, shared by
// all rows; without it the result is the unweighted fit. Throws Error(invalid_argument) for an
// unsupported type or a row length that is not a whole number of blocks.
void quantize_rows(GgmlType type, const float* src, std::byte* dst, size_t n_rows, size_t n_cols,
                   const float* importance = nullptr);

}  // namespace hearth::quant
