// KV storage, preallocated for the whole context at Session creation (F16 or Q8_0 rows); the
// sliding-window layers' bounded rows and their moves (kv_cache.hpp).
#include "memory/kv_cache.hpp"

#include <cstring>
#include <string>

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "kernels/kernels.hpp"
#include "kernels/ref/f16.hpp"

namespace hearth {

namespace {
constexpr size_t kQ8Block = 32;  // values per Q8_0 block
constexpr size_t kQ8BlockBytes = 34;  // f16 scale + 32 int8
}  // namespace

const char* to_string(KvType type) noexcept { return type == KvType::q8_0 ? "q8_0" : "f16"; }

std::optional<KvType> parse_kv_type(std::string_view name) noexcept {
    if (name == "f16") return KvType::f16;
    if (name == "q8_0") return KvType::q8_0;
    return std::nullopt;
}

size_t KvCache::row_bytes(size_t kv_dim, KvType type) noexcept {
    return type == KvType::q8_0 ? kv_dim / kQ8Block * kQ8BlockBytes : kv_dim * sizeof(uint16_t);
}

size_t KvCache::planned_bytes(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type, const KvWindow& window) {
    if (type == KvType::q8_0 && kv_dim % kQ8Block != 0)
        throw Error(ErrorCode::unsupported,
                    fmt::format("KV cache type q8_0 needs a key/value width that is a multiple of 32 (this model's is {}): use f16", kv_dim));
    size_t rows = 0;
    for (size_t il = 0; il < n_layer; ++il) rows += il < window.layers.size() && window.layers[il] ? window.rows : n_ctx;
    // Sizes come from validated metadata (each below 2^24), so this product cannot overflow 64 bits.
    return round_to_pages(2 * rows * row_bytes(kv_dim, type), host_allocator().page_size());
}

KvCache::KvCache(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type, KvWindow window)
    : window_(std::move(window)), n_ctx_(n_ctx), kv_dim_(kv_dim), row_bytes_(row_bytes(kv_dim, type)), type_(type) {
    if (!window_.layers.empty() && (window_.layers.size() != n_layer || window_.window == 0 || window_.rows < window_.window))
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("KV cache: inconsistent sliding-window plan (window {}, rows {})", window_.window, window_.rows));

    buffer_ = AlignedBuffer(planned_bytes(n_layer, n_ctx, kv_dim, type, window_), "KV cache");
    layer_offset_.resize(n_layer);
    for (size_t il = 0, at = 0; il < n_layer; ++il) {
        layer_offset_[il] = at;
        at += 2 * layer_rows(il) * row_bytes_;
    }
}

void KvCache::make_room(size_t pos0, size_t n) noexcept {
    if (window_.layers.empty() || pos0 + n <= first_pos_ + window_.rows) return;
    const size_t first = pos0 + 1 > window_.window ? pos0 + 1 - window_.window : 0;  // oldest key pos0 still sees
    const size_t from = first - first_pos_, count = pos0 - first;  // rows to move to the front
    for (size_t il = 0; il < window_.layers.size(); ++il) {
        if (!window_.layers[il]) continue;
        std::byte* k = buffer_.data() + layer_offset_[il];
        std::byte* v = k + window_.rows * row_bytes_;
        std::memmove(k, k + from * row_bytes_, count * row_bytes_);
        std::memmove(v, v + from * row_bytes_, count * row_bytes_);
    }
    first_pos_ = first;
}

size_t KvCache::keepable(size_t n_keep) const noexcept {
    const size_t needed = n_keep + 1 > window_.window ? n_keep + 1 - window_.window : 0;  // oldest key position n_keep sees
    return first_pos_ <= needed ? n_keep : 0;
}

size_t KvCache::keep(size_t n_keep) noexcept {
    const size_t kept = keepable(n_keep);
    if (kept == 0) first_pos_ = 0;
    return kept;
}

void KvCache::store(size_t il, size_t pos, const float* k, const float* v) noexcept {
    std::byte* k_row = buffer_.data() + layer_offset_[il] + (pos - first_pos(il)) * row_bytes_;
    std::byte* v_row = k_row + layer_rows(il) * row_bytes_;
    if (type_ == KvType::q8_0) {
        // The same rounding the matmul uses for activations (ggml quantizes its cache rows so too).
        static const kernels::TypeKernels* q8 = kernels::type_kernels(GgmlType::q8_0);
        q8->quantize_act_row(k, k_row, kv_dim_);
        q8->quantize_act_row(v, v_row, kv_dim_);
        return;
    }
    auto* k16 = reinterpret_cast<uint16_t*>(k_row);
    auto* v16 = reinterpret_cast<uint16_t*>(v_row);
    for (size_t i = 0; i < kv_dim_; ++i) {
        k16[i] = kernels::fp32_to_fp16(k[i]);
        v16[i] = kernels::fp32_to_fp16(v[i]);
    }
}

}  // namespace hearth
