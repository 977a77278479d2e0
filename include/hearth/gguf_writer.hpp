// Builds GGUF v3 files: metadata in insertion order, tensors laid out at the chosen alignment.
// Used by `hearth quantize` / `hearth synth` and by tests that need small hand-made files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/ggml_type.hpp"
#include "hearth/gguf.hpp"

namespace hearth::gguf {

class Writer {
public:
    explicit Writer(uint32_t alignment = 32);

    void add_u32(std::string_view key, uint32_t v);
    void add_i32(std::string_view key, int32_t v);
    void add_u64(std::string_view key, uint64_t v);
    void add_f32(std::string_view key, float v);
    void add_bool(std::string_view key, bool v);
    void add_string(std::string_view key, std::string_view v);
    void add_string_array(std::string_view key, std::span<const std::string> v);
    void add_f32_array(std::string_view key, std::span<const float> v);
    void add_i32_array(std::string_view key, std::span<const int32_t> v);
    // Copies an existing value (any type, including nested arrays) from another file.
    void add_value(std::string_view key, const Value& v);

    // Tensor data is referenced, not copied: it must stay alive until write()/to_bytes().
    // Throws Error(invalid_argument) if data.size() does not match type and shape.
    void add_tensor(std::string_view name, GgmlType type, std::span<const uint64_t> ne, std::span<const std::byte> data);

    // Declares a tensor whose bytes are produced only when the file is written, by the source
    // given to write(): a quantizer then holds one tensor in memory at a time.
    void add_tensor(std::string_view name, GgmlType type, std::span<const uint64_t> ne);
    using TensorSource = std::function<void(size_t tensor_index, std::span<std::byte> out)>;

    std::vector<std::byte> to_bytes() const;
    // Writes to path (via a temporary file renamed into place). Throws Error(io).
    // source fills the tensors declared without data (required if there are any).
    void write(const std::filesystem::path& path, const TensorSource& source = {}) const;

private:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> ne;
        std::span<const std::byte> data;  // empty when deferred
        uint64_t n_bytes;
        uint64_t offset;
        bool deferred;
    };
    void key(std::string_view k, ValueType t);
    uint64_t checked_bytes(std::string_view name, GgmlType type, std::span<const uint64_t> ne) const;
    void put_string(std::string_view s);
    template <typename T>
    void put(T v);
    std::vector<std::byte> header_bytes() const;

    uint32_t alignment_;
    uint64_t n_kv_ = 0;
    std::vector<std::byte> kv_;  // serialized key/values
    std::vector<Tensor> tensors_;
    uint64_t data_size_ = 0;
};

}  // namespace hearth::gguf
