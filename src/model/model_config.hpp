// Reading and validating a model's hyper-parameters from GGUF metadata.
#pragma once

#include "hearth/gguf.hpp"
#include "hearth/model_config.hpp"
#include "model/arch.hpp"

namespace hearth::model {

// Throws Error(unsupported) naming an unknown architecture or rope scaling, and
// Error(invalid_file) naming the key for a missing, out-of-range or inconsistent value.
ModelConfig read_model_config(const gguf::File& file);

}  // namespace hearth::model
