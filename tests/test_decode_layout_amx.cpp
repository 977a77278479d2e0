// The AMX level's single-token kernels over the decode layout, checked on any AVX-512 CPU. The
// level itself is chosen only where amx_usable() (a Xeon this project's machines rarely are), but
// these kernels, like its vec_dot tiles, use AVX-512 and 256-bit instructions only, so they can run
// here: each must give the bits of what the level runs on the same rows in ggml's layout, its
// single-token member in the block order where it has one (Q4_0), else its vec_dot tiles. (Its
// AMX GEMMs cannot run here; BlockGemm.* covers them where the CPU has AMX.)
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/simd_kernels.hpp"
#include "test_kernels_support.hpp"

namespace hearth::test {
namespace {

using kernels::Isa;

TEST(DecodeLayoutAmx, SingleTokensGiveTheLevelsTileBits) {
    if (!kernels::isa_supported(Isa::avx512)) GTEST_SKIP() << "the AMX level's kernels need AVX-512";
    const auto list = kernels::simd_overrides(Isa::amx);
    if (list.empty()) GTEST_SKIP() << "this build has no AMX level (compiler without -mamx-tile)";
    std::mt19937 rng(17);
    const size_t n = 768, rows = 48;
    int checked = 0;
    for (const kernels::SimdOverride& o : list) {
        if (o.gemm.few.one_tiled == nullptr) continue;
        ASSERT_NE(o.tiles.rows, nullptr) << ggml_type_name(o.type);
        ASSERT_EQ(rows % o.tiles.rows_per_call, 0u);
        const size_t stride = row_bytes(o.type, n);
        std::vector<std::byte> w;
        for (size_t r = 0; r < rows; ++r) {
            const auto row = random_row(o.type, n, rng);
            w.insert(w.end(), row.begin(), row.end());
        }
        // The activation format is the type's at every level; AVX-512's quantizer writes it.
        const kernels::TypeKernels& k512 = *kernels::type_kernels(o.type, Isa::avx512);
        std::vector<std::byte> act(row_bytes(k512.act_type, n));
        const std::vector<float> x = random_floats(n, rng, -3.0f, 3.0f);
        k512.quantize_act_row(x.data(), act.data(), n);

        std::vector<float> want(rows);
        if (o.gemm.few.one != nullptr)
            o.gemm.few.one(n, w.data(), stride, rows, act.data(), want.data());
        else
            for (size_t r0 = 0; r0 < rows; r0 += o.tiles.rows_per_call)
                o.tiles.rows(n, w.data() + r0 * stride, stride, act.data(), 0, want.data() + r0, 1);
        for (size_t chunk : {size_t{16}, size_t{32}}) {
            const std::vector<float> got = run_one_tiled(o.type, o.gemm.few.one_tiled, n, w, stride, rows, act, 0, 1, chunk);
            for (size_t r = 0; r < rows; ++r)
                EXPECT_EQ(std::memcmp(&want[r], &got[r], sizeof(float)), 0) << ggml_type_name(o.type) << " row " << r << " chunk "
                                                                              << chunk << ": ggml layout " << want[r]
                                                                              << ", decode layout " << got[r];
        }
        ++checked;
    }
    EXPECT_EQ(checked, 5);  // Q4_0, Q8_0, Q4_K, Q5_K, Q6_K
}

}  // namespace
}  // namespace hearth::test
