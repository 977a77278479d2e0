// Typed access to GGUF metadata values and File's key lookups with descriptive errors.
#include <bit>
#include <cstring>
#include <limits>
#include <sstream>

#include "hearth/gguf.hpp"

namespace hearth::gguf {
namespace {

bool is_signed(ValueType t) {
    return t == ValueType::i8 || t == ValueType::i16 || t == ValueType::i32 || t == ValueType::i64;
}
bool is_unsigned(ValueType t) {
    return t == ValueType::u8 || t == ValueType::u16 || t == ValueType::u32 || t == ValueType::u64;
}

// Sign-extends the low bytes of a scalar payload according to its stored type.
int64_t signed_value(ValueType t, uint64_t bits) {
    switch (t) {
        case ValueType::i8: return static_cast<int8_t>(bits);
        case ValueType::i16: return static_cast<int16_t>(bits);
        case ValueType::i32: return static_cast<int32_t>(bits);
        default: return static_cast<int64_t>(bits);
    }
}

double float_value(ValueType t, uint64_t bits) {
    if (t == ValueType::f32) return std::bit_cast<float>(static_cast<uint32_t>(bits));
    return std::bit_cast<double>(bits);
}

uint64_t load_element(const std::byte* raw, ValueType t, uint64_t i) {
    uint64_t size = t == ValueType::u8 || t == ValueType::i8 || t == ValueType::boolean ? 1
                    : t == ValueType::u16 || t == ValueType::i16                        ? 2
                    : t == ValueType::u32 || t == ValueType::i32 || t == ValueType::f32 ? 4
                                                                                        : 8;
    uint64_t bits = 0;
    std::memcpy(&bits, raw + i * size, size);
    return bits;
}

}  // namespace

std::string_view value_type_name(ValueType type) noexcept {
    switch (type) {
        case ValueType::u8: return "u8";
        case ValueType::i8: return "i8";
        case ValueType::u16: return "u16";
        case ValueType::i16: return "i16";
        case ValueType::u32: return "u32";
        case ValueType::i32: return "i32";
        case ValueType::f32: return "f32";
        case ValueType::boolean: return "bool";
        case ValueType::string: return "string";
        case ValueType::array: return "array";
        case ValueType::u64: return "u64";
        case ValueType::i64: return "i64";
        case ValueType::f64: return "f64";
    }
    return "?";
}

bool Value::is_integer() const noexcept { return is_signed(type_) || is_unsigned(type_); }

std::optional<int64_t> Value::as_int() const noexcept {
    if (is_signed(type_)) return signed_value(type_, bits_);
    if (is_unsigned(type_) && bits_ <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return static_cast<int64_t>(bits_);
    return std::nullopt;
}

std::optional<uint64_t> Value::as_uint() const noexcept {
    if (is_unsigned(type_)) return bits_;
    if (is_signed(type_)) {
        int64_t v = signed_value(type_, bits_);
        if (v >= 0) return static_cast<uint64_t>(v);
    }
    return std::nullopt;
}

std::optional<double> Value::as_float() const noexcept {
    if (is_float()) return float_value(type_, bits_);
    if (is_signed(type_)) return static_cast<double>(signed_value(type_, bits_));
    if (is_unsigned(type_)) return static_cast<double>(bits_);
    return std::nullopt;
}

std::optional<bool> Value::as_bool() const noexcept {
    if (type_ == ValueType::boolean) return bits_ != 0;
    return std::nullopt;
}

std::optional<std::string_view> Value::as_string() const noexcept {
    if (type_ == ValueType::string) return str_;
    return std::nullopt;
}

std::optional<int64_t> Value::int_at(uint64_t i) const noexcept {
    if (type_ != ValueType::array || !raw_ || i >= count_) return std::nullopt;
    if (!is_signed(elem_type_) && !is_unsigned(elem_type_) && elem_type_ != ValueType::boolean) return std::nullopt;
    uint64_t bits = load_element(raw_, elem_type_, i);
    if (is_signed(elem_type_)) return signed_value(elem_type_, bits);
    if (bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(bits);
}

std::optional<double> Value::float_at(uint64_t i) const noexcept {
    if (type_ != ValueType::array || !raw_ || i >= count_) return std::nullopt;
    uint64_t bits = load_element(raw_, elem_type_, i);
    if (elem_type_ == ValueType::f32 || elem_type_ == ValueType::f64) return float_value(elem_type_, bits);
    if (is_signed(elem_type_)) return static_cast<double>(signed_value(elem_type_, bits));
    if (is_unsigned(elem_type_)) return static_cast<double>(bits);
    return std::nullopt;
}

std::string Value::to_display(size_t max_items) const {
    std::ostringstream out;
    auto quoted = [&](std::string_view s) {
        out << '"';
        size_t shown = 0;
        for (char c : s) {
            if (++shown > 120) { out << "..."; break; }
            if (c == '\n') out << "\\n";
            else if (c == '"' || c == '\\') out << '\\' << c;
            else if (static_cast<unsigned char>(c) < 0x20) out << '?';
            else out << c;
        }
        out << '"';
    };
    switch (type_) {
        case ValueType::string: quoted(str_); break;
        case ValueType::boolean: out << (bits_ ? "true" : "false"); break;
        case ValueType::f32: case ValueType::f64: out << *as_float(); break;
        case ValueType::array: {
            out << '[';
            uint64_t n = std::min<uint64_t>(count_, max_items);
            for (uint64_t i = 0; i < n; ++i) {
                if (i) out << ", ";
                if (elem_type_ == ValueType::string) quoted(strings_[i]);
                else if (elem_type_ == ValueType::array) out << nested_[i].to_display(max_items);
                else if (elem_type_ == ValueType::f32 || elem_type_ == ValueType::f64) out << *float_at(i);
                else if (elem_type_ == ValueType::boolean) out << (*int_at(i) ? "true" : "false");
                else if (is_unsigned(elem_type_)) out << load_element(raw_, elem_type_, i);
                else out << *int_at(i);
            }
            if (count_ > n) out << ", ... (" << count_ << " " << value_type_name(elem_type_) << ")";
            out << ']';
            break;
        }
        default:
            if (is_signed(type_)) out << signed_value(type_, bits_);
            else out << bits_;
    }
    return out.str();
}

const Value* File::find(std::string_view key) const noexcept {
    auto it = metadata_index_.find(key);
    return it == metadata_index_.end() ? nullptr : &metadata_[it->second].value;
}

namespace {
[[noreturn]] void wrong_type(const std::string& file, std::string_view key, const Value& v, const char* wanted) {
    throw Error(ErrorCode::invalid_file, file + ": metadata '" + std::string(key) + "' should be " + wanted + ", found " +
                                             std::string(value_type_name(v.type())) + " " + v.to_display(4));
}
[[noreturn]] void missing(const std::string& file, std::string_view key) {
    throw Error(ErrorCode::invalid_file, file + ": required metadata '" + std::string(key) + "' is missing");
}
}  // namespace

std::optional<std::string_view> File::get_string_opt(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (auto s = v->as_string()) return s;
    wrong_type(name_, key, *v, "a string");
}

std::optional<uint64_t> File::get_uint_opt(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (auto n = v->as_uint()) return n;
    wrong_type(name_, key, *v, "a non-negative integer");
}

std::optional<double> File::get_float_opt(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (auto x = v->as_float()) return x;
    wrong_type(name_, key, *v, "a number");
}

std::optional<bool> File::get_bool_opt(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (auto b = v->as_bool()) return b;
    wrong_type(name_, key, *v, "a bool");
}

std::string_view File::get_string(std::string_view key) const {
    if (auto v = get_string_opt(key)) return *v;
    missing(name_, key);
}
uint64_t File::get_uint(std::string_view key) const {
    if (auto v = get_uint_opt(key)) return *v;
    missing(name_, key);
}
double File::get_float(std::string_view key) const {
    if (auto v = get_float_opt(key)) return *v;
    missing(name_, key);
}
bool File::get_bool(std::string_view key) const {
    if (auto v = get_bool_opt(key)) return *v;
    missing(name_, key);
}

const Value& File::get_array(std::string_view key, ValueType elem_type) const {
    const Value* v = find(key);
    if (!v) missing(name_, key);
    if (v->type() != ValueType::array || v->array_type() != elem_type)
        wrong_type(name_, key, *v, ("an array of " + std::string(value_type_name(elem_type))).c_str());
    return *v;
}

}  // namespace hearth::gguf
