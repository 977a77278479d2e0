// The AMX tile configuration both AMX GEMMs use, loaded per thread only when it changes.
// Palette 1: tmm0/1 = C (16 rows x 16 int32), tmm4/5 = A (16 rows x a_bytes of weights),
// tmm6/7 = B (a_bytes / 4 rows x 64 bytes: 16 tokens' activations in lane layout).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace hearth::kernels::x86::amx {

struct alignas(64) TileConfig {
    uint8_t palette = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64);

// The A-tile width this thread's configuration was loaded for (0: none yet). One variable for
// the whole program (inline, external linkage), so GEMMs of different widths see each other.
inline thread_local size_t loaded_a_bytes = 0;

inline void configure(size_t a_bytes) {
    if (loaded_a_bytes == a_bytes) return;
    TileConfig c;
    for (int t : {0, 1}) c.colsb[t] = 64, c.rows[t] = 16;
    for (int t : {4, 5}) c.colsb[t] = uint16_t(a_bytes), c.rows[t] = 16;
    for (int t : {6, 7}) c.colsb[t] = 64, c.rows[t] = uint8_t(a_bytes / 4);
    _tile_loadconfig(&c);
    loaded_a_bytes = a_bytes;
}

}  // namespace hearth::kernels::x86::amx
