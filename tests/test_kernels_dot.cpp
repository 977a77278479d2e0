// vec_dot of every weight type against a double-precision dot of the dequantized weights and the
// dequantized activations, and every SIMD level this CPU has against the reference.
// Tolerances: integer parts are exact, so the only error is float rounding of per-block scales
// and of the running sum; we allow 1e-5 of sum(|w_i * a_i|) (float eps is 6e-8, 1023 blocks
// of accumulation error stay well below that).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "test_kernels_support.hpp"

namespace hearth::kernels {
namespace {

using test::DotCase;
using test::exact_dot;

std::string label(GgmlType t, size_t blocks) { return std::string(ggml_type_name(t)) + " x" + std::to_string(blocks); }

TEST(KernelsDot, RefMatchesDoublePrecision) {
    std::mt19937 rng(11);
    for (GgmlType t : test::weight_types()) {
        const TypeKernels& k = *type_kernels(t, Isa::ref);
        for (size_t blocks : {1u, 3u, 17u, 33u, 1023u}) {
            const size_t n = blocks * test::block_elems(t);
            const auto w = test::random_row(t, n, rng);
            const auto x = test::random_floats(n, rng);
            std::vector<std::byte> act(test::row_bytes(k.act_type, n));
            k.quantize_act_row(x.data(), act.data(), n);
            const DotCase c = exact_dot(k, t, w.data(), act.data(), n);
            const float got = k.vec_dot(n, w.data(), act.data());
            EXPECT_NEAR(got, c.exact, 1e-5 * c.magnitude + 1e-30) << label(t, blocks);
        }
    }
}

// All-equal extreme inputs: -128/127 activations, all-max weights, zero blocks.
TEST(KernelsDot, EdgeBlocks) {
    for (GgmlType t : test::weight_types()) {
        const TypeKernels& k = *type_kernels(t, Isa::ref);
        const size_t n = 3 * test::block_elems(t);
        std::vector<std::byte> w(test::row_bytes(t, n), std::byte{0});
        std::vector<float> x(n, 0.0f);
        std::vector<std::byte> act(test::row_bytes(k.act_type, n));
        k.quantize_act_row(x.data(), act.data(), n);
        EXPECT_EQ(k.vec_dot(n, w.data(), act.data()), 0.0f) << ggml_type_name(t);

        std::mt19937 rng(5);
        auto wr = test::random_row(t, n, rng);
        for (size_t i = 0; i < n; ++i) x[i] = (i % 2) ? -1000.0f : 1000.0f;
        k.quantize_act_row(x.data(), act.data(), n);
        const DotCase c = exact_dot(k, t, wr.data(), act.data(), n);
        EXPECT_NEAR(k.vec_dot(n, wr.data(), act.data()), c.exact, 1e-5 * c.magnitude + 1e-30) << ggml_type_name(t);
    }
}

// Every SIMD level the CPU supports against ref: activation conversion bit-exact, dequantize
// bit-exact, vec_dot within 1e-5 relative to sum |w_i a_i| (different float summation order).
TEST(KernelsDot, EverySupportedIsaMatchesRef) {
    std::mt19937 rng(13);
    for (Isa isa : {Isa::avx2, Isa::avxvnni, Isa::avx512, Isa::amx, Isa::neon}) {
        if (!isa_supported(isa)) continue;
        for (GgmlType t : test::weight_types()) {
            const TypeKernels& r = *type_kernels(t, Isa::ref);
            const TypeKernels* s = type_kernels(t, isa);
            ASSERT_NE(s, nullptr);
            ASSERT_EQ(s->act_type, r.act_type);
            for (size_t blocks : {1u, 3u, 17u, 33u, 1023u}) {
                const size_t n = blocks * test::block_elems(t);
                const std::string where = std::string(isa_name(isa)) + " " + label(t, blocks);
                auto w = test::random_row(t, n, rng);
                auto x = test::random_floats(n, rng);
                if (blocks == 17) {  // a zero stretch and large magnitudes in one row
                    for (size_t i = 0; i < n / 4; ++i) x[i] = 0.0f;
                    x[n / 2] = 3.0e4f;
                    x[n / 2 + 1] = -3.0e4f;
                }
                std::vector<std::byte> ar(test::row_bytes(r.act_type, n)), as(ar.size());
                r.quantize_act_row(x.data(), ar.data(), n);
                s->quantize_act_row(x.data(), as.data(), n);
                ASSERT_EQ(0, std::memcmp(ar.data(), as.data(), ar.size())) << where;
                std::vector<float> dr(n), ds(n);
                r.dequantize_row(w.data(), dr.data(), n);
                s->dequantize_row(w.data(), ds.data(), n);
                ASSERT_EQ(0, std::memcmp(dr.data(), ds.data(), n * 4)) << where;
                const DotCase c = exact_dot(r, t, w.data(), ar.data(), n);
                const float got_r = r.vec_dot(n, w.data(), ar.data());
                const float got_s = s->vec_dot(n, w.data(), ar.data());
                EXPECT_NEAR(got_s, got_r, 1e-5 * c.magnitude + 1e-30) << where;
            }
        }
    }
}

// Tiles must reproduce vec_dot bit for bit (matmul relies on it for thread- and batch-size
// independence), for every level, type, and a partial last tile through dot_rows_tokens.
TEST(KernelsDot, TilesAreBitIdenticalToVecDot) {
    std::mt19937 rng(17);
    for (Isa isa : kernels::kAllIsas) {
        if (!isa_supported(isa)) continue;
        for (GgmlType t : test::weight_types()) {
            const TypeKernels& k = *type_kernels(t, isa);
            const size_t n = 5 * test::block_elems(t) * (test::block_elems(t) == 1 ? 16 : 1);
            const size_t rows = 11, tokens = 7, rb = test::row_bytes(t, n), ab = test::row_bytes(k.act_type, n);
            std::vector<std::byte> w;
            for (size_t r = 0; r < rows; ++r) {
                const auto row = test::random_row(t, n, rng);
                w.insert(w.end(), row.begin(), row.end());
            }
            std::vector<std::byte> act(ab * tokens);
            const auto x = test::random_floats(n * tokens, rng);
            for (size_t u = 0; u < tokens; ++u) k.quantize_act_row(x.data() + u * n, act.data() + u * ab, n);
            std::vector<float> got(rows * tokens), want(rows * tokens);
            dot_rows_tokens(k, n, w.data(), rb, rows, act.data(), ab, tokens, got.data(), rows);
            for (size_t u = 0; u < tokens; ++u)
                for (size_t r = 0; r < rows; ++r) want[u * rows + r] = k.vec_dot(n, w.data() + r * rb, act.data() + u * ab);
            EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * 4))
                << isa_name(isa) << " " << ggml_type_name(t) << " tile " << k.tiles.tile_rows << "x" << k.tiles.tile_tokens;
        }
    }
}

// The AVX-512 level's 512-bit K-quant tiles, the AVX-VNNI level's vpdpbusd ones and the AVX2
// level's vpmaddubsw ones form the same exact integer sums per super-block and combine them in
// the same float sequence, so every output must be bit-identical across the levels, at every
// tile shape (rows x tokens from 1x1 up, whole and partial tiles), with random weights and with
// activations at +-127.
TEST(KernelsDot, KQuantTilesAreBitIdenticalAcrossX86Levels) {
    if (!isa_supported(Isa::avx2)) GTEST_SKIP() << "needs AVX2";
    std::mt19937 rng(19);
    for (Isa other : {Isa::avxvnni, Isa::avx512}) {
        if (!isa_supported(other)) continue;
        for (GgmlType t : {GgmlType::q2_k, GgmlType::q3_k, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k}) {
            const TypeKernels& a = *type_kernels(t, Isa::avx2);
            const TypeKernels& b = *type_kernels(t, other);
            const size_t n = 7 * test::block_elems(t), max_rows = 9, max_tokens = 6;
            const size_t rb = test::row_bytes(t, n), ab = test::row_bytes(a.act_type, n);
            for (bool extreme : {false, true}) {
                std::vector<std::byte> w;
                for (size_t r = 0; r < max_rows; ++r) {
                    const auto row = test::random_row(t, n, rng);
                    w.insert(w.end(), row.begin(), row.end());
                }
                auto x = test::random_floats(n * max_tokens, rng);
                if (extreme)  // quantizes to +-127 everywhere: the largest products the tiles see
                    for (size_t i = 0; i < x.size(); ++i) x[i] = (i % 3) ? -1000.0f : 1000.0f;
                std::vector<std::byte> act(ab * max_tokens);
                for (size_t u = 0; u < max_tokens; ++u) a.quantize_act_row(x.data() + u * n, act.data() + u * ab, n);
                for (size_t rows = 1; rows <= max_rows; rows += 2)
                    for (size_t tokens = 1; tokens <= max_tokens; ++tokens) {
                        std::vector<float> got_a(rows * tokens), got_b(rows * tokens);
                        dot_rows_tokens(a, n, w.data(), rb, rows, act.data(), ab, tokens, got_a.data(), rows);
                        dot_rows_tokens(b, n, w.data(), rb, rows, act.data(), ab, tokens, got_b.data(), rows);
                        EXPECT_EQ(0, std::memcmp(got_a.data(), got_b.data(), got_a.size() * 4))
                            << ggml_type_name(t) << " " << rows << "x" << tokens << (extreme ? " extreme" : "");
                    }
                for (size_t r = 0; r < max_rows; ++r) {
                    const float va = a.vec_dot(n, w.data() + r * rb, act.data());
                    const float vb = b.vec_dot(n, w.data() + r * rb, act.data());
                    EXPECT_EQ(0, std::memcmp(&va, &vb, 4)) << ggml_type_name(t) << " vec_dot row " << r;
                }
            }
        }
    }
}

// The NEON level has its own vec_dot for every quantized type and F16: with the reference's in
// its table, the comparisons above would pass without running any NEON code.
TEST(KernelsDot, NeonHasItsOwnDotForEveryQuantizedType) {
    if (!isa_supported(Isa::neon)) GTEST_SKIP() << "needs NEON";
    for (GgmlType t : {GgmlType::f16, GgmlType::q4_0, GgmlType::q4_1, GgmlType::q5_0, GgmlType::q5_1, GgmlType::q8_0,
                       GgmlType::q2_k, GgmlType::q3_k, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k})
        EXPECT_NE(type_kernels(t, Isa::neon)->vec_dot, type_kernels(t, Isa::ref)->vec_dot) << ggml_type_name(t);
}

// NEON's K-quant dots form ref's exact integer sums and then run ref's float expression in ref's
// order, so they must equal ref bit for bit (random rows, and activations at +-127).
TEST(KernelsDot, NeonKQuantDotsAreBitIdenticalToRef) {
    if (!isa_supported(Isa::neon)) GTEST_SKIP() << "needs NEON";
    std::mt19937 rng(23);
    for (GgmlType t : {GgmlType::q2_k, GgmlType::q3_k, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k}) {
        const TypeKernels& r = *type_kernels(t, Isa::ref);
        const TypeKernels& s = *type_kernels(t, Isa::neon);
        for (size_t blocks : {1u, 3u, 17u}) {
            const size_t n = blocks * test::block_elems(t);
            for (bool extreme : {false, true}) {
                const auto w = test::random_row(t, n, rng);
                auto x = test::random_floats(n, rng);
                if (extreme)
                    for (size_t i = 0; i < n; ++i) x[i] = (i % 3) ? -1000.0f : 1000.0f;
                std::vector<std::byte> act(test::row_bytes(r.act_type, n));
                r.quantize_act_row(x.data(), act.data(), n);
                const float want = r.vec_dot(n, w.data(), act.data()), got = s.vec_dot(n, w.data(), act.data());
                EXPECT_EQ(0, std::memcmp(&want, &got, 4)) << label(t, blocks) << (extreme ? " extreme" : "") << ": ref " << want
                                                          << " neon " << got;
            }
        }
    }
}

TEST(KernelsDot, ActiveIsaIsSupported) {
    EXPECT_TRUE(isa_supported(active_isa()));
    EXPECT_TRUE(isa_supported(Isa::ref));
    EXPECT_EQ(isa_name(Isa::avx512), "avx512");
    for (GgmlType t : test::weight_types()) EXPECT_NE(type_kernels(t), nullptr);
}

}  // namespace
}  // namespace hearth::kernels
