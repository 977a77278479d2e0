// Which type each tensor gets when a model is quantized (see hearth/quantize.hpp for the recipes).
// Shared by `hearth quantize` and `hearth synth` so both make files llama.cpp would recognise.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "hearth/ggml_type.hpp"
#include "hearth/quantize.hpp"

namespace hearth::quant {

struct TensorRole {
    std::string_view name;  // GGUF tensor name, e.g. "blk.3.ffn_down.weight"
    size_t n_dims = 2;
    size_t n_cols = 0;      // ne[0]
    size_t n_layer = 0;     // blocks in the model
    bool tied_embeddings = false;
    size_t n_gqa = 1;       // query heads per key/value head
    size_t n_expert = 0;    // experts of a mixture-of-experts model (0: dense)
};

struct TypeChoice {
    GgmlType wanted;  // what the recipe's rules ask for
    GgmlType type;    // what is written: `wanted`, or its fallback when rows are not whole blocks of it
};

// The type for one tensor, or nullopt to keep it as it is (1-D tensors: norms, biases, rope factors;
// the MoE router ffn_gate_inp).
std::optional<TypeChoice> choose_type(const Recipe& r, const TensorRole& t);

}  // namespace hearth::quant
