// Greedy liveness-aware placement of arena buffers (see ArenaPlan in aligned_buffer.hpp).
#include "memory/aligned_buffer.hpp"

#include <algorithm>
#include <numeric>

namespace hearth {

size_t ArenaPlan::add_bytes(size_t bytes, uint32_t first, uint32_t last) {
    items_.push_back({(bytes + kAlign - 1) / kAlign * kAlign, first, std::max(first, last)});
    return items_.size() - 1;
}

size_t ArenaPlan::unshared_total() const noexcept {
    size_t sum = 0;
    for (const Item& it : items_) sum += it.bytes;
    return sum;
}

void ArenaPlan::finish() {
    std::vector<size_t> order(items_.size());
    std::iota(order.begin(), order.end(), size_t{0});
    // Largest first (ties by id, so the layout is deterministic).
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return items_[a].bytes > items_[b].bytes; });
    std::vector<size_t> placed;
    total_ = 0;
    for (size_t id : order) {
        Item& it = items_[id];
        // Intervals of memory taken by already placed buffers alive at the same time as this one.
        std::vector<std::pair<size_t, size_t>> busy;
        for (size_t p : placed) {
            const Item& o = items_[p];
            if (o.first <= it.last && it.first <= o.last) busy.emplace_back(o.offset, o.offset + o.bytes);
        }
        std::sort(busy.begin(), busy.end());
        size_t offset = 0;
        for (const auto& [begin, end] : busy) {
            if (offset + it.bytes <= begin) break;  // fits in the gap before this interval
            offset = std::max(offset, end);
        }
        it.offset = offset;
        total_ = std::max(total_, offset + it.bytes);
        placed.push_back(id);
    }
}

}  // namespace hearth
