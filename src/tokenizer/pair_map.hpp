// Open-addressing hash map from a pair of symbol ids to a merge (rank, result): the BPE inner
// loop's only lookup, so it is one multiply and usually one probe, with no allocation.
#pragma once

#include <cstdint>
#include <vector>

namespace hearth::tok {

struct Merge {
    uint32_t rank;
    int32_t result;  // symbol id of the merged text
};

class PairMap {
public:
    void reserve(size_t n) {
        size_t cap = 16;
        while (cap < n * 2) cap <<= 1;
        keys_.assign(cap, kEmpty);
        values_.assign(cap, Merge{});
        mask_ = cap - 1;
    }
    // Keeps the first value inserted for a key (llama.cpp keeps the lowest rank of duplicates).
    void insert_if_absent(int32_t a, int32_t b, Merge m) {
        if (keys_.empty() || (size_ + 1) * 2 > keys_.size()) grow();
        const uint64_t k = key(a, b);
        for (size_t i = slot(k);; i = (i + 1) & mask_) {
            if (keys_[i] == k) return;
            if (keys_[i] == kEmpty) {
                keys_[i] = k;
                values_[i] = m;
                ++size_;
                return;
            }
        }
    }
    const Merge* find(int32_t a, int32_t b) const noexcept {
        if (keys_.empty()) return nullptr;
        const uint64_t k = key(a, b);
        for (size_t i = slot(k);; i = (i + 1) & mask_) {
            if (keys_[i] == k) return &values_[i];
            if (keys_[i] == kEmpty) return nullptr;
        }
    }
    size_t size() const noexcept { return size_; }

private:
    static constexpr uint64_t kEmpty = ~uint64_t{0};
    static uint64_t key(int32_t a, int32_t b) {
        return (uint64_t{static_cast<uint32_t>(a)} << 32) | static_cast<uint32_t>(b);
    }
    size_t slot(uint64_t k) const noexcept { return static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> 20) & mask_; }
    void grow() {
        std::vector<uint64_t> old_keys = std::move(keys_);
        std::vector<Merge> old_values = std::move(values_);
        reserve(old_keys.empty() ? 8 : old_keys.size());
        size_ = 0;
        for (size_t i = 0; i < old_keys.size(); ++i)
            if (old_keys[i] != kEmpty)
                insert_if_absent(static_cast<int32_t>(old_keys[i] >> 32), static_cast<int32_t>(old_keys[i]), old_values[i]);
    }

    std::vector<uint64_t> keys_;
    std::vector<Merge> values_;
    size_t mask_ = 0;
    size_t size_ = 0;
};

}  // namespace hearth::tok
