// The ggml-order dots (kernels.hpp, GgmlOrderDots): llama.cpp's x86 rounding orders for Q4_K,
// Q6_K, Q4_0 (repacked) and float weights (vec_dot, tinyBLAS), which MatmulOrder::ggml uses so
// that hearth eval and embeddings give llama.cpp's logits to the last bit. The spec (ref/) is
// checked against a double-precision dot of the dequantized values, which catches a wrong lane,
// scale or min term; every x86 level must then give the spec's bits on random rows and on
// activations at +-127. That the spec is llama.cpp's order was measured against its library
// (node-llama-cpp 3.22.1, zen4 build): no bit differed on 500-9600 random rows per order; end to
// end, Golden.GgmlOrderGivesLlamaCppsLogitsBitForBit and tests/test_embedding.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "test_kernels_support.hpp"

namespace hearth::kernels {
namespace {

struct NamedDot {
    const char* name;
    VecDotFn GgmlOrderDots::*member;
};
constexpr NamedDot kDots[] = {{"vec_dot", &GgmlOrderDots::vec_dot},
                              {"repacked_gemv", &GgmlOrderDots::repacked_gemv},
                              {"repacked_gemm", &GgmlOrderDots::repacked_gemm},
                              {"tinyblas", &GgmlOrderDots::tinyblas}};
constexpr GgmlType kTypes[] = {GgmlType::q4_k, GgmlType::q6_k, GgmlType::q4_0, GgmlType::f32, GgmlType::f16};

// Row lengths in blocks: multiples of 16 elements (tinyBLAS's unit) with and without a tail past
// ggml's 64-element steps.
std::vector<size_t> lengths(GgmlType t) {
    if (test::block_elems(t) == 1) return {16, 48, 272, 1000};
    return {1, 3, 17};
}

// tinyBLAS takes lengths in multiples of 16 only (matmul checks; the dot reads whole 16s).
bool applies(const NamedDot& d, size_t n) { return d.member != &GgmlOrderDots::tinyblas || n % 16 == 0; }

std::vector<float> activations(size_t n, std::mt19937& rng, bool extreme) {
    auto x = test::random_floats(n, rng);
    if (extreme)  // quantizes to +-127 everywhere: the largest products and bsums
        for (size_t i = 0; i < n; ++i) x[i] = (i % 3) ? -1000.0f : 1000.0f;
    return x;
}

TEST(KernelsGgmlOrder, SpecMatchesDoublePrecision) {
    std::mt19937 rng(23);
    for (GgmlType t : kTypes) {
        const TypeKernels& k = *type_kernels(t, Isa::ref);
        for (size_t blocks : lengths(t)) {
            const size_t n = blocks * test::block_elems(t);
            const auto w = test::random_row(t, n, rng);
            for (bool extreme : {false, true}) {
                const auto x = activations(n, rng, extreme);
                std::vector<std::byte> act(test::row_bytes(k.act_type, n));
                k.quantize_act_row(x.data(), act.data(), n);
                const test::DotCase c = test::exact_dot(k, t, w.data(), act.data(), n);
                for (const NamedDot& d : kDots) {
                    const VecDotFn f = k.ggml.*d.member;
                    if (f == nullptr || !applies(d, n)) continue;
                    EXPECT_NEAR(f(n, w.data(), act.data()), c.exact, 1e-5 * c.magnitude + 1e-30)
                        << ggml_type_name(t) << " " << d.name << " x" << blocks << (extreme ? " extreme" : "");
                }
            }
        }
    }
}

// The three orders are different roundings of one sum: on random rows they must not all agree,
// or MatmulOrder::ggml would not be choosing anything.
TEST(KernelsGgmlOrder, Q4_KOrdersDiffer) {
    std::mt19937 rng(29);
    const TypeKernels& k = *type_kernels(GgmlType::q4_k, Isa::ref);
    const size_t n = 16 * 256;
    size_t differ = 0;
    for (int row = 0; row < 64; ++row) {
        const auto w = test::random_row(GgmlType::q4_k, n, rng);
        const auto x = activations(n, rng, false);
        std::vector<std::byte> act(test::row_bytes(k.act_type, n));
        k.quantize_act_row(x.data(), act.data(), n);
        const float a = k.ggml.vec_dot(n, w.data(), act.data());
        const float b = k.ggml.repacked_gemv(n, w.data(), act.data());
        const float c = k.ggml.repacked_gemm(n, w.data(), act.data());
        differ += (a != b) + (b != c);
    }
    EXPECT_GT(differ, 0u);
}

TEST(KernelsGgmlOrder, EveryX86LevelGivesTheSpecsBits) {
    std::mt19937 rng(31);
    size_t levels = 0;
    for (Isa isa : {Isa::avx2, Isa::avxvnni, Isa::avx512, Isa::amx}) {
        if (!isa_supported(isa)) continue;
        ++levels;
        for (GgmlType t : kTypes) {
            const TypeKernels& ref = *type_kernels(t, Isa::ref);
            const TypeKernels& simd = *type_kernels(t, isa);
            for (size_t blocks : lengths(t)) {
                const size_t n = blocks * test::block_elems(t);
                for (int row = 0; row < 8; ++row) {
                    const auto w = test::random_row(t, n, rng, row % 2 ? 0.01f : 1.0f);
                    const auto x = activations(n, rng, row % 4 == 3);
                    std::vector<std::byte> act(test::row_bytes(ref.act_type, n));
                    ref.quantize_act_row(x.data(), act.data(), n);
                    for (const NamedDot& d : kDots) {
                        ASSERT_EQ(ref.ggml.*d.member == nullptr, simd.ggml.*d.member == nullptr) << d.name;
                        if (ref.ggml.*d.member == nullptr || !applies(d, n)) continue;
                        const float want = (ref.ggml.*d.member)(n, w.data(), act.data());
                        const float got = (simd.ggml.*d.member)(n, w.data(), act.data());
                        EXPECT_EQ(0, std::memcmp(&want, &got, 4))
                            << isa_name(isa) << " " << ggml_type_name(t) << " " << d.name << " x" << blocks << " row " << row
                            << ": " << want << " vs " << got;
                    }
                }
            }
        }
    }
    if (levels == 0) GTEST_SKIP() << "no x86 SIMD level on this CPU";
}

}  // namespace
}  // namespace hearth::kernels
