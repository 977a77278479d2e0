// Pieces the block GEMMs of every SIMD level share (x86 and NEON; no intrinsics here): the walk
// that fills a weight panel, and the int16 pairs the packed scales and sums are stored as.
// Internal linkage, as for the kernel bodies: each level's translation unit keeps its own copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace hearth::kernels {
namespace {

// A panel of PanelRows rows is PanelRows / R tiles of nb blocks, each block holding R rows. Calls
// fill(row, block, tile block, slot in it) for the n_rows real rows; a partial panel is zeroed
// first, so missing rows multiply as zeros (their outputs are never stored).
template <typename PanelBlockT, size_t PanelRows, size_t R, typename Fill>
void fill_panel(size_t nb, size_t n_rows, std::byte* dst, Fill&& fill) {
    static_assert(PanelRows % R == 0);
    auto* panel = reinterpret_cast<PanelBlockT*>(dst);
    if (n_rows < PanelRows) std::memset(dst, 0, PanelRows / R * nb * sizeof(PanelBlockT));
    for (size_t r = 0; r < n_rows; ++r)
        for (size_t b = 0; b < nb; ++b) fill(r, b, panel[r / R * nb + b], r % R);
}

// lo in the low 16 bits, hi in the high 16 bits (each truncated to int16): one int32 lane that
// vpmaddwd / vpdpwssd read as two signed 16-bit values.
inline int32_t int16_pair(int lo, int hi) { return int32_t(uint32_t(uint16_t(lo)) | (uint32_t(uint16_t(hi)) << 16)); }

}  // namespace
}  // namespace hearth::kernels
