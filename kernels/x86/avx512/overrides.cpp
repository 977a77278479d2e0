// The AVX-512 level (F/BW/VL/DQ + VNNI): the shared x86 kernel bodies, where every unsigned x
// signed byte dot product becomes one 256-bit vpdpbusd, except the Q4_K, Q5_K and Q6_K tiles,
// which are 512-bit (k_quants_avx512-inl.hpp), and the Q4_0 and Q8_0 tiles, which put two rows in
// a zmm (legacy_quants_avx512-inl.hpp): on Zen 5 their 256-bit bodies were compute-bound in
// decode. 512-bit bodies for Q4_0, Q8_0, Q4_K and Q6_K had measured 5-20% slower on the Xeon
// here (512-bit ops issue on two ports instead of three, and joining halves costs port-5
// shuffles), so the AMX level (Xeon only, amx/overrides.cpp) keeps the 256-bit tiles. The
// prompt-batch GEMMs (block_gemm_*.cpp) are 512-bit, one token per lane.
#include <algorithm>
#include <array>

#include "kernels/x86/avx512/base_overrides-inl.hpp"
#include "kernels/x86/avx512/k_quants_avx512-inl.hpp"
#include "kernels/x86/avx512/legacy_quants_avx512-inl.hpp"

namespace hearth::kernels {

namespace {

constexpr size_t kLegacyRows512 = 8;  // rows per single-token call of the 512-bit Q4_0/Q8_0 tiles
constexpr size_t kKRows512 = 4;       // and of the K-quant tiles (rows share the float epilogue)

// A 512-bit K-quant type: batch tiles R x T, single tokens kKRows512 x 1, pairs R x 2.
template <template <size_t, size_t> class K, size_t R, size_t T>
constexpr SimdOverride k512_entry(GgmlType type) {
    SimdOverride o = x86::k_entry<K, R, T>(type);
    o.tiles.rows = K<kKRows512, 1>::tile;
    o.tiles.rows_per_call = kKRows512;
    return o;
}

// The base list with the 512-bit K-quant, Q4_0 and Q8_0 tiles: same vec_dot bits, so only speed
// changes; and the single-token kernels for the decode layout of Q8_0, Q4_K, Q5_K and Q6_K, in those
// tiles' bits.
auto avx512_list() {
    auto l = x86::avx512_base_overrides();
    for (SimdOverride& o : l) {
        const BlockGemm gemm = o.gemm;
        const GgmlOrderDots ggml = o.ggml;
        if (o.type == GgmlType::q4_k) o = k512_entry<x86::Q4_KTile512, 2, 4>(o.type);
        if (o.type == GgmlType::q5_k) o = k512_entry<x86::Q5_KTile512, 2, 4>(o.type);
        if (o.type == GgmlType::q6_k) o = k512_entry<x86::Q6_KTile512, 2, 4>(o.type);
        if (o.type == GgmlType::q4_0) o.tiles = x86::legacy_tiles512<x86::Q4_0Pair, 4, 4, kLegacyRows512>();
        if (o.type == GgmlType::q8_0) o.tiles = x86::legacy_tiles512<x86::Q8_0Pair, 4, 4, kLegacyRows512>();
        o.gemm = gemm;
        if (o.type == GgmlType::q8_0) o.gemm.few.one_tiled = x86::one_token_q8_0_tiles512;
        if (o.type == GgmlType::q4_k) o.gemm.few.one_tiled = x86::one_token_k4_tiles512<Q4_KTileBlock, false>;
        if (o.type == GgmlType::q5_k) o.gemm.few.one_tiled = x86::one_token_k4_tiles512<Q5_KTileBlock, true>;
        if (o.type == GgmlType::q6_k) o.gemm.few.one_tiled = x86::one_token_q6_k_tiles512;
        o.ggml = ggml;
    }
    return l;
}

}  // namespace

std::span<const SimdOverride> avx512_overrides() noexcept {
    static const auto list = avx512_list();
    return list;
}

}  // namespace hearth::kernels
