// Which type each tensor gets when a model is quantized: one type everywhere, or llama.cpp's
// K-quant "medium" mixes (Q4_K_M / Q5_K_M) that spend more bits where errors hurt most.
// Shared by `hearth quantize` and `hearth synth` so both make files llama.cpp would recognise.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "hearth/ggml_type.hpp"

namespace hearth::quant {

struct Recipe {
    GgmlType type = GgmlType::q4_0;
    bool k_medium_mix = false;  // Q4_K_M / Q5_K_M
};

// Parses "q4_0", "q8_0", "q4_k_m", "q4_k_s", "q6_k", "f16", ...; throws Error(invalid_argument).
Recipe parse_recipe(std::string_view name);
// llama.cpp's general.file_type number for the recipe.
uint32_t file_type_id(const Recipe& r) noexcept;

struct TensorRole {
    std::string_view name;  // GGUF tensor name, e.g. "blk.3.ffn_down.weight"
    size_t n_dims = 2;
    size_t n_cols = 0;      // ne[0]
    size_t n_layer = 0;     // blocks in the model
    bool tied_embeddings = false;
};

// The type for one tensor, or nullopt to keep it as it is (1-D tensors: norms, biases, rope factors;
// the MoE router ffn_gate_inp).
std::optional<GgmlType> choose_type(const Recipe& r, const TensorRole& t);

}  // namespace hearth::quant
