// GGUF v3 writer: header, key/values, tensor infos, padding, then the tensor data blocks.
#include "hearth/gguf_writer.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace hearth::gguf {
namespace {

void append(std::vector<std::byte>& out, const void* p, size_t n) {
    const size_t old = out.size();
    out.resize(old + n);
    if (n) std::memcpy(out.data() + old, p, n);
}

template <typename T>
void append_value(std::vector<std::byte>& out, T v) {
    append(out, &v, sizeof v);
}

void append_string(std::vector<std::byte>& out, std::string_view s) {
    append_value<uint64_t>(out, s.size());
    append(out, s.data(), s.size());
}

uint64_t pad_to(uint64_t n, uint64_t align) { return (n + align - 1) / align * align; }

}  // namespace

Writer::Writer(uint32_t alignment) : alignment_(alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        throw Error(ErrorCode::invalid_argument, fmt::format("GGUF alignment must be a power of two, got {}", alignment));
    if (alignment != 32) add_u32("general.alignment", alignment);
}

template <typename T>
void Writer::put(T v) {
    append_value(kv_, v);
}

void Writer::put_string(std::string_view s) { append_string(kv_, s); }

void Writer::key(std::string_view k, ValueType t) {
    put_string(k);
    put(static_cast<uint32_t>(t));
    ++n_kv_;
}

void Writer::add_u32(std::string_view k, uint32_t v) { key(k, ValueType::u32); put(v); }
void Writer::add_i32(std::string_view k, int32_t v) { key(k, ValueType::i32); put(v); }
void Writer::add_u64(std::string_view k, uint64_t v) { key(k, ValueType::u64); put(v); }
void Writer::add_f32(std::string_view k, float v) { key(k, ValueType::f32); put(v); }
void Writer::add_bool(std::string_view k, bool v) { key(k, ValueType::boolean); put(static_cast<uint8_t>(v)); }
void Writer::add_string(std::string_view k, std::string_view v) { key(k, ValueType::string); put_string(v); }

void Writer::add_string_array(std::string_view k, std::span<const std::string> v) {
    key(k, ValueType::array);
    put(static_cast<uint32_t>(ValueType::string));
    put(static_cast<uint64_t>(v.size()));
    for (const std::string& s : v) put_string(s);
}

void Writer::add_f32_array(std::string_view k, std::span<const float> v) {
    key(k, ValueType::array);
    put(static_cast<uint32_t>(ValueType::f32));
    put(static_cast<uint64_t>(v.size()));
    append(kv_, v.data(), v.size_bytes());
}

void Writer::add_i32_array(std::string_view k, std::span<const int32_t> v) {
    key(k, ValueType::array);
    put(static_cast<uint32_t>(ValueType::i32));
    put(static_cast<uint64_t>(v.size()));
    append(kv_, v.data(), v.size_bytes());
}

void Writer::add_value(std::string_view k, const Value& v) {
    key(k, v.type());
    // Serializes the payload of v (recursively for arrays) in file order.
    auto payload = [this](const Value& x, auto& self) -> void {
        switch (x.type()) {
            case ValueType::string: put_string(*x.as_string()); return;
            case ValueType::array: {
                put(static_cast<uint32_t>(x.array_type()));
                put(static_cast<uint64_t>(x.array_size()));
                if (x.array_type() == ValueType::string) {
                    for (std::string_view s : x.strings()) put_string(s);
                } else if (x.array_type() == ValueType::array) {
                    for (const Value& inner : x.nested()) self(inner, self);
                } else {
                    for (uint64_t i = 0; i < x.array_size(); ++i) {
                        switch (x.array_type()) {
                            case ValueType::f32: put(static_cast<float>(*x.float_at(i))); break;
                            case ValueType::f64: put(*x.float_at(i)); break;
                            case ValueType::u8: case ValueType::i8: case ValueType::boolean: put(static_cast<uint8_t>(*x.int_at(i))); break;
                            case ValueType::u16: case ValueType::i16: put(static_cast<uint16_t>(*x.int_at(i))); break;
                            case ValueType::u32: case ValueType::i32: put(static_cast<uint32_t>(*x.int_at(i))); break;
                            default: put(static_cast<uint64_t>(*x.int_at(i))); break;
                        }
                    }
                }
                return;
            }
            case ValueType::f32: put(static_cast<float>(*x.as_float())); return;
            case ValueType::f64: put(*x.as_float()); return;
            case ValueType::boolean: put(static_cast<uint8_t>(*x.as_bool())); return;
            case ValueType::u8: case ValueType::i8: put(static_cast<uint8_t>(*x.as_int())); return;
            case ValueType::u16: case ValueType::i16: put(static_cast<uint16_t>(*x.as_int())); return;
            case ValueType::u32: case ValueType::i32: put(static_cast<uint32_t>(*x.as_int())); return;
            case ValueType::u64: put(*x.as_uint()); return;
            case ValueType::i64: put(static_cast<uint64_t>(*x.as_int())); return;
        }
    };
    payload(v, payload);
}

uint64_t Writer::checked_bytes(std::string_view name, GgmlType type, std::span<const uint64_t> ne) const {
    if (ne.empty() || ne.size() > 4)
        throw Error(ErrorCode::invalid_argument, "tensor '" + std::string(name) + "': 1 to 4 dimensions required");
    uint64_t n = 1;
    for (uint64_t d : ne) n *= d;
    auto row = ggml_row_bytes(type, ne[0]);
    if (!row)
        throw Error(ErrorCode::invalid_argument, fmt::format("tensor '{}': row of {} is not a whole number of {} blocks", name,
                                                             ne[0], ggml_type_name(type)));
    return *row * (ne[0] ? n / ne[0] : 0);
}

void Writer::add_tensor(std::string_view name, GgmlType type, std::span<const uint64_t> ne, std::span<const std::byte> data) {
    const uint64_t bytes = checked_bytes(name, type, ne);
    if (bytes != data.size())
        throw Error(ErrorCode::invalid_argument, fmt::format("tensor '{}': {} bytes do not match its {} shape ({})", name,
                                                             data.size(), ggml_type_name(type), bytes));

    tensors_.push_back({std::string(name), type, {ne.begin(), ne.end()}, data, bytes, data_size_, false});
    data_size_ = pad_to(data_size_ + bytes, alignment_);
}

void Writer::add_tensor(std::string_view name, GgmlType type, std::span<const uint64_t> ne) {
    const uint64_t bytes = checked_bytes(name, type, ne);
    tensors_.push_back({std::string(name), type, {ne.begin(), ne.end()}, {}, bytes, data_size_, true});
    data_size_ = pad_to(data_size_ + bytes, alignment_);
}

std::vector<std::byte> Writer::header_bytes() const {
    std::vector<std::byte> out;
    out.reserve(24 + kv_.size() + tensors_.size() * 64 + alignment_);
    append(out, "GGUF", 4);
    append_value<uint32_t>(out, 3);
    append_value<uint64_t>(out, tensors_.size());
    append_value<uint64_t>(out, n_kv_);
    append(out, kv_.data(), kv_.size());
    for (const Tensor& t : tensors_) {
        append_string(out, t.name);
        append_value<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
        for (uint64_t d : t.ne) append_value<uint64_t>(out, d);
        append_value<uint32_t>(out, static_cast<uint32_t>(t.type));
        append_value<uint64_t>(out, t.offset);
    }
    out.resize(pad_to(out.size(), alignment_), std::byte{0});
    return out;
}

std::vector<std::byte> Writer::to_bytes() const {
    std::vector<std::byte> out = header_bytes();
    size_t base = out.size();
    out.resize(base + data_size_, std::byte{0});
    for (const Tensor& t : tensors_) {
        if (t.deferred) throw Error(ErrorCode::invalid_argument, "tensor '" + t.name + "' has no data: use write() with a source");
        if (!t.data.empty()) std::memcpy(out.data() + base + t.offset, t.data.data(), t.data.size());
    }
    return out;
}

void Writer::write(const std::filesystem::path& path, const TensorSource& source) const {
    std::filesystem::path tmp = path;
    tmp += ".partial";
    try {
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw Error(ErrorCode::io, tmp.string() + ": cannot open for writing");
            std::vector<std::byte> header = header_bytes();
            out.write(reinterpret_cast<const char*>(header.data()), static_cast<std::streamsize>(header.size()));
            uint64_t written = 0;
            const char zeros[64] = {};
            std::vector<std::byte> produced;
            for (size_t i = 0; i < tensors_.size(); ++i) {
                const Tensor& t = tensors_[i];
                for (; written < t.offset; written += std::min<uint64_t>(64, t.offset - written))
                    out.write(zeros, static_cast<std::streamsize>(std::min<uint64_t>(64, t.offset - written)));
                std::span<const std::byte> bytes = t.data;
                if (t.deferred) {
                    if (!source) throw Error(ErrorCode::invalid_argument, "tensor '" + t.name + "' has no data and no source");
                    produced.assign(t.n_bytes, std::byte{0});
                    source(i, produced);
                    bytes = produced;
                }
                out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
                written += bytes.size();
            }
            for (; written < data_size_; written += std::min<uint64_t>(64, data_size_ - written))
                out.write(zeros, static_cast<std::streamsize>(std::min<uint64_t>(64, data_size_ - written)));
            if (!out.flush()) throw Error(ErrorCode::io, tmp.string() + ": write failed (disk full?)");
        }
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);  // leave no half-written file behind
        throw;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw Error(ErrorCode::io, path.string() + ": cannot rename into place: " + ec.message());
}

}  // namespace hearth::gguf
