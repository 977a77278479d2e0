// The sdot variant of the NEON block GEMMs (block_gemm_neon-inl.hpp): each accumulator holds 4
// weight rows (lanes) for one token. The panel interleaves a tile's rows in groups of 4, 4 bytes at
// a time, so one 16-byte load is 4 rows x 4 consecutive weights; a token's 16 activations sit in
// one register and vdotq_laneq_s32 picks the 4 that match (lane k = weights 4k..4k+3).
#include "kernels/arm/neon/block_gemm_neon-inl.hpp"
#include "kernels/arm/neon/block_gemm_neon.hpp"

namespace hearth::kernels::neon {
namespace {

struct SdotCore {
    static constexpr size_t kRowGroup = 4, kRowChunk = 4;   // 4 rows per register
    static constexpr size_t kTokGroup = 1, kTokChunk = 16;  // tokens as they are
    static size_t row_of(size_t lane) { return lane; }
    static size_t tok_of(size_t) { return 0; }

    // acc[rg * 4 + t] += rows 4rg..4rg+3 . token t over one 16-element unit: w is [row register 2]
    // [4-byte chunk 4][row 4][4], a is [token 4][16].
    static void dot16(const int8_t* w, const int8_t* a, int32x4_t (&acc)[kVecs]) {
        const int8x16_t t0 = vld1q_s8(a), t1 = vld1q_s8(a + 16), t2 = vld1q_s8(a + 32), t3 = vld1q_s8(a + 48);
        for (size_t rg = 0; rg < 2; ++rg) {
            chunk<0>(w + 64 * rg, t0, t1, t2, t3, acc + 4 * rg);
            chunk<1>(w + 64 * rg, t0, t1, t2, t3, acc + 4 * rg);
            chunk<2>(w + 64 * rg, t0, t1, t2, t3, acc + 4 * rg);
            chunk<3>(w + 64 * rg, t0, t1, t2, t3, acc + 4 * rg);
        }
    }

    // The lane index of vdotq_laneq_s32 must be a constant, hence a template per chunk.
    template <int kChunk>
    static void chunk(const int8_t* w, int8x16_t t0, int8x16_t t1, int8x16_t t2, int8x16_t t3, int32x4_t* acc) {
        const int8x16_t rows = vld1q_s8(w + 16 * kChunk);
        acc[0] = vdotq_laneq_s32(acc[0], rows, t0, kChunk);
        acc[1] = vdotq_laneq_s32(acc[1], rows, t1, kChunk);
        acc[2] = vdotq_laneq_s32(acc[2], rows, t2, kChunk);
        acc[3] = vdotq_laneq_s32(acc[3], rows, t3, kChunk);
    }
};

}  // namespace

BlockGemm sdot_block_gemm(GgmlType t) noexcept { return gemm_for<SdotCore>(t); }

}  // namespace hearth::kernels::neon
