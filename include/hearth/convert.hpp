// `hearth convert`: a Hugging Face model folder (config.json, *.safetensors, tokenizer.json) to a
// GGUF file with llama.cpp's tensor names, layouts and metadata, optionally quantized on the way
// by any `hearth quantize` recipe. Streams: one tensor in memory at a time.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

#include "hearth/gguf_writer.hpp"
#include "hearth/quantize.hpp"

namespace hearth::convert {

// Adds the tokenizer.* metadata for a model folder.
using TokenizerWriter = std::function<void(const std::filesystem::path& hf_dir, std::string_view arch, gguf::Writer& w)>;

struct Options {
    quant::Recipe recipe{"F16", GgmlType::f16};
    size_t threads = 0;  // 0 = all cores (the bytes do not depend on it)
    // Default (empty): read tokenizer.json + tokenizer_config.json. Tests and tools that bring
    // their own vocabulary pass another.
    TokenizerWriter add_tokenizer;
};

// The architectures convert accepts (config.json's "architectures" names), comma separated.
std::string_view supported_hf_architectures() noexcept;

// Writes out (through a temporary file renamed into place: on error no output is left). on_tensor
// is told about each tensor once it is written (index/count for progress). Throws Error:
// invalid_argument when out is one of the input files, io for a missing file, invalid_file for a
// malformed config or safetensors file (naming file, tensor and field), unsupported for an
// architecture, dtype or rope scaling hearth does not handle.
void convert_hf_model(const std::filesystem::path& hf_dir, const std::filesystem::path& out, const Options& options,
                      const std::function<void(const quant::TensorReport&)>& on_tensor = {});

}  // namespace hearth::convert
