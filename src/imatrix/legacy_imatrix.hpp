// llama.cpp's first imatrix format (imatrix.dat, still written with --output-format dat).
#pragma once

#include <filesystem>

#include "hearth/imatrix.hpp"

namespace hearth::imatrix {

// Little-endian int32 entry count; per entry int32 name length, the name, int32 ncall, int32
// nval, nval floats; then optionally int32 chunk count and int32 length + dataset name. The floats
// are mean squares times ncall, so each entry becomes in_sum2 = values, counts = ncall: the same
// importance. Experts of a 3-D tensor are one flat row (n_mat = 1; the quantizer splits it).
// Throws Error(invalid_file) naming the file and offset of anything truncated or out of range.
Imatrix load_legacy(const std::filesystem::path& path);

}  // namespace hearth::imatrix
