// Code point sets of the grammar's character classes (rules.hpp).
#include <algorithm>

#include "grammar/rules.hpp"

namespace hearth::grammar {

bool CharSet::contains(uint32_t c) const noexcept { return intersects(c, c); }

bool CharSet::intersects(uint32_t lo, uint32_t hi) const noexcept {
    // The first range that ends at or after lo is the only one that can overlap [lo, hi] first.
    auto it = std::lower_bound(ranges.begin(), ranges.end(), lo,
                               [](const std::pair<uint32_t, uint32_t>& r, uint32_t v) { return r.second < v; });
    return it != ranges.end() && it->first <= hi;
}

void CharSet::normalize(bool negate) {
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    for (const auto& r : ranges) {
        if (!merged.empty() && r.first <= merged.back().second + 1)
            merged.back().second = std::max(merged.back().second, r.second);
        else
            merged.push_back(r);
    }
    if (negate) {
        std::vector<std::pair<uint32_t, uint32_t>> complement;
        uint32_t next = 0;
        for (const auto& r : merged) {
            if (r.first > next) complement.emplace_back(next, r.first - 1);
            next = r.second + 1;
        }
        if (next <= kMaxCodePoint) complement.emplace_back(next, kMaxCodePoint);
        merged = std::move(complement);
    }
    ranges = std::move(merged);
}

}  // namespace hearth::grammar
