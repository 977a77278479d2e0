// GGUF v2/v3 parser: walks the header, metadata and tensor infos with a bounds-checked cursor.
// Format: magic "GGUF", u32 version, u64 tensor count, u64 metadata count, key/values,
// tensor infos, padding to general.alignment, then tensor data.
#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "hearth/gguf.hpp"
#include "hearth/mapped_file.hpp"

namespace hearth::gguf {

// Reads little-endian values from the mapping; every read checks the remaining length first.
class Parser {
public:
    Parser(File& file, const Limits& limits) : f_(file), limits_(limits), bytes_(file.bytes_) {}

    void parse() {
        parse_header();
        parse_metadata();
        parse_alignment();
        parse_tensor_infos();
        place_tensor_data();
    }

private:
    File& f_;
    const Limits& limits_;
    std::span<const std::byte> bytes_;
    uint64_t pos_ = 0;

    template <typename... Args>
    [[noreturn]] void fail(uint64_t at, fmt::format_string<Args...> what, Args&&... args) const {
        throw Error(ErrorCode::invalid_file, fmt::format("{}: {} (offset {}, file size {})", f_.name_,
                                                         fmt::format(what, std::forward<Args>(args)...), at, bytes_.size()));
    }

    uint64_t remaining() const { return bytes_.size() - pos_; }

    void need(uint64_t n, const char* field) const {
        if (n > remaining())
            fail(pos_, "truncated: {} needs {} bytes, {} left", field, n, remaining());
    }

    template <typename T>
    T read(const char* field) {
        need(sizeof(T), field);
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::string_view read_string(const char* field) {
        uint64_t at = pos_;
        uint64_t len = read<uint64_t>(field);
        if (len > limits_.max_string_bytes)
            fail(at, "{}: string length {} exceeds limit {}", field, len, limits_.max_string_bytes);
        need(len, field);
        std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<size_t>(len));
        pos_ += len;
        return s;
    }

    static uint64_t scalar_size(ValueType t) {
        switch (t) {
            case ValueType::u8: case ValueType::i8: case ValueType::boolean: return 1;
            case ValueType::u16: case ValueType::i16: return 2;
            case ValueType::u32: case ValueType::i32: case ValueType::f32: return 4;
            case ValueType::u64: case ValueType::i64: case ValueType::f64: return 8;
            default: return 0;
        }
    }

    ValueType read_value_type(const char* field) {
        uint64_t at = pos_;
        uint32_t t = read<uint32_t>(field);
        if (t > static_cast<uint32_t>(ValueType::f64))
            fail(at, "{}: unknown value type {}", field, t);
        return static_cast<ValueType>(t);
    }

    void read_scalar(Value& v, ValueType t, const char* field) {
        uint64_t n = scalar_size(t);
        need(n, field);
        uint64_t bits = 0;
        std::memcpy(&bits, bytes_.data() + pos_, n);  // little-endian host: low bytes hold the value
        if (t == ValueType::boolean && bits > 1) fail(pos_, "{}: bool value {}", field, bits);
        pos_ += n;
        v.bits_ = bits;
    }

    Value read_value(ValueType t, const std::string& field, uint32_t depth) {
        Value v;
        v.type_ = t;
        if (t == ValueType::string) {
            v.str_ = read_string(field.c_str());
        } else if (t == ValueType::array) {
            read_array(v, field, depth);
        } else {
            read_scalar(v, t, field.c_str());
        }
        return v;
    }

    void read_array(Value& v, const std::string& field, uint32_t depth) {
        if (depth >= limits_.max_array_depth)
            fail(pos_, "{}: arrays nested deeper than {}", field, limits_.max_array_depth);
        v.elem_type_ = read_value_type((field + " element type").c_str());
        uint64_t at = pos_;
        v.count_ = read<uint64_t>((field + " array length").c_str());
        // Each element takes at least this many bytes, so the count is bounded by the bytes left:
        // a hostile count cannot make us reserve more than the file justifies.
        uint64_t min_elem = v.elem_type_ == ValueType::string  ? 8
                            : v.elem_type_ == ValueType::array ? 12
                                                               : scalar_size(v.elem_type_);
        if (v.count_ > remaining() / min_elem)
            fail(at, "{}: array of {} {} elements does not fit in the {} bytes left", field, v.count_,
                 value_type_name(v.elem_type_), remaining());
        if (v.elem_type_ == ValueType::string) {
            v.strings_.reserve(static_cast<size_t>(v.count_));
            for (uint64_t i = 0; i < v.count_; ++i) v.strings_.push_back(read_string(field.c_str()));
        } else if (v.elem_type_ == ValueType::array) {
            v.nested_.reserve(static_cast<size_t>(v.count_));
            for (uint64_t i = 0; i < v.count_; ++i) v.nested_.push_back(read_value(ValueType::array, field, depth + 1));
        } else {
            v.raw_ = bytes_.data() + pos_;
            pos_ += v.count_ * min_elem;
            if (v.elem_type_ == ValueType::boolean)
                for (uint64_t i = 0; i < v.count_; ++i)
                    if (static_cast<uint8_t>(v.raw_[i]) > 1) fail(at + 8 + i, "{}: bool array element is not 0 or 1", field);
        }
    }

    void parse_header() {
        need(4, "magic");
        if (std::memcmp(bytes_.data(), "GGUF", 4) != 0) fail(0, "not a GGUF file (bad magic)");
        pos_ = 4;
        uint32_t version = read<uint32_t>("version");
        if (version == 0x03000000u || version == 0x02000000u)
            throw Error(ErrorCode::unsupported, f_.name_ + ": big-endian GGUF files are not supported");
        if (version == 1)
            throw Error(ErrorCode::unsupported, f_.name_ + ": GGUF version 1 is obsolete; re-convert the model");
        if (version != 2 && version != 3) fail(4, "unsupported GGUF version {}", version);
        f_.version_ = version;
    }

    uint64_t n_tensors_ = 0;

    void parse_metadata() {
        n_tensors_ = read<uint64_t>("tensor count");
        if (n_tensors_ > limits_.max_tensors)
            fail(8, "tensor count {} exceeds limit {}", n_tensors_, limits_.max_tensors);
        uint64_t n_kv = read<uint64_t>("metadata count");
        if (n_kv > limits_.max_metadata || n_kv > remaining() / 13)  // key length 8 + type 4 + 1 payload byte
            fail(16, "metadata count {} is impossible for the file size", n_kv);
        f_.metadata_.reserve(static_cast<size_t>(n_kv));
        for (uint64_t i = 0; i < n_kv; ++i) {
            uint64_t at = pos_;
            std::string_view key = read_string("metadata key");
            std::string field = "metadata '" + std::string(key) + "'";
            ValueType t = read_value_type((field + " type").c_str());
            Value v = read_value(t, field, 0);
            if (!f_.metadata_index_.emplace(key, f_.metadata_.size()).second) fail(at, "duplicate metadata key '{}'", key);
            f_.metadata_.push_back({key, std::move(v)});
        }
    }

    void parse_alignment() {
        const Value* a = f_.find("general.alignment");
        if (!a) return;
        auto n = a->as_uint();
        if (a->type() != ValueType::u32 || !n || *n == 0 || !std::has_single_bit(*n))
            fail(0, "general.alignment must be a power-of-two u32, got {}", a->to_display());
        f_.alignment_ = *n;
    }

    void parse_tensor_infos() {
        // name length 8 + n_dims 4 + type 4 + offset 8
        if (n_tensors_ > remaining() / 24)
            fail(8, "tensor count {} is impossible for the file size", n_tensors_);
        f_.tensors_.reserve(static_cast<size_t>(n_tensors_));
        for (uint64_t i = 0; i < n_tensors_; ++i) {
            uint64_t at = pos_;
            TensorInfo t;
            t.name = read_string("tensor name");
            std::string field = "tensor '" + std::string(t.name) + "'";
            t.n_dims = read<uint32_t>("tensor dimension count");
            if (t.n_dims > 4) fail(at, "{} has {} dimensions (max 4)", field, t.n_dims);
            uint64_t n = 1;
            for (uint32_t d = 0; d < t.n_dims; ++d) {
                t.ne[d] = read<uint64_t>("tensor dimension");
                if (t.ne[d] > (uint64_t{1} << 62)) fail(at, "{} dimension {} is {}", field, d, t.ne[d]);
                if (t.ne[d] != 0 && n > UINT64_MAX / t.ne[d]) fail(at, "{}: element count overflows", field);
                n *= t.ne[d];
            }
            t.n_elements = n;
            uint64_t type_at = pos_;
            uint32_t type_id = read<uint32_t>("tensor type");
            auto info = ggml_type_info(type_id);
            if (!info) fail(type_at, "{} has unknown tensor type id {}", field, type_id);
            t.type = static_cast<GgmlType>(type_id);
            if (t.ne[0] % info->block_elements != 0)
                fail(at, "{}: row length {} is not a multiple of the {} block size {}", field, t.ne[0], info->name,
                     info->block_elements);
            uint64_t blocks = n / info->block_elements;
            if (blocks > UINT64_MAX / info->block_bytes) fail(at, "{}: byte size overflows", field);
            t.n_bytes = blocks * info->block_bytes;
            t.offset = read<uint64_t>("tensor data offset");
            if (!f_.tensor_index_.emplace(t.name, f_.tensors_.size()).second)
                fail(at, "duplicate tensor name '{}'", t.name);
            f_.tensors_.push_back(t);
        }
    }

    void place_tensor_data() {
        uint64_t align = f_.alignment_;
        uint64_t data = (pos_ + align - 1) / align * align;
        if (data > bytes_.size()) {
            if (!f_.tensors_.empty()) fail(pos_, "truncated: tensor data section starts past the end of the file");
            data = bytes_.size();
        }
        f_.data_offset_ = data;
        uint64_t data_size = bytes_.size() - data;
        // GGUF (as ggml reads it) stores the tensors' data in the order of their infos, each padded
        // to the alignment: so every offset is known in advance, and ranges can neither overlap nor
        // leave gaps (a wrong type or a phantom tensor read from padding shows up here). Messages
        // give the stored offset, not data + offset, which could wrap around.
        uint64_t expected = 0;
        for (TensorInfo& t : f_.tensors_) {
            std::string field = "tensor '" + std::string(t.name) + "'";
            if (t.offset % align != 0)
                fail(data, "{} data offset {} is not aligned to {}", field, t.offset, align);
            if (t.offset != expected)
                fail(data,
                     "{} data offset {} is not where GGUF places it: expected {} (tensor data is stored in the order of the "
                     "tensor infos, each padded to {} bytes; overlapping, reordered or mis-sized tensors)",
                     field, t.offset, expected, align);
            if (t.offset > data_size || t.n_bytes > data_size - t.offset)
                fail(data, "{} extends past end of file (data offset {} in the section at {}, size {})", field, t.offset, data,
                     t.n_bytes);

            expected = t.offset + (t.n_bytes + align - 1) / align * align;  // no overflow: both fit in the file
            t.data = bytes_.data() + data + t.offset;
        }
    }
};

File::File() = default;
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

File File::open(const std::filesystem::path& path, const Limits& limits) {
    File f;
    f.name_ = path.string();
    f.map_ = std::make_unique<MappedFile>(path);
    f.bytes_ = f.map_->bytes();
    Parser(f, limits).parse();
    return f;
}

File File::from_memory(std::span<const std::byte> bytes, std::string name, const Limits& limits) {
    File f;
    f.name_ = std::move(name);
    f.bytes_ = bytes;
    Parser(f, limits).parse();
    return f;
}

void File::prefetch() const noexcept {
    if (map_) map_->advise_willneed(data_offset_, bytes_.size() - data_offset_);
}

const TensorInfo* File::find_tensor(std::string_view name) const noexcept {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& File::tensor(std::string_view name) const {
    if (const TensorInfo* t = find_tensor(name)) return *t;
    throw Error(ErrorCode::invalid_file, name_ + ": tensor '" + std::string(name) + "' is missing");
}

}  // namespace hearth::gguf
