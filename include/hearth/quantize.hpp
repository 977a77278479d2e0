// Whole-model quantization (`hearth quantize`): every matrix of a GGUF re-encoded by a recipe
// named as llama-quantize names its file types (Q4_K_M, Q3_K_S, Q8_0, ...), metadata and 1-D
// tensors copied as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "hearth/ggml_type.hpp"
#include "hearth/gguf.hpp"

namespace hearth {
struct Imatrix;  // hearth/imatrix.hpp
}

namespace hearth::quant {

// A file type: its llama.cpp name and the type most matrices get. The K-quant recipes follow
// llama.cpp's per-tensor rules (output in Q6_K, more bits for attn_v/ffn_down/attn_output on some
// layers); the float and legacy recipes (F16, Q8_0, Q4_0, ...) give every matrix the one type.
struct Recipe {
    std::string name;  // "Q4_K_M", "Q3_K_S", "Q8_0", "F16", ...
    GgmlType type = GgmlType::q4_0;
};

// Case-insensitive: "q4_k_m", "Q6_K", "f16", ...; throws Error(invalid_argument) listing the names.
Recipe parse_recipe(std::string_view name);
// The names parse_recipe accepts, lower case, space separated (for help texts).
std::string_view recipe_names() noexcept;
// llama.cpp's general.file_type number for the recipe.
uint32_t file_type_id(const Recipe& r) noexcept;

struct TensorReport {
    std::string_view name;
    GgmlType from, to;
    // The type the recipe wanted; differs from `to` when the rows are not whole blocks of it
    // (e.g. 11008 columns are not a multiple of a K-quant's 256) and a fallback type was used.
    GgmlType wanted;
    uint64_t n_elements;
    uint64_t bytes_in, bytes_out;
    // RMS of (dequantized result - input) over the RMS of the input: 0 for a tensor copied as it
    // is; NaN when the result's type cannot be decoded or the input is all zeros.
    double rel_rms_error = 0;
    size_t index = 0, count = 0;  // this is tensor index + 1 of count (for progress lines)
    double done = 0;              // fraction of the input's bytes handled so far (for an ETA)
    bool fell_back() const noexcept { return wanted != to; }
    // With an importance matrix: whether this tensor's fit used it, or had to go without because
    // the imatrix has no entry for it (a type that weighs its error, no entry: the unweighted fit).
    bool imatrix_used = false;
    bool imatrix_missing = false;
};

// Bits per weight of n elements stored in `bytes` bytes.
inline double bits_per_weight(uint64_t bytes, uint64_t n_elements) noexcept {
    return n_elements ? 8.0 * static_cast<double>(bytes) / static_cast<double>(n_elements) : 0.0;
}

// Writes the quantized model to out. on_tensor (optional) is told about each tensor as it is
// written, with the error of its re-encoding (measured on the rows just quantized: no second
// pass over the model). threads: 0 = all cores (the bytes do not depend on it). imatrix (optional):
// Q4_0 and K-quant tensors with an entry weigh their quantization error by it, as llama-quantize
// does. Throws Error(unsupported) for an input type hearth cannot decode, Error(invalid_argument)
// (before writing anything) for an imatrix entry whose shape does not match its tensor.
void quantize_model(const gguf::File& in, const Recipe& recipe, const std::filesystem::path& out, size_t threads,
                    const std::function<void(const TensorReport&)>& on_tensor = {}, const Imatrix* imatrix = nullptr);

}  // namespace hearth::quant
