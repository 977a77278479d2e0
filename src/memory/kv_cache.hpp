// The attention memory of a Session: keys and values of every past position, stored in F16 as
// llama.cpp does by default (the F16 rounding is part of the numbers we must match), or in Q8_0
// (34 bytes per 32 values, about half of F16) when memory is tight. Sliding-window layers keep
// only the positions their queries can still see (see KvWindow).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hearth/memory.hpp"
#include "memory/aligned_buffer.hpp"

namespace hearth {

// Layers with sliding-window attention (gemma3's local layers) keep `rows` positions instead of
// n_ctx: the last window - 1 positions before a batch plus the batch itself (rows >= window - 1 +
// n_batch). Their rows hold consecutive positions starting at first_pos(); when a batch would run
// past the end, the window - 1 positions it still needs move to the front (make_room). A move
// every n_batch tokens (window - 1 rows per layer) is far cheaper than the ring's alternative,
// attention kernels that wrap around, and keeps every kernel reading one contiguous run.
struct KvWindow {
    size_t window = 0;         // a query sees itself and the window - 1 positions before it
    size_t rows = 0;           // positions a windowed layer keeps
    std::vector<bool> layers;  // [n_layer] true for a windowed layer; empty: none
};

class KvCache {
public:
    KvCache() = default;
    // Allocates n_ctx positions (window.rows for windowed layers) of kv_dim keys and values per
    // layer; throws Error(out_of_memory), Error(unsupported) for Q8_0 when kv_dim is not a whole
    // number of 32-value blocks.
    KvCache(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type = KvType::f16, KvWindow window = {});

    // Bytes the constructor allocates (page-rounded): the fit planner's number, from the same formula.
    static size_t planned_bytes(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type, const KvWindow& window = {});
    // Bytes of one row of kv_dim values in type (kv_dim % 32 == 0 for Q8_0).
    static size_t row_bytes(size_t kv_dim, KvType type) noexcept;

    size_t n_ctx() const noexcept { return n_ctx_; }
    size_t kv_dim() const noexcept { return kv_dim_; }
    KvType type() const noexcept { return type_; }
    size_t bytes() const noexcept { return buffer_.size(); }
    const std::byte* data() const noexcept { return buffer_.data(); }
    size_t row_stride() const noexcept { return row_bytes_; }  // bytes from one position to the next

    const KvWindow& window() const noexcept { return window_; }
    bool windowed(size_t il) const noexcept { return !window_.layers.empty() && window_.layers[il]; }
    // Position held by row 0 of layer il (0 for a layer that keeps the whole context).
    size_t first_pos(size_t il) const noexcept { return windowed(il) ? first_pos_ : 0; }

    // Keys of layer il: [n_ctx or window.rows] rows of kv_dim values in type(), row_stride() bytes
    // apart; row r holds position first_pos(il) + r.
    const std::byte* keys(size_t il) const noexcept { return buffer_.data() + layer_offset_[il]; }
    // Values of layer il, laid out as keys().
    const std::byte* values(size_t il) const noexcept { return keys(il) + layer_rows(il) * row_bytes_; }
    // F16 views of the same (type() == f16).
    const uint16_t* keys_f16(size_t il) const noexcept { return reinterpret_cast<const uint16_t*>(keys(il)); }
    const uint16_t* values_f16(size_t il) const noexcept { return reinterpret_cast<const uint16_t*>(values(il)); }

    // Writes position pos of layer il (rounded to f16 or quantized). pos < n_ctx is the caller's
    // promise, and for a windowed layer that make_room was called for the batch holding pos.
    void store(size_t il, size_t pos, const float* k, const float* v) noexcept;

    // Before a batch of n <= rows - (window - 1) positions from pos0 (all before pos0 stored):
    // makes the windowed layers' rows hold pos0 - window + 1 .. pos0 + n - 1.
    void make_room(size_t pos0, size_t n) noexcept;
    // How many of the first n_keep positions can be kept: n_keep when the windowed layers still
    // hold the window - 1 positions before n_keep, else 0 (the caller evaluates again from the start).
    size_t keepable(size_t n_keep) const noexcept;
    // Keeps keepable(n_keep) positions (0 also resets the windowed layers) and returns that count.
    size_t keep(size_t n_keep) noexcept;
    // Most positions one batch may append (windowed layers: rows - (window - 1)).
    size_t max_batch() const noexcept { return window_.layers.empty() ? SIZE_MAX : window_.rows - (window_.window - 1); }

private:
    size_t layer_rows(size_t il) const noexcept { return windowed(il) ? window_.rows : n_ctx_; }

    AlignedBuffer buffer_;
    std::vector<size_t> layer_offset_;  // [n_layer] byte offset of the layer's keys
    KvWindow window_;
    size_t first_pos_ = 0;  // position in row 0 of every windowed layer
    size_t n_ctx_ = 0;
    size_t kv_dim_ = 0;
    size_t row_bytes_ = 0;
    KvType type_ = KvType::f16;
};

}  // namespace hearth
