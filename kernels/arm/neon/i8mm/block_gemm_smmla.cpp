// The smmla variant of the NEON block GEMMs (block_gemm_neon-inl.hpp), compiled with +i8mm and
// only called where neon::i8mm_usable(). vmmlaq_s32 multiplies a 2x8 block of weights (two rows'
// 8 consecutive bytes) by 8x2 activations (two tokens' same 8 bytes) into a 2x2 int32 block, lanes
// (row 0, token 0), (row 0, token 1), (row 1, token 0), (row 1, token 1): half the instructions of
// sdot for the same products. Panel and group interleave their rows/tokens in pairs, 8 bytes at
// a time.
#include "kernels/arm/neon/block_gemm_neon-inl.hpp"
#include "kernels/arm/neon/block_gemm_neon.hpp"

namespace hearth::kernels::neon {
namespace {

struct SmmlaCore {
    static constexpr size_t kRowGroup = 2, kRowChunk = 8;
    static constexpr size_t kTokGroup = 2, kTokChunk = 8;
    static size_t row_of(size_t lane) { return lane / 2; }
    static size_t tok_of(size_t lane) { return lane % 2; }

    // acc[p * 2 + u] += row pair p x token pair u over one 16-element unit: w is [pair 4][8-byte
    // chunk 2][row 2][8], a is [pair 2][chunk 2][token 2][8].
    static void dot16(const int8_t* w, const int8_t* a, int32x4_t (&acc)[kVecs]) {
        const int8x16_t a00 = vld1q_s8(a), a01 = vld1q_s8(a + 16), a10 = vld1q_s8(a + 32), a11 = vld1q_s8(a + 48);
        for (size_t p = 0; p < 4; ++p) {
            const int8x16_t w0 = vld1q_s8(w + 32 * p), w1 = vld1q_s8(w + 32 * p + 16);
            acc[2 * p] = vmmlaq_s32(vmmlaq_s32(acc[2 * p], w0, a00), w1, a01);
            acc[2 * p + 1] = vmmlaq_s32(vmmlaq_s32(acc[2 * p + 1], w0, a10), w1, a11);
        }
    }
};

}  // namespace

BlockGemm smmla_block_gemm(GgmlType t) noexcept { return gemm_for<SmmlaCore>(t); }

}  // namespace hearth::kernels::neon
