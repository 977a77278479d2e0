// The attention memory of a Session: keys and values of every past position, stored in F16 as
// llama.cpp does by default (the F16 rounding is part of the numbers we must match), or in Q8_0
// (34 bytes per 32 values, about half of F16) when memory is tight.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hearth/memory.hpp"
#include "memory/aligned_buffer.hpp"

namespace hearth {

class KvCache {
public:
    KvCache() = default;
    // Allocates n_layer x n_ctx positions of kv_dim keys and values; throws Error(out_of_memory),
    // Error(unsupported) for Q8_0 when kv_dim is not a whole number of 32-value blocks.
    KvCache(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type = KvType::f16);

    // Bytes the constructor allocates (page-rounded): the fit planner's number, from the same formula.
    static size_t planned_bytes(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type);
    // Bytes of one row of kv_dim values in type (kv_dim % 32 == 0 for Q8_0).
    static size_t row_bytes(size_t kv_dim, KvType type) noexcept;

    size_t n_ctx() const noexcept { return n_ctx_; }
    size_t kv_dim() const noexcept { return kv_dim_; }
    KvType type() const noexcept { return type_; }
    size_t bytes() const noexcept { return buffer_.size(); }
    const std::byte* data() const noexcept { return buffer_.data(); }
    size_t row_stride() const noexcept { return row_bytes_; }  // bytes from one position to the next

    // Keys of layer il: [n_ctx] rows of kv_dim values in type(), row_stride() bytes apart.
    const std::byte* keys(size_t il) const noexcept { return buffer_.data() + il * layer_stride(); }
    // Values of layer il, laid out as keys().
    const std::byte* values(size_t il) const noexcept { return keys(il) + n_ctx_ * row_bytes_; }
    // F16 views of the same (type() == f16).
    const uint16_t* keys_f16(size_t il) const noexcept { return reinterpret_cast<const uint16_t*>(keys(il)); }
    const uint16_t* values_f16(size_t il) const noexcept { return reinterpret_cast<const uint16_t*>(values(il)); }

    // Writes position pos of layer il (rounded to f16 or quantized). pos < n_ctx is the caller's promise.
    void store(size_t il, size_t pos, const float* k, const float* v) noexcept;

private:
    size_t layer_stride() const noexcept { return 2 * n_ctx_ * row_bytes_; }

    AlignedBuffer buffer_;
    size_t n_ctx_ = 0;
    size_t kv_dim_ = 0;
    size_t row_bytes_ = 0;
    KvType type_ = KvType::f16;
};

}  // namespace hearth
