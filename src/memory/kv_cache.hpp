// The attention memory of a Session: keys and values of every past position, stored in F16 as
// llama.cpp does (halves the memory, and the F16 rounding is part of the numbers we must match).
#pragma once

#include <cstddef>
#include <cstdint>

#include "memory/aligned_buffer.hpp"

namespace hearth {

class KvCache {
public:
    KvCache() = default;
    // Allocates n_layer x n_ctx positions of kv_dim keys and values; throws Error(out_of_memory).
    KvCache(size_t n_layer, size_t n_ctx, size_t kv_dim);

    size_t n_ctx() const noexcept { return n_ctx_; }
    size_t kv_dim() const noexcept { return kv_dim_; }
    size_t bytes() const noexcept { return buffer_.size(); }

    // Keys of layer il: [n_ctx][kv_dim] f16, one row per position.
    const uint16_t* keys(size_t il) const noexcept { return base() + il * layer_stride(); }
    // Values of layer il: [n_ctx][kv_dim] f16, one row per position.
    const uint16_t* values(size_t il) const noexcept { return keys(il) + n_ctx_ * kv_dim_; }

    // Writes position pos of layer il (rounded to f16). pos < n_ctx is the caller's promise.
    void store(size_t il, size_t pos, const float* k, const float* v) noexcept;

private:
    const uint16_t* base() const noexcept { return reinterpret_cast<const uint16_t*>(buffer_.data()); }
    uint16_t* base() noexcept { return reinterpret_cast<uint16_t*>(buffer_.data()); }
    size_t layer_stride() const noexcept { return 2 * n_ctx_ * kv_dim_; }

    AlignedBuffer buffer_;
    size_t n_ctx_ = 0;
    size_t kv_dim_ = 0;
};

}  // namespace hearth
