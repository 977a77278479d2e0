// KV storage, preallocated for the whole context at Session creation (F16 or Q8_0 rows).
#include "memory/kv_cache.hpp"

#include <string>

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

size_t KvCache::planned_bytes(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type) {
    if (type == KvType::q8_0 && kv_dim % kQ8Block != 0)
        throw Error(ErrorCode::unsupported, "KV cache type q8_0 needs a key/value width that is a multiple of 32 (this model's is " +
                                                std::to_string(kv_dim) + "): use f16");
    // Sizes come from validated metadata (each below 2^24), so this product cannot overflow 64 bits.
    return round_to_pages(n_layer * 2 * n_ctx * row_bytes(kv_dim, type), host_allocator().page_size());
}

KvCache::KvCache(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type)
    : n_ctx_(n_ctx), kv_dim_(kv_dim), row_bytes_(row_bytes(kv_dim, type)), type_(type) {
    buffer_ = AlignedBuffer(planned_bytes(n_layer, n_ctx, kv_dim, type), "KV cache");
}

void KvCache::store(size_t il, size_t pos, const float* k, const float* v) noexcept {
    std::byte* k_row = buffer_.data() + il * layer_stride() + pos * row_bytes_;
    std::byte* v_row = k_row + n_ctx_ * row_bytes_;
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
