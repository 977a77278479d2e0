// Hugging Face safetensors checkpoints, read in place from a memory mapping and validated the way
// the GGUF reader validates (header length, JSON, dtype, shape x dtype = byte range inside the
// data region, no overlaps), so a truncated or lying file ends in an error naming file and tensor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hearth/ggml_type.hpp"
#include "hearth/mapped_file.hpp"

namespace hearth::convert {

struct StTensor {
    std::string name;
    GgmlType type;                // f32, f16 or bf16 (the dtypes a model's weights come in)
    std::vector<uint64_t> shape;  // as PyTorch gives it: shape[0] is the slowest dimension
    std::span<const std::byte> data;
    std::string file;             // for messages
    uint64_t n_elements() const noexcept;
};

// One .safetensors file. Throws Error(invalid_file) for a malformed one, Error(unsupported) for a
// tensor whose dtype is not F32/F16/BF16, Error(io) when it cannot be opened.
class SafetensorsFile {
public:
    explicit SafetensorsFile(const std::filesystem::path& path);
    const std::vector<StTensor>& tensors() const noexcept { return tensors_; }

private:
    std::unique_ptr<MappedFile> map_;
    std::vector<StTensor> tensors_;
};

// A model folder's weights: model.safetensors, or the shards model.safetensors.index.json names.
class Checkpoint {
public:
    // Throws Error(io) naming a missing file or shard, Error(invalid_file) for a bad index or a
    // tensor found in two places or not where the index says.
    explicit Checkpoint(const std::filesystem::path& dir);
    const std::map<std::string, const StTensor*>& tensors() const noexcept { return by_name_; }
    const StTensor* find(const std::string& name) const;

private:
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::map<std::string, const StTensor*> by_name_;
};

}  // namespace hearth::convert
