// A Hugging Face checkpoint's tensors as llama.cpp names and lays them out: renamed, q/k rows of
// llama permuted for its RoPE, Gemma's norms shifted by +1, MoE experts stacked into 3-D tensors,
// rope_freqs generated. A TensorSource for the quantizer: rows are produced on demand, so only the
// tensor being written is in memory.
#pragma once

#include <string>
#include <vector>

#include "convert/hf_config.hpp"
#include "convert/safetensors.hpp"
#include "quantize/tensor_source.hpp"

namespace hearth::convert {

class HfTensors final : public quant::TensorSource {
public:
    // Throws Error(invalid_file) naming a tensor the architecture does not have, one whose shape
    // disagrees with config.json, or a missing one.
    HfTensors(const Checkpoint& ckpt, const HfConfig& config, std::string name);

    const std::string& name() const override { return name_; }
    std::span<const quant::SourceTensor> tensors() const override { return tensors_; }
    void read_rows(size_t i, size_t r0, size_t r1, float* out) const override;

private:
    struct Recipe {                         // how tensors_[i] is made from the checkpoint
        std::vector<const StTensor*> parts; // one, or one per expert (stacked along the last GGUF dim)
        size_t permute_heads = 0;           // > 0: llama's q/k row order within each of this many heads
        float shift = 0;                    // added to every value (Gemma's 1 + w norms)
        std::vector<float> values;          // generated (rope_freqs)
    };
    void add(std::string gguf_name, Recipe r);
    void add_generated(std::string gguf_name, std::vector<float> values);
    void check_complete(const HfConfig& c) const;

    std::string name_;
    std::vector<quant::SourceTensor> tensors_;
    std::vector<Recipe> recipes_;
};

}  // namespace hearth::convert
