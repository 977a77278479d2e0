// The Q4_0 decode layout (decode_layout.hpp): the two directions of the rearrangement.
#include "kernels/decode_layout.hpp"

#include <cstring>
#include <vector>

namespace hearth::kernels {
namespace {

// Where row r's pieces of a tile block sit: qs[r % 4] at byte 16 * (r / 4).
uint8_t* tile_qs(Q4_0TileBlock& t, size_t r) { return t.qs[r % 4] + 16 * (r / 4); }
const uint8_t* tile_qs(const Q4_0TileBlock& t, size_t r) { return t.qs[r % 4] + 16 * (r / 4); }

size_t blocks_per_row(size_t n) { return n / kQK; }

// Row r's block of a tile block, in ggml's layout.
BlockQ4_0 row_block(const Q4_0TileBlock& t, size_t r) {
    BlockQ4_0 out;
    out.d = t.d[r];
    std::memcpy(out.qs, tile_qs(t, r), sizeof out.qs);
    return out;
}

}  // namespace

void q4_0_rows_to_tiles(size_t n, std::byte* data, size_t n_rows) {
    const size_t nb = blocks_per_row(n), tile_bytes = kDecodeTileRows * nb * sizeof(BlockQ4_0);
    std::vector<std::byte> rows(tile_bytes);  // one tile's rows, read while the tile is written
    for (size_t r0 = 0; r0 < n_rows; r0 += kDecodeTileRows) {
        std::byte* tile_bytes_at = data + r0 * nb * sizeof(BlockQ4_0);
        std::memcpy(rows.data(), tile_bytes_at, tile_bytes);
        auto* tile = reinterpret_cast<Q4_0TileBlock*>(tile_bytes_at);
        for (size_t b = 0; b < nb; ++b)
            for (size_t r = 0; r < kDecodeTileRows; ++r) {
                const auto& src = reinterpret_cast<const BlockQ4_0*>(rows.data())[r * nb + b];
                tile[b].d[r] = src.d;
                std::memcpy(tile_qs(tile[b], r), src.qs, sizeof src.qs);
            }
    }
}

BlockQ4_0 q4_0_tiled_block(size_t n, const std::byte* tiles, size_t r, size_t b) {
    const size_t nb = blocks_per_row(n);
    const auto* tile = reinterpret_cast<const Q4_0TileBlock*>(tiles) + (r / kDecodeTileRows) * nb;
    return row_block(tile[b], r % kDecodeTileRows);
}

void q4_0_tiles_to_rows(size_t n, const std::byte* tiles, size_t r0, size_t n_rows, std::byte* dst) {
    // Tile by tile, each block's 16 rows in turn: the prompt GEMMs get their panels' rows back
    // through here, so it runs at copy speed (one 2-byte and one 16-byte move per row and block).
    const size_t nb = blocks_per_row(n);
    const auto* tile = reinterpret_cast<const Q4_0TileBlock*>(tiles) + r0 / kDecodeTileRows * nb;
    auto* out = reinterpret_cast<BlockQ4_0*>(dst);
    for (size_t t = 0; t < n_rows / kDecodeTileRows; ++t, tile += nb, out += kDecodeTileRows * nb)
        for (size_t b = 0; b < nb; ++b)
            for (size_t r = 0; r < kDecodeTileRows; ++r) out[r * nb + b] = row_block(tile[b], r);
}

}  // namespace hearth::kernels
