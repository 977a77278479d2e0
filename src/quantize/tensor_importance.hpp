// The importance-matrix rows one tensor's quantization uses, checked against the tensor's shape.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "hearth/imatrix.hpp"

namespace hearth::quant {

// One importance vector ([ne0]) per matrix of the tensor (ne2 experts of a 3-D tensor, else one),
// or none when the imatrix has no entry for it. A legacy .dat entry (one flat row for all
// experts) is split per expert. Throws Error(invalid_argument) naming the tensor when the entry's
// columns or expert count do not match it (an imatrix of another model).
std::vector<std::vector<float>> tensor_importance(const Imatrix& imatrix, std::string_view name, std::span<const uint64_t> ne);

}  // namespace hearth::quant
