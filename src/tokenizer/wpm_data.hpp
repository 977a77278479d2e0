// Generated code point tables of the WordPiece normaliser (wpm_nfd_data.cpp, wpm_data.cpp;
// scripts/gen_wpm_tables.py).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::unicode {

struct NfdRange {
    uint32_t first, last;  // inclusive
    uint32_t base;         // first code point of the NFD decomposition of each of them
};
struct CpPair {
    uint32_t a, b;
};

extern const NfdRange kNfdRanges[];  // sorted by first
extern const size_t kNfdRangeCount;
extern const CpPair kLowerPairs[];   // {code point, first code point of its lower case}, sorted
extern const size_t kLowerPairCount;
extern const CpPair kDroppedRanges[];  // {first, last} of categories Cc, Cf, Co, Cs, Mn, Mc, Me, sorted
extern const size_t kDroppedRangeCount;

}  // namespace hearth::unicode
