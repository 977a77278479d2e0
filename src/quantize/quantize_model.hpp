// Whole-model quantization (`hearth quantize`): every matrix of a GGUF re-encoded by a recipe,
// metadata and 1-D tensors copied as they are.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

#include "hearth/gguf.hpp"
#include "quantize/mix.hpp"

namespace hearth::quant {

struct TensorReport {
    std::string_view name;
    GgmlType from, to;
    uint64_t bytes_in, bytes_out;
};

// Writes the quantized model to out. on_tensor (optional) is told about each tensor as it is
// written. Throws Error(unsupported) for an input type hearth cannot decode.
void quantize_model(const gguf::File& in, const Recipe& recipe, const std::filesystem::path& out, size_t threads,
                    const std::function<void(const TensorReport&)>& on_tensor = {});

}  // namespace hearth::quant
