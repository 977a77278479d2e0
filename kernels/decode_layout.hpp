// The decode layout: a Q4_0, Q8_0, Q4_K, Q5_K or Q6_K matrix whose rows come in sixteens,
// rearranged at load so that one token's pass reads it front to back. In ggml's layout a 16-row
// tile is 16 rows side by side, and a kernel that keeps 16 rows' block sums in registers reads 16
// streams a few bytes at a time from rows ~1-9 KB apart; one core then gets ~20 % less from memory
// than sequential reads of the same bytes (bench/README.md, "Where one core's decode stops"). Here
// block b of a tile holds the 16 rows' f16 scales, then their quant bytes in the order the
// kernels' vector lanes take them: exactly the 16 rows' ggml blocks' bytes (288 for Q4_0, 544 for
// Q8_0, 2304, 2816 and 3360 for Q4_K's, Q5_K's and Q6_K's super-blocks), so a tile occupies the
// same bytes as its rows (row r0 of the matrix, r0 a multiple of 16, starts its tile at
// r0 * row_bytes) and the rearrangement is done in place.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hearth/ggml_type.hpp"
#include "kernels/ref/blocks.hpp"

namespace hearth::kernels {

inline constexpr size_t kDecodeTileRows = 16;

// Q4_0: the nibble bytes of row 4k + v sit at qs[v][16k .. 16k + 15]: a 64-byte load of qs[v] has
// row 4k + v in 128-bit lane k, as x86's fold_row_sums wants, and its low 32 bytes hold rows v
// and 4 + v, as the 8-row (ymm) tiles want.
struct Q4_0TileBlock {
    static constexpr size_t kElements = kQK;  // per row
    uint16_t d[kDecodeTileRows];  // row r's f16 scale
    uint8_t qs[4][64];
};
static_assert(sizeof(Q4_0TileBlock) == kDecodeTileRows * sizeof(BlockQ4_0));

// Q8_0: row r's 32 quants at qs[r]: a 64-byte load holds rows 2p and 2p + 1 in its halves, as the
// 512-bit vec_dot tiles pair them.
struct Q8_0TileBlock {
    static constexpr size_t kElements = kQK;
    uint16_t d[kDecodeTileRows];
    int8_t qs[kDecodeTileRows][kQK];
};
static_assert(sizeof(Q8_0TileBlock) == kDecodeTileRows * sizeof(BlockQ8_0));

// Q4_K: the rows' d, dmin and packed scales and mins side by side, then row r's 128 nibble bytes
// at qs[r], their 16-byte pieces transposed (k4_tile_piece): piece 4c + p of the tile's row is
// piece 2p + c of the ggml row, i.e. bytes 32p + 16c .. 32p + 16c + 15, whose low nibbles are
// elements 16c .. 16c + 15 of sub-block 2p and high nibbles the same of sub-block 2p + 1. So a
// 64-byte load of chunk c (pieces 4c .. 4c + 3) has sub-block pair p in 128-bit lane p whatever
// c is, and a row's low (high) nibbles of both chunks can share one int32 accumulator whose lanes
// each keep to one sub-block: the scales apply once per row, not once per 64 weights.
struct Q4_KTileBlock {
    static constexpr size_t kElements = kQKK;
    uint16_t d[kDecodeTileRows];
    uint16_t dmin[kDecodeTileRows];
    uint8_t scales[kDecodeTileRows][12];
    uint8_t qs[kDecodeTileRows][kQKK / 2];
};
static_assert(sizeof(Q4_KTileBlock) == kDecodeTileRows * sizeof(BlockQ4_K));

// Where piece `piece` (0-7) of a Q4_K/Q5_K row's 16-byte quant pieces sits in its tile row.
constexpr size_t k4_tile_piece(size_t piece) noexcept { return 4 * (piece % 2) + piece / 2; }

// Q5_K: Q4_K's tile block, then row r's 32 fifth-bit bytes at qh[r] (as in ggml's block).
struct Q5_KTileBlock : Q4_KTileBlock {
    uint8_t qh[kDecodeTileRows][kQKK / 8];
};
static_assert(sizeof(Q5_KTileBlock) == kDecodeTileRows * sizeof(BlockQ5_K));

// Q6_K: the rows' d and 16 scales side by side, then row r's low bits at ql[r] and high bits at
// qh[r] (read in halves, as the 512-bit vec_dot tiles read a row's).
struct Q6_KTileBlock {
    static constexpr size_t kElements = kQKK;
    uint16_t d[kDecodeTileRows];
    int8_t scales[kDecodeTileRows][kQKK / 16];
    uint8_t ql[kDecodeTileRows][kQKK / 2];
    uint8_t qh[kDecodeTileRows][kQKK / 4];
};
static_assert(sizeof(Q6_KTileBlock) == kDecodeTileRows * sizeof(BlockQ6_K));

// Calls tile(blocks, nb, out + r0) for each 16-row tile of the n_rows rows (n elements each) of a
// matrix in the layout at `tiles`: the walk the single-token kernels share, tile after tile.
template <typename TileBlock, typename Tile>
inline void for_each_tile(size_t n, const std::byte* tiles, size_t n_rows, float* out, Tile&& tile) {
    const size_t nb = n / TileBlock::kElements;
    const auto* blocks = reinterpret_cast<const TileBlock*>(tiles);
    for (size_t r0 = 0; r0 < n_rows; r0 += kDecodeTileRows, blocks += nb) tile(blocks, nb, out + r0);
}

// A one-token kernel's stream through the layout, kept ahead of it across pages. The hardware
// prefetchers do not carry a stream over a 4 KiB boundary, even inside a 2 MiB page, so without
// help every 4 KiB began with loads waiting on memory: the Q8_0 kernel streamed 25-31 GB/s from
// DRAM on one Zen 5 core where the same reads with this hint streamed 32-39 (bench/README.md,
// "Page-ahead prefetch"). When the block kPageAheadBytes beyond blk crosses into a new page, the
// first two lines of that page are fetched now and the prefetchers take the stream from there:
// one branch per block, and two prefetches per 4 KiB. Prefetches never fault past the end.
inline constexpr size_t kPageAheadBytes = 16384;
// How far ahead the Q4_0 and Q8_0 kernels fetch each block (for_block_ahead). From DRAM on a Zen 5
// core (layers_x1_tiles, medians of 8), the page hint alone streamed Q4_0 at 32.0 GB/s and Q8_0 at
// 34.2 with the 512-bit kernels, 26.8 and 31.0 with the 256-bit ones; with this fetch too 35.8,
// 35.9, 30.1 and 35.4. In cache it costs nothing measurable. 2 and 4 KiB ahead measured alike.
inline constexpr size_t kBlockAheadBytes = 4096;
// Internal linkage: the levels' translation units, each with its own flags, inline their copies.
namespace {

// Addresses as integers: a pointer moved past the end of the weights would be undefined.
inline void prefetch_at(uintptr_t address) noexcept { __builtin_prefetch(reinterpret_cast<const void*>(address)); }

// The page to fetch while at a block of block_bytes (<= 4096, so at most one boundary) at address
// block: the one whose start lies in (block, block + block_bytes] moved kPageAheadBytes on, or 0.
// Consecutive blocks cover consecutive ranges, so every page is named exactly once.
constexpr uintptr_t page_to_prefetch(uintptr_t block, size_t block_bytes) noexcept {
    const uintptr_t ahead = block + kPageAheadBytes;
    const uintptr_t page = (ahead + block_bytes) & ~uintptr_t{4095};
    return page > ahead ? page : 0;
}

inline void prefetch_page_ahead(const void* block, size_t block_bytes) noexcept {
    if (const uintptr_t page = page_to_prefetch(reinterpret_cast<uintptr_t>(block), block_bytes)) {
        prefetch_at(page);
        prefetch_at(page + 64);
    }
}

template <typename TileBlock>
inline void prefetch_page_ahead(const TileBlock* blk) noexcept {
    static_assert(sizeof(TileBlock) <= 4096, "a block crosses at most one page boundary");
    prefetch_page_ahead(static_cast<const void*>(blk), sizeof(TileBlock));
}

// The dense prefetches' line rule: fn(offset) for each address to fetch for the `bytes` bytes
// that start `ahead` bytes on, one per 64 bytes from their start. That covers their lines but
// perhaps the last, which the next range's first address lies in when ranges follow each other.
// Kept apart from the prefetches so that the tests can check it covers every line.
template <typename Fn>
constexpr void for_lines_ahead(size_t ahead, size_t bytes, Fn&& fn) {
    for (size_t o = 0; o < bytes; o += 64) fn(ahead + o);
}

// The K-quant kernels' arithmetic per byte is high enough that the hardware prefetcher alone left
// their loads waiting on memory (half the samples; Q4_K tiles 11 GB/s against 14 for the rows'
// tiles, which prefetch). While at row r of a super-block, they fetch row r's share (1/16) of the
// super-block two ahead, so its lines are requested a few at a time among the arithmetic (1, 2
// and 3 ahead measured alike; an earlier version found 4 worse). The build that fetched all of
// them at the top of the block streamed 7-11 % slower from DRAM on a Zen 5 core (its AVX-512
// kernels also visited rows out of order), and slower still with that loop unrolled into one
// burst (bench/README.md, "Prefetch spread among the arithmetic").
template <typename Fn>
constexpr void for_row_share_ahead(size_t block_bytes, size_t r, Fn&& fn) {
    const size_t share = block_bytes / kDecodeTileRows;
    for_lines_ahead(2 * block_bytes + r * share, share, fn);
}

// The Q4_0 and Q8_0 kernels (tile blocks of 288 and 544 bytes) fetch each block kBlockAheadBytes
// on as they reach it, besides the page-ahead hint.
template <typename Fn>
constexpr void for_block_ahead(size_t block_bytes, Fn&& fn) {
    for_lines_ahead(kBlockAheadBytes, block_bytes, fn);
}

// What the rules above call to fetch: the address `offset` bytes past base.
inline auto prefetch_from(const void* base) noexcept {
    return [at = reinterpret_cast<uintptr_t>(base)](size_t offset) { prefetch_at(at + offset); };
}

template <typename TileBlock>
inline void prefetch_row_share_ahead(const TileBlock* blk, size_t r) noexcept {
    static_assert(sizeof(TileBlock) % kDecodeTileRows == 0, "the 16 shares tile the block");
    for_row_share_ahead(sizeof(TileBlock), r, prefetch_from(blk));
}

template <typename TileBlock>
inline void prefetch_block_ahead(const TileBlock* blk) noexcept {
    for_block_ahead(sizeof(TileBlock), prefetch_from(blk));
}

}  // namespace

// Whether a matrix of this type and row count can take the layout (Q4_0, Q8_0, Q4_K, Q5_K or Q6_K,
// rows in sixteens).
constexpr bool decode_tiles_fit(GgmlType type, size_t n_rows) noexcept {
    return (type == GgmlType::q4_0 || type == GgmlType::q8_0 || type == GgmlType::q4_k || type == GgmlType::q5_k ||
            type == GgmlType::q6_k) &&
           n_rows > 0 && n_rows % kDecodeTileRows == 0;
}

// Whether the active CPU level reads a matrix of this type and row count in the layout: it fits,
// the level has a single-token kernel for it, and its GEMM panels take whole tiles (batches get
// rows back a panel at a time). The model's placement and its load-time rearrangement ask this.
bool decode_layout_fits(GgmlType type, size_t n_rows) noexcept;

// The largest ggml block of those types (a buffer for tiled_block).
inline constexpr size_t kMaxTiledBlockBytes = sizeof(BlockQ6_K);
static_assert(kMaxTiledBlockBytes >= sizeof(BlockQ4_0) && kMaxTiledBlockBytes >= sizeof(BlockQ8_0) &&
              kMaxTiledBlockBytes >= sizeof(BlockQ4_K) && kMaxTiledBlockBytes >= sizeof(BlockQ5_K));

// Rearranges the n_rows rows of n elements at data into tiles, in place. The matrix must fit.
void rows_to_tiles(GgmlType type, size_t n, std::byte* data, size_t n_rows);

// Rows [r0, r0 + n_rows) (both multiples of 16) of a matrix in tiles, back in ggml's layout at
// dst (row_bytes apart).
void tiles_to_rows(GgmlType type, size_t n, const std::byte* tiles, size_t r0, size_t n_rows, std::byte* dst);

// Block b of row r of a matrix in tiles, in ggml's layout, at dst (the type's block size).
void tiled_block(GgmlType type, size_t n, const std::byte* tiles, size_t r, size_t b, std::byte* dst);

}  // namespace hearth::kernels
