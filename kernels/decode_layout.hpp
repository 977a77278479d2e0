// The Q4_0 decode layout: a matrix whose rows come in sixteens, rearranged at load so that one
// token's pass reads it front to back. In ggml's layout a 16-row tile is 16 rows side by side,
// and a kernel that keeps 16 rows' block sums in one vector reads 16 streams 16 bytes at a time
// from rows ~1-5 KB apart; one core then gets ~20 % less from memory than sequential reads of the
// same bytes (bench/README.md, "Where one core's decode stops"). Here block b of a tile holds the
// 16 rows' f16 scales, then their nibble bytes in the order the kernels' zmm/ymm lanes take them:
// 288 bytes, exactly the 16 rows' ggml blocks, so a tile occupies the same bytes as its rows
// (row r0 of the matrix, r0 a multiple of 16, starts its tile at r0 * row_bytes) and the
// rearrangement is done in place.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/ref/blocks.hpp"

namespace hearth::kernels {

inline constexpr size_t kDecodeTileRows = 16;

// Block b of a tile. The nibble bytes of row 4k + v sit at qs[v][16k .. 16k + 15]: a 64-byte load
// of qs[v] has row 4k + v in 128-bit lane k, as x86's fold_row_sums wants, and its low 32 bytes
// hold rows v and 4 + v, as the 8-row (ymm) tiles want.
struct Q4_0TileBlock {
    uint16_t d[kDecodeTileRows];  // row r's f16 scale
    uint8_t qs[4][64];
};
static_assert(sizeof(Q4_0TileBlock) == kDecodeTileRows * sizeof(BlockQ4_0));

// Calls tile(blocks, nb, out + r0) for each 16-row tile of the n_rows rows (n elements each) of a
// matrix in the layout at `tiles`: the walk the single-token kernels share, tile after tile.
template <typename Tile>
inline void for_each_q4_0_tile(size_t n, const std::byte* tiles, size_t n_rows, float* out, Tile&& tile) {
    const size_t nb = n / kQK;
    const auto* blocks = reinterpret_cast<const Q4_0TileBlock*>(tiles);
    for (size_t r0 = 0; r0 < n_rows; r0 += kDecodeTileRows, blocks += nb) tile(blocks, nb, out + r0);
}

// Whether a Q4_0 matrix of n_rows can take the layout.
constexpr bool q4_0_tiles_fit(size_t n_rows) noexcept { return n_rows > 0 && n_rows % kDecodeTileRows == 0; }

// Rearranges the n_rows (a multiple of 16) rows of n elements at data into tiles, in place.
void q4_0_rows_to_tiles(size_t n, std::byte* data, size_t n_rows);

// Rows [r0, r0 + n_rows) (both multiples of 16) of a matrix in tiles, back in ggml's layout at
// dst (row_bytes apart).
void q4_0_tiles_to_rows(size_t n, const std::byte* tiles, size_t r0, size_t n_rows, std::byte* dst);

// Block b of row r of a matrix in tiles, in ggml's layout.
BlockQ4_0 q4_0_tiled_block(size_t n, const std::byte* tiles, size_t r, size_t b);

}  // namespace hearth::kernels
