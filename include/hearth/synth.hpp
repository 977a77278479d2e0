// Random-weight GGUF models of real models' shapes (`hearth synth`), so anyone can benchmark a
// 1B-class model without downloading one, and tests can make small models of any architecture.
// The files load in llama.cpp too (a synthetic SentencePiece vocabulary is included, WordPiece
// for bert), so both engines can be measured on the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "hearth/ggml_type.hpp"
#include "hearth/quantize.hpp"

namespace hearth::synth {

struct Shape {
    std::string_view arch;  // "llama", "qwen2", "qwen3", "qwen3moe", "gemma3", "bert"
    std::string_view name;  // "1b", "0.5b", ...
    std::string_view like;  // the real model it mirrors
    size_t n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, n_ctx;
    float rope_freq_base;
    bool tied_embeddings;
    size_t n_expert = 0, n_expert_used = 0, n_ff_exp = 0;  // mixture of experts (qwen3moe); 0 = dense FFN
    size_t sliding_window = 0;   // gemma3: attention.sliding_window of the local layers
    float rope_scale_linear = 0; // > 0: rope.scaling linear with this factor (gemma3's global layers)
};

// The built-in shapes (see synth_model.cpp for the list).
std::span<const Shape> shapes() noexcept;
// Throws Error(invalid_argument) listing the known names when arch/name is not one of them.
const Shape& find_shape(std::string_view arch, std::string_view name);
// The same for "ARCH-NAME" ("gemma3-12b").
const Shape& find_shape(std::string_view arch_and_name);

// Writes the model, its matrices typed by the recipe (see hearth/quantize.hpp). threads: 0 = all cores (generation and quantization are parallel; the bytes
// do not depend on the thread count). Throws hearth::Error.
// repeat_layers: every layer gets the bytes of the first layer's tensor of the same name and
// type instead of its own draw; the file (and every speed figure) is the same size, and a 12B
// writes in minutes instead of the hour its quantization takes on two cores.
void write_model(const Shape& shape, const quant::Recipe& recipe, uint64_t seed, const std::filesystem::path& path,
                 size_t threads = 0, bool repeat_layers = false);

}  // namespace hearth::synth
