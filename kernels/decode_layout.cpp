// The decode layout (decode_layout.hpp): the two directions of the rearrangement, written once
// for every type over where a row's fields sit in a tile block.
#include "kernels/decode_layout.hpp"

#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/kernels.hpp"

namespace hearth::kernels {
namespace {

// Where row r's quant bytes sit in a tile block.
uint8_t* qs_of(Q4_0TileBlock& t, size_t r) { return t.qs[r % 4] + 16 * (r / 4); }
const uint8_t* qs_of(const Q4_0TileBlock& t, size_t r) { return t.qs[r % 4] + 16 * (r / 4); }
template <typename TileBlock>  // Q8_0 (Q4_K and Q5_K move theirs in pieces; Q6_K's low bits are ql)
auto* qs_of(TileBlock& t, size_t r) { return t.qs[r]; }

// Calls fn with the type's tile block and ggml block as std::type_identity (fixed sizes, so the
// copies below compile to plain moves).
template <typename Fn>
void with_blocks(GgmlType type, Fn&& fn) {
    if (type == GgmlType::q8_0) fn(std::type_identity<Q8_0TileBlock>{}, std::type_identity<BlockQ8_0>{});
    else if (type == GgmlType::q4_k) fn(std::type_identity<Q4_KTileBlock>{}, std::type_identity<BlockQ4_K>{});
    else if (type == GgmlType::q5_k) fn(std::type_identity<Q5_KTileBlock>{}, std::type_identity<BlockQ5_K>{});
    else if (type == GgmlType::q6_k) fn(std::type_identity<Q6_KTileBlock>{}, std::type_identity<BlockQ6_K>{});
    else fn(std::type_identity<Q4_0TileBlock>{}, std::type_identity<BlockQ4_0>{});
}

// Calls move(tile_field, block_field, bytes) for each field of row r's block, with its place in
// the tile block; T and B are const where move only reads them. One list serves both directions,
// and each field goes straight into place (a Block built on the stack and copied out made GCC
// stage it through memory, with store-forwarding stalls: ~4 GB/s).
template <typename T, typename B, typename Move>
void each_field(T& t, size_t r, B& b, Move&& move) {
    move(&t.d[r], &b.d, sizeof b.d);
    if constexpr (requires { b.dmin; }) move(&t.dmin[r], &b.dmin, sizeof b.dmin);
    if constexpr (requires { b.scales; }) move(t.scales[r], b.scales, sizeof b.scales);
    if constexpr (std::is_base_of_v<Q4_KTileBlock, std::remove_const_t<T>>) {  // Q4_K, Q5_K: pieces transposed
        constexpr size_t kPiece = 16;
        for (size_t piece = 0; piece < sizeof b.qs / kPiece; ++piece)
            move(&t.qs[r][kPiece * k4_tile_piece(piece)], &b.qs[kPiece * piece], kPiece);
    } else if constexpr (requires { b.qs; }) {
        move(qs_of(t, r), b.qs, sizeof b.qs);
    }
    if constexpr (requires { b.ql; }) move(t.ql[r], b.ql, sizeof b.ql);  // Q6_K
    if constexpr (requires { b.qh; }) move(t.qh[r], b.qh, sizeof b.qh);  // Q5_K, Q6_K
}

template <typename Block, typename TileBlock>
void copy_row_block(const TileBlock& t, size_t r, Block& dst) {
    each_field(t, r, dst, [](const void* from, void* to, size_t bytes) { std::memcpy(to, from, bytes); });
}

template <typename Block, typename TileBlock>
void place_row_block(const Block& src, size_t r, TileBlock& t) {
    each_field(t, r, src, [](void* to, const void* from, size_t bytes) { std::memcpy(to, from, bytes); });
}

}  // namespace

void rows_to_tiles(GgmlType type, size_t n, std::byte* data, size_t n_rows) {
    with_blocks(type, [&](auto tile_block, auto block) {
        using TileBlock = typename decltype(tile_block)::type;
        using Block = typename decltype(block)::type;
        const size_t nb = n / TileBlock::kElements, tile_bytes = kDecodeTileRows * nb * sizeof(Block);
        std::vector<Block> rows(kDecodeTileRows * nb);  // one tile's rows, read while the tile is written
        for (size_t r0 = 0; r0 < n_rows; r0 += kDecodeTileRows) {
            std::byte* at = data + r0 * nb * sizeof(Block);
            std::memcpy(rows.data(), at, tile_bytes);
            auto* tile = reinterpret_cast<TileBlock*>(at);
            for (size_t b = 0; b < nb; ++b)
                for (size_t r = 0; r < kDecodeTileRows; ++r) place_row_block(rows[r * nb + b], r, tile[b]);
        }
    });
}

void tiled_block(GgmlType type, size_t n, const std::byte* tiles, size_t r, size_t b, std::byte* dst) {
    with_blocks(type, [&](auto tile_block, auto block) {
        using TileBlock = typename decltype(tile_block)::type;
        using Block = typename decltype(block)::type;
        const auto* tile = reinterpret_cast<const TileBlock*>(tiles) + (r / kDecodeTileRows) * (n / TileBlock::kElements);
        copy_row_block(tile[b], r % kDecodeTileRows, *reinterpret_cast<Block*>(dst));
    });
}

void tiles_to_rows(GgmlType type, size_t n, const std::byte* tiles, size_t r0, size_t n_rows, std::byte* dst) {
    // Tile by tile, each block's 16 rows in turn: the prompt GEMMs get their panels' rows back
    // through here, so it runs at copy speed (one scale and one quant move per row and block).
    with_blocks(type, [&](auto tile_block, auto block) {
        using TileBlock = typename decltype(tile_block)::type;
        using Block = typename decltype(block)::type;
        const size_t nb = n / TileBlock::kElements;
        const auto* tile = reinterpret_cast<const TileBlock*>(tiles) + r0 / kDecodeTileRows * nb;
        auto* out = reinterpret_cast<Block*>(dst);
        for (size_t t = 0; t < n_rows / kDecodeTileRows; ++t, tile += nb, out += kDecodeTileRows * nb)
            for (size_t b = 0; b < nb; ++b)
                for (size_t r = 0; r < kDecodeTileRows; ++r) copy_row_block(tile[b], r, out[r * nb + b]);
    });
}

bool decode_layout_fits(GgmlType type, size_t n_rows) noexcept {
    const TypeKernels* k = type_kernels(type);
    return k != nullptr && k->gemm.few.one_tiled != nullptr && decode_tiles_fit(type, n_rows) &&
           (k->gemm.panel_rows % kDecodeTileRows) == 0;
}

}  // namespace hearth::kernels
