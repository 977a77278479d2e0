// The GGUF metadata llama.cpp's converter writes for a Hugging Face model (general.* and the
// architecture's hyper-parameters; the tokenizer's keys come from hf_tokenizer), and the Llama 3
// rope_freqs tensor it derives from rope_scaling.
#pragma once

#include <string>
#include <vector>

#include "convert/hf_config.hpp"
#include "hearth/gguf_writer.hpp"

namespace hearth::convert {

// Throws Error(unsupported) for a rope_scaling hearth cannot run (only linear, and llama3 for llama).
void add_hf_metadata(const HfConfig& c, const std::string& model_name, gguf::Writer& w);

// Llama 3.1+'s per-frequency divisors ("rope_scaling": {"rope_type": "llama3", ...}) as llama.cpp's
// rope_freqs.weight holds them; empty when the model has no such scaling.
std::vector<float> llama3_rope_factors(const HfConfig& c);

}  // namespace hearth::convert
