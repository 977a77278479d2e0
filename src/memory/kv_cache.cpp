// F16 key/value storage, preallocated for the whole context at Session creation.
#include "memory/kv_cache.hpp"

#include <string>

#include "hearth/error.hpp"
#include "kernels/ref/f16.hpp"

namespace hearth {

KvCache::KvCache(size_t n_layer, size_t n_ctx, size_t kv_dim) : n_ctx_(n_ctx), kv_dim_(kv_dim) {
    // Sizes come from validated metadata (each below 2^24), so this product cannot overflow 64 bits.
    const size_t bytes = n_layer * 2 * n_ctx * kv_dim * sizeof(uint16_t);
    buffer_ = AlignedBuffer(bytes, "KV cache");
}

void KvCache::store(size_t il, size_t pos, const float* k, const float* v) noexcept {
    uint16_t* k_row = base() + il * layer_stride() + pos * kv_dim_;
    uint16_t* v_row = k_row + n_ctx_ * kv_dim_;
    for (size_t i = 0; i < kv_dim_; ++i) {
        k_row[i] = kernels::fp32_to_fp16(k[i]);
        v_row[i] = kernels::fp32_to_fp16(v[i]);
    }
}

}  // namespace hearth
