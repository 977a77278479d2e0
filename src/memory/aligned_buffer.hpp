// Session buffers: a page-aligned block from the Allocator, and the liveness-aware plan that lays
// the forward pass's buffers out in one arena (buffers never alive together share bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hearth/memory.hpp"

namespace hearth {

// Zeroed, page-aligned, page-multiple memory from host_allocator() (see memory.hpp for why).
using AlignedBuffer = PageBuffer;

// Offsets of buffers inside one arena. Each buffer declares the graph steps [first, last] during
// which it holds data; finish() places them so that two buffers overlap in memory only when their
// step ranges are disjoint. Placement is greedy, largest first, at the lowest free offset: not
// optimal in general, but for the forward pass (a handful of buffers) it finds the obvious sharing.
class ArenaPlan {
public:
    static constexpr size_t kAlign = 64;  // cache line and the widest SIMD load

    // Returns the buffer's id for offset(). Steps are any increasing numbering of the graph.
    size_t add_bytes(size_t bytes, uint32_t first, uint32_t last);
    template <typename T>
    size_t add(size_t n, uint32_t first, uint32_t last) {
        return add_bytes(n * sizeof(T), first, last);
    }

    // Assigns offsets; call once after the last add().
    void finish();
    size_t offset(size_t id) const noexcept { return items_[id].offset; }
    size_t total() const noexcept { return total_; }
    // Sum of all buffer sizes: what the arena would take without sharing.
    size_t unshared_total() const noexcept;

private:
    struct Item {
        size_t bytes;
        uint32_t first, last;
        size_t offset = 0;
    };
    std::vector<Item> items_;
    size_t total_ = 0;
};

}  // namespace hearth
