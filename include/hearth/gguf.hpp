// Read-only, zero-copy view of a GGUF file: metadata key/values and the tensor table.
// Every count, length, offset and size is validated against the mapped bytes while parsing,
// so a truncated or hostile file ends in hearth::Error (naming file, field and offset), never a crash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hearth/error.hpp"
#include "hearth/ggml_type.hpp"

namespace hearth {
class MappedFile;
}

namespace hearth::gguf {

// Metadata value type ids as stored in the file.
enum class ValueType : uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
    string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};
std::string_view value_type_name(ValueType type) noexcept;

// One metadata value. Strings are views into the mapped file; numeric arrays stay in place
// (read element-wise, unaligned-safe); string arrays keep one view per element.
class Value {
public:
    ValueType type() const noexcept { return type_; }

    bool is_integer() const noexcept;
    bool is_float() const noexcept { return type_ == ValueType::f32 || type_ == ValueType::f64; }
    // nullopt when the type differs or the value does not fit the requested type.
    std::optional<int64_t> as_int() const noexcept;
    std::optional<uint64_t> as_uint() const noexcept;
    std::optional<double> as_float() const noexcept;  // f32/f64 and integers
    std::optional<bool> as_bool() const noexcept;
    std::optional<std::string_view> as_string() const noexcept;

    // Arrays (valid only when type() == array).
    ValueType array_type() const noexcept { return elem_type_; }
    uint64_t array_size() const noexcept { return count_; }
    std::span<const std::string_view> strings() const noexcept { return strings_; }  // string arrays
    std::span<const Value> nested() const noexcept { return nested_; }               // arrays of arrays
    // Element i of a numeric or bool array; nullopt when out of range or of another kind.
    std::optional<int64_t> int_at(uint64_t i) const noexcept;
    std::optional<double> float_at(uint64_t i) const noexcept;

    // Human-readable rendering (arrays abbreviated after max_items) for `hearth info`.
    std::string to_display(size_t max_items = 8) const;

private:
    friend class Parser;
    ValueType type_ = ValueType::u8;
    ValueType elem_type_ = ValueType::u8;
    uint64_t count_ = 0;
    uint64_t bits_ = 0;                  // scalar payload (integers, floats' bit pattern, bool)
    std::string_view str_;               // string payload
    const std::byte* raw_ = nullptr;     // numeric array payload in the mapping
    std::vector<std::string_view> strings_;
    std::vector<Value> nested_;
};

struct MetadataEntry {
    std::string_view key;
    Value value;
};

struct TensorInfo {
    std::string_view name;
    GgmlType type = GgmlType::f32;
    uint32_t n_dims = 0;
    std::array<uint64_t, 4> ne{1, 1, 1, 1};  // ne[0] is the row length (fastest-varying)
    uint64_t n_elements = 0;
    uint64_t offset = 0;                     // from the start of the data section
    uint64_t n_bytes = 0;
    const std::byte* data = nullptr;         // points into the mapping

    uint64_t rows() const noexcept { return n_elements / ne[0]; }
    std::span<const std::byte> bytes() const noexcept { return {data, static_cast<size_t>(n_bytes)}; }
};

// Limits that bound the work a hostile file can cause; defaults are far above any real model.
struct Limits {
    uint64_t max_tensors = 1u << 20;
    uint64_t max_metadata = 1u << 20;
    uint64_t max_string_bytes = 1u << 26;
    uint32_t max_array_depth = 8;
};

class File {
public:
    // Maps the file read-only and parses it. Throws Error(io) or Error(invalid_file).
    static File open(const std::filesystem::path& path, const Limits& limits = {});
    // Parses bytes the caller owns and keeps alive (tests, fuzzing, embedded models).
    static File from_memory(std::span<const std::byte> bytes, std::string name, const Limits& limits = {});

    File(File&&) noexcept;
    File& operator=(File&&) noexcept;
    ~File();

    const std::string& name() const noexcept { return name_; }
    uint32_t version() const noexcept { return version_; }
    uint64_t alignment() const noexcept { return alignment_; }
    uint64_t file_size() const noexcept { return bytes_.size(); }
    uint64_t data_offset() const noexcept { return data_offset_; }
    std::span<const std::byte> bytes() const noexcept { return bytes_; }

    std::span<const MetadataEntry> metadata() const noexcept { return metadata_; }
    const Value* find(std::string_view key) const noexcept;

    // Typed getters: throw Error(invalid_file) naming file and key when the key is missing or
    // has another type; the *_or variants return the fallback when the key is absent.
    std::string_view get_string(std::string_view key) const;
    uint64_t get_uint(std::string_view key) const;
    double get_float(std::string_view key) const;
    bool get_bool(std::string_view key) const;
    std::optional<std::string_view> get_string_opt(std::string_view key) const;
    std::optional<uint64_t> get_uint_opt(std::string_view key) const;
    std::optional<double> get_float_opt(std::string_view key) const;
    std::optional<bool> get_bool_opt(std::string_view key) const;
    const Value& get_array(std::string_view key, ValueType elem_type) const;

    std::span<const TensorInfo> tensors() const noexcept { return tensors_; }
    const TensorInfo* find_tensor(std::string_view name) const noexcept;
    // Throws Error(invalid_file) naming the tensor when absent.
    const TensorInfo& tensor(std::string_view name) const;

    // Advice to the OS that the whole tensor data section will be read soon.
    void prefetch() const noexcept;
    // The mapping behind this file (null for from_memory).
    const MappedFile* mapping() const noexcept { return map_.get(); }

private:
    friend class Parser;
    File();
    std::string name_;
    std::unique_ptr<MappedFile> map_;
    std::span<const std::byte> bytes_;
    uint32_t version_ = 0;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::vector<MetadataEntry> metadata_;
    std::vector<TensorInfo> tensors_;
    std::unordered_map<std::string_view, size_t> metadata_index_;
    std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace hearth::gguf
