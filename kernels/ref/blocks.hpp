// Byte layouts of the ggml block formats hearth reads in place (GGUF weights) or writes as
// activation partners (q8_0, q8_1, q8_K). Field order and sizes are the file format; fp16 fields
// are raw uint16_t bits (see f16.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::kernels {

inline constexpr size_t kQK = 32;    // elements per block of the legacy formats
inline constexpr size_t kQKK = 256;  // elements per super-block of the K-quants

struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[kQK / 2];  // element j in low nibble of qs[j], element j+16 in the high nibble
};
static_assert(sizeof(BlockQ4_0) == 18);

struct BlockQ4_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4];  // fifth bit of element j is bit j of this little-endian uint32
    uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

struct BlockQ5_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34);

struct BlockQ8_1 {
    uint16_t d;
    uint16_t s;  // d * sum(qs), the term Q4_1/Q5_1 minimums multiply
    int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_1) == 36);

struct BlockQ2_K {
    uint8_t scales[kQKK / 16];  // per 16 elements: low nibble scale, high nibble min
    uint8_t qs[kQKK / 4];
    uint16_t d;
    uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

struct BlockQ3_K {
    uint8_t hmask[kQKK / 8];
    uint8_t qs[kQKK / 4];
    uint8_t scales[12];  // 16 six-bit scales, biased by 32
    uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

struct BlockQ4_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];  // 8 six-bit scales + 8 six-bit mins, see k_scale_min()
    uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[kQKK / 8];
    uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

struct BlockQ6_K {
    uint8_t ql[kQKK / 2];
    uint8_t qh[kQKK / 4];
    int8_t scales[kQKK / 16];
    uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

struct BlockQ8_K {
    float d;
    int8_t qs[kQKK];
    int16_t bsums[kQKK / 16];  // sums of each 16 consecutive qs (K-quant minimums need them)
};
static_assert(sizeof(BlockQ8_K) == 292);

// Scale and min of sub-block j (0..7) of a Q4_K/Q5_K super-block: 6 bits each, packed so that
// sub-blocks 0-3 sit in the low 6 bits of bytes 0-7 and sub-blocks 4-7 borrow the top 2 bits.
[[gnu::always_inline]] inline void k_scale_min(size_t j, const uint8_t* q, uint8_t& sc, uint8_t& m) noexcept {
    if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        sc = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        m = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

}  // namespace hearth::kernels
