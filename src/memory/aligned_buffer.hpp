// A zeroed, page-aligned, page-sized heap block: what session buffers (KV cache, activations)
// live in, so an accelerator could later wrap them without a copy.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace hearth {

class AlignedBuffer {
public:
    AlignedBuffer() = default;
    // Throws Error(out_of_memory) naming what when the allocation is refused.
    AlignedBuffer(size_t bytes, const char* what);

    std::byte* data() noexcept { return data_.get(); }
    const std::byte* data() const noexcept { return data_.get(); }
    size_t size() const noexcept { return size_; }
    std::span<std::byte> span() noexcept { return {data_.get(), size_}; }

private:
    struct Free {
        void operator()(std::byte* p) const noexcept;
    };
    std::unique_ptr<std::byte, Free> data_;
    size_t size_ = 0;
};

// Hands out consecutive 64-byte-aligned slices of a planned total; plan first, then allocate once.
class ArenaPlan {
public:
    // Reserves room for n objects of T and returns the offset to pass to at<T>() later.
    template <typename T>
    size_t reserve(size_t n) {
        const size_t offset = total_;
        total_ += (n * sizeof(T) + 63) / 64 * 64;
        return offset;
    }
    size_t total() const noexcept { return total_; }

private:
    size_t total_ = 0;
};

}  // namespace hearth
