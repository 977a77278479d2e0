// The block GEMMs (kernels.hpp, BlockGemm) against their scalar spec ref::block_gemm: the same
// bits for every CPU level that has one, on random data, extreme values and ragged shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "hearth/memory.hpp"
#include "kernels/decode_layout.hpp"
#include "test_kernels_support.hpp"
#if defined(__aarch64__)
#include "kernels/arm/neon/block_gemm_neon.hpp"
#endif

namespace hearth::test {
namespace {

using kernels::Isa;

struct Case {
    size_t n, rows, tokens;
};

// Runs one level's GEMM the way the matmul driver does: quantize, pack groups, pack panels.
std::vector<float> run_gemm(const kernels::TypeKernels& k, size_t n, const std::vector<std::byte>& w, size_t w_stride,
                            size_t rows, const std::vector<std::byte>& act, size_t act_stride, size_t tokens) {
    const kernels::BlockGemm& g = k.gemm;
    std::vector<float> out(tokens * rows, -1.0f);
    PageBuffer group(g.act_group_bytes(n), "test group");
    PageBuffer panel(g.panel_bytes(n), "test panel");
    for (size_t t0 = 0; t0 < tokens; t0 += kernels::kGemmTokens) {
        const size_t count = std::min(kernels::kGemmTokens, tokens - t0);
        g.pack_act(n, act.data() + t0 * act_stride, act_stride, count, group.data());
        for (size_t r0 = 0; r0 < rows; r0 += g.panel_rows) {
            const size_t nr = std::min<size_t>(g.panel_rows, rows - r0);
            g.pack_panel(n, w.data() + r0 * w_stride, w_stride, nr, panel.data());
            g.multiply(n, panel.data(), nr, group.data(), count, out.data() + t0 * rows + r0, rows);
        }
    }
    return out;
}

// Runs one level's few-token GEMM the way the matmul driver does: quantize, pack the groups of
// kFewTokens back to back, multiply the rows as stored in row ranges of `chunk` (any split gives
// the same bits), up to kFewGroupsPerCall groups per call.
std::vector<float> run_few(const kernels::TypeKernels& k, size_t n, const std::vector<std::byte>& w, size_t w_stride,
                           size_t rows, const std::vector<std::byte>& act, size_t act_stride, size_t tokens, size_t chunk) {
    const kernels::FewTokenGemm& f = k.gemm.few;
    const size_t group_bytes = f.act_group_bytes(n), n_groups = (tokens + kernels::kFewTokens - 1) / kernels::kFewTokens;
    std::vector<float> out(tokens * rows, -1.0f);
    PageBuffer groups(group_bytes * n_groups, "test few groups");
    for (size_t g = 0; g < n_groups; ++g)
        f.pack_act(n, act.data() + g * kernels::kFewTokens * act_stride, act_stride,
                   std::min(kernels::kFewTokens, tokens - g * kernels::kFewTokens), groups.data() + g * group_bytes);
    const size_t call_tokens = kernels::kFewTokens * kernels::kFewGroupsPerCall;
    for (size_t t0 = 0; t0 < tokens; t0 += call_tokens)
        for (size_t r0 = 0; r0 < rows; r0 += chunk)
            f.multiply(n, w.data() + r0 * w_stride, w_stride, std::min(chunk, rows - r0),
                       groups.data() + t0 / kernels::kFewTokens * group_bytes, std::min(call_tokens, tokens - t0),
                       out.data() + t0 * rows + r0, rows);
    return out;
}

// Runs one level's single-token member (FewTokenGemm::one) for every token, rows in ranges of
// `chunk` (any split gives the same bits).
std::vector<float> run_one(const kernels::TypeKernels& k, size_t n, const std::vector<std::byte>& w, size_t w_stride,
                           size_t rows, const std::vector<std::byte>& act, size_t act_stride, size_t tokens, size_t chunk) {
    std::vector<float> out(tokens * rows, -1.0f);
    for (size_t t = 0; t < tokens; ++t)
        for (size_t r0 = 0; r0 < rows; r0 += chunk)
            k.gemm.few.one(n, w.data() + r0 * w_stride, w_stride, std::min(chunk, rows - r0), act.data() + t * act_stride,
                           out.data() + t * rows + r0);
    return out;
}

// k's GEMM (labelled `level`) must equal the spec bit for bit, and so must its few-token path
// and its single-token member.
void expect_matches_spec(const kernels::TypeKernels* k, std::string_view level, GgmlType t, const Case& c,
                         const std::vector<std::byte>& w, const std::vector<float>& x) {
    if (k == nullptr || k->gemm.panel_rows == 0) return;
    const size_t w_stride = row_bytes(t, c.n);
    const size_t act_stride = row_bytes(k->act_type, c.n);
    std::vector<std::byte> act(act_stride * c.tokens);
    for (size_t i = 0; i < c.tokens; ++i) k->quantize_act_row(x.data() + i * c.n, act.data() + i * act_stride, c.n);
    std::vector<float> want(c.tokens * c.rows);
    ASSERT_TRUE(kernels::ref::block_gemm(t, c.n, w.data(), w_stride, c.rows, act.data(), act_stride, c.tokens,
                                         want.data(), c.rows));
    auto expect_spec = [&](const std::vector<float>& got, const char* path) {
        for (size_t i = 0; i < want.size(); ++i)
            ASSERT_EQ(std::memcmp(&want[i], &got[i], sizeof(float)), 0)
                << path << " " << ggml_type_name(t) << " " << level << " n " << c.n << " rows " << c.rows
                << " tokens " << c.tokens << ": token " << i / c.rows << " row " << i % c.rows << " want " << want[i]
                << " got " << got[i];
    };
    expect_spec(run_gemm(*k, c.n, w, w_stride, c.rows, act, act_stride, c.tokens), "gemm");
    if (k->gemm.few.act_group_bytes != nullptr)
        for (size_t chunk : {c.rows, size_t(5), size_t(32)})
            expect_spec(run_few(*k, c.n, w, w_stride, c.rows, act, act_stride, c.tokens, chunk), "few-token");
    if (k->gemm.few.one == nullptr) return;
    for (size_t chunk : {c.rows, size_t(5), size_t(16), size_t(17)})
        expect_spec(run_one(*k, c.n, w, w_stride, c.rows, act, act_stride, c.tokens, chunk), "one-token");
    if (k->gemm.few.one_tiled == nullptr || !kernels::decode_tiles_fit(t, c.rows)) return;
    for (size_t chunk : {c.rows, size_t(16), size_t(32)})
        expect_spec(run_one_tiled(t, k->gemm.few.one_tiled, c.n, w, w_stride, c.rows, act, act_stride, c.tokens, chunk),
                    "one-token tiled");
}

// Every level with a GEMM for t, and on ARM both NEON variants (the level itself uses only the
// best one the CPU has, so the other would go untested).
void expect_levels_match_spec(GgmlType t, const Case& c, const std::vector<std::byte>& w,
                              const std::vector<float>& x) {
    for (Isa isa : {Isa::avx2, Isa::avxvnni, Isa::avx512, Isa::amx, Isa::neon})
        expect_matches_spec(kernels::type_kernels(t, isa), kernels::isa_name(isa), t, c, w, x);
#if defined(__aarch64__)
    const kernels::TypeKernels* neon = kernels::type_kernels(t, Isa::neon);
    if (neon == nullptr) return;
    for (auto [variant, name] : {std::pair{kernels::neon::GemmVariant::sdot, "neon sdot"},
                                 std::pair{kernels::neon::GemmVariant::smmla, "neon smmla"}}) {
        kernels::TypeKernels k = *neon;
        k.gemm = kernels::neon::block_gemm(t, variant);
        expect_matches_spec(&k, name, t, c, w, x);
    }
#endif
}

const GgmlType kTypes[] = {GgmlType::q4_0, GgmlType::q8_0, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k};

TEST(BlockGemm, MatchesSpecOnRandomData) {
    std::mt19937 rng(7);
    const Case cases[] = {{256, 1, 1},   {256, 7, 5},    {512, 8, 16},  {256, 31, 17}, {2048, 32, 16}, {512, 33, 33},
                          {1024, 70, 40}, {256, 3, 2},   {512, 17, 3},  {256, 16, 4},  {1024, 45, 7},  {256, 64, 15}};
    for (GgmlType t : kTypes)
        for (Case c : cases) {
            if (block_elems(t) == 32 && c.n == 256 && c.rows < 10) c.n = 32 * (c.rows + 1);  // short legacy rows too
            std::vector<std::byte> w;
            for (size_t r = 0; r < c.rows; ++r) {
                const auto row = random_row(t, c.n, rng);
                w.insert(w.end(), row.begin(), row.end());
            }
            expect_levels_match_spec(t, c, w, random_floats(c.n * c.tokens, rng, -3.0f, 3.0f));
        }
}

TEST(BlockGemm, MatchesSpecOnExtremes) {
    // All-zero weights and activations, the largest quants with large scales, and mixed signs:
    // the integer sums reach their extremes (q8_0: 32 * 128 * 127) without leaving int32.
    const Case c{256, 9, 18};
    for (GgmlType t : kTypes) {
        const size_t bb = ggml_type_info(t).block_bytes, nb = c.n / block_elems(t);
        for (int pattern = 0; pattern < 3; ++pattern) {
            std::vector<std::byte> w(row_bytes(t, c.n) * c.rows);
            std::vector<float> x(c.n * c.tokens);
            for (size_t r = 0; r < c.rows; ++r)
                for (size_t b = 0; b < nb; ++b) {
                    std::byte* blk = w.data() + r * row_bytes(t, c.n) + b * bb;
                    const std::byte q = pattern == 2 ? std::byte(0x80) : std::byte(pattern == 0 ? 0 : 0x7F);
                    std::fill(blk, blk + bb, q);  // quants, and K-quant scales/mins at their extremes
                    for (size_t off : scale_offsets(t)) put_f16(blk + off, pattern == 0 ? 0.0f : (r % 2 ? 60000.0f : -1.0f));
                }
            for (size_t i = 0; i < x.size(); ++i) x[i] = pattern == 0 ? 0.0f : (i % 3 ? 1e4f : -1e4f);
            expect_levels_match_spec(t, c, w, x);
        }
    }
}

#if defined(__aarch64__)
TEST(BlockGemm, NeonHasBothVariants) {
    // The comparisons above cover smmla only where the CPU has i8mm (qemu-aarch64's default CPU
    // does): say so rather than pass silently without it.
    if (kernels::type_kernels(GgmlType::q4_0, Isa::neon) == nullptr) GTEST_SKIP() << "no NEON level";
    for (GgmlType t : kTypes) EXPECT_NE(kernels::neon::block_gemm(t, kernels::neon::GemmVariant::sdot).panel_rows, 0u);
    if (!kernels::neon::i8mm_usable()) GTEST_SKIP() << "CPU without i8mm: the smmla GEMMs were not tested";
    for (GgmlType t : kTypes) EXPECT_NE(kernels::neon::block_gemm(t, kernels::neon::GemmVariant::smmla).panel_rows, 0u);
}
#endif

TEST(BlockGemm, SpecIsTheIntegerDotScaledPerBlock) {
    // The spec itself, on a case small enough to check by hand: one block, integer values.
    std::vector<std::byte> w(row_bytes(GgmlType::q8_0, 32));
    put_f16(w.data(), 0.5f);
    for (size_t j = 0; j < 32; ++j) w[2 + j] = std::byte(int8_t(j % 5) - 2);
    std::vector<std::byte> a(row_bytes(GgmlType::q8_0, 32));
    put_f16(a.data(), 0.25f);
    int32_t want = 0;
    for (size_t j = 0; j < 32; ++j) {
        a[2 + j] = std::byte(int8_t(j) - 16);
        want += (int32_t(j % 5) - 2) * (int32_t(j) - 16);
    }
    float out = 0.0f;
    ASSERT_TRUE(kernels::ref::block_gemm(GgmlType::q8_0, 32, w.data(), w.size(), 1, a.data(), a.size(), 1, &out, 1));
    EXPECT_EQ(out, float(want) * 0.125f);
    EXPECT_FALSE(kernels::ref::block_gemm(GgmlType::q5_0, 32, w.data(), w.size(), 1, a.data(), a.size(), 1, &out, 1));
}

}  // namespace
}  // namespace hearth::test
