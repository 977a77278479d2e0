// The Q4_0 decode layout (kernels/decode_layout.hpp): the rearrangement is lossless, and a matrix
// in it gives the bits of the same matrix in ggml's layout through every path of the matmul
// driver (single tokens read the tiles; batches, ggml's order and embedding lookups get rows
// back), at 1, 2 and 7 threads. Named Matmul.* so ctest repeats them at the 256-bit levels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kernels/decode_layout.hpp"
#include "matmul_test_support.hpp"

namespace hearth::ops {
namespace {

// p's matrix rearranged into a copy, the view marked so.
struct Tiled {
    std::vector<std::byte> data;
    WeightView w;
};

Tiled tiled_copy(const Problem& p) {
    Tiled t{p.data, p.w};
    to_decode_layout(t.w, t.data.data());
    return t;
}

#define HEARTH_REQUIRE_DECODE_LAYOUT(w)                                                                   \
    if (!decode_layout_fits(w))                                                                           \
    GTEST_SKIP() << "no single-token kernel for the Q4_0 decode layout at level "                         \
                 << kernels::isa_name(kernels::active_isa())

TEST(Matmul, DecodeLayoutRearrangesLosslessly) {
    std::mt19937 rng(41);
    const size_t n_cols = 320, n_rows = 48;
    Problem p = make_problem(GgmlType::q4_0, n_rows, n_cols, 0, rng);
    std::vector<std::byte> tiles = p.data;
    kernels::q4_0_rows_to_tiles(n_cols, tiles.data(), n_rows);
    EXPECT_NE(tiles, p.data);  // a real rearrangement (random rows differ)
    for (size_t r : {size_t{0}, size_t{5}, size_t{16}, size_t{47}})
        for (size_t b : {size_t{0}, size_t{9}}) {
            const kernels::BlockQ4_0 got = kernels::q4_0_tiled_block(n_cols, tiles.data(), r, b);
            EXPECT_EQ(0, std::memcmp(&got, p.data.data() + r * p.w.row_bytes + b * sizeof got, sizeof got)) << r << " " << b;
        }
    std::vector<std::byte> back(p.data.size());
    kernels::q4_0_tiles_to_rows(n_cols, tiles.data(), 16, 32, back.data());
    EXPECT_EQ(0, std::memcmp(back.data(), p.data.data() + 16 * p.w.row_bytes, 32 * p.w.row_bytes));
}

TEST(Matmul, DecodeLayoutFitsQ4_0RowsInSixteens) {
    std::mt19937 rng(42);
    Problem p = make_problem(GgmlType::q4_0, 48, 256, 0, rng);
    HEARTH_REQUIRE_DECODE_LAYOUT(p.w);
    EXPECT_FALSE(decode_layout_fits(make_problem(GgmlType::q4_0, 40, 256, 0, rng).w));
    EXPECT_FALSE(decode_layout_fits(make_problem(GgmlType::q8_0, 48, 256, 0, rng).w));
    EXPECT_FALSE(decode_layout_fits(tiled_copy(p).w));  // already rearranged
}

TEST(Matmul, DecodeLayoutGivesTheRowsBitsOnEveryPath) {
    std::mt19937 rng(43);
    ThreadPool p1(1), p2(2), p7(7);
    for (size_t n_rows : {size_t{48}, size_t{224}}) {
        Problem p = make_problem(GgmlType::q4_0, n_rows, 512, 37, rng);
        HEARTH_REQUIRE_DECODE_LAYOUT(p.w);
        const Tiled t = tiled_copy(p);
        // 1: the tiles' own kernel; 2-15: the few-token GEMM; 16+: the block GEMM, on rows given back.
        for (size_t n_tokens : {size_t{1}, size_t{2}, size_t{5}, size_t{15}, size_t{16}, size_t{37}})
            for (MatmulOrder order : {MatmulOrder::fastest, MatmulOrder::ggml})
                for (ThreadPool* pool : {&p1, &p2, &p7}) {
                    const auto want = run(p, n_tokens, *pool, order);
                    Problem q = p;
                    q.w = t.w;
                    const auto got = run(q, n_tokens, *pool, order);
                    EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4))
                        << n_rows << " rows, " << n_tokens << " tokens, " << pool->size() << " threads, order "
                        << int(order);
                }
    }
}

TEST(Matmul, DecodeLayoutInManyProblemsAndLookups) {
    std::mt19937 rng(44);
    ThreadPool pool(2);
    const size_t n_cols = 256, n_rows = 64;
    Problem p = make_problem(GgmlType::q4_0, n_rows, n_cols, 6, rng);
    HEARTH_REQUIRE_DECODE_LAYOUT(p.w);
    const Tiled t = tiled_copy(p);
    pool.reserve_worker_scratch(matmul_worker_scratch_bytes(t.w));
    std::vector<float> want(8 * n_rows), got(8 * n_rows);
    const MatmulProblem rows[] = {{p.w, p.x.data(), 1, want.data()}, {p.w, p.x.data() + n_cols, 5, want.data() + n_rows}};
    const MatmulProblem tiles[] = {{t.w, p.x.data(), 1, got.data()}, {t.w, p.x.data() + n_cols, 5, got.data() + n_rows}};
    std::vector<std::byte> raw;
    const auto scratch = aligned_scratch(raw, 2 * matmul_many_scratch_bytes(GgmlType::q4_0, n_cols, 6));
    matmul_many(rows, scratch, pool);
    matmul_many(tiles, scratch, pool);
    EXPECT_EQ(0, std::memcmp(want.data(), got.data(), 6 * n_rows * 4));

    const std::vector<int32_t> ids = {63, 0, 17, 17};
    std::vector<float> a(ids.size() * n_cols), b(ids.size() * n_cols);
    get_rows(p.w, ids, a.data());
    get_rows(t.w, ids, b.data());
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4));
}

// A single token needs no worker scratch; paths that need rows back give NaNs without it (the
// model reserves it at load), never rows read in the wrong layout.
TEST(Matmul, DecodeLayoutWithoutWorkerScratch) {
    std::mt19937 rng(45);
    ThreadPool pool(1);
    Problem p = make_problem(GgmlType::q4_0, 32, 256, 3, rng);
    HEARTH_REQUIRE_DECODE_LAYOUT(p.w);
    const auto want = run(p, 1, pool);
    const Tiled t = tiled_copy(p);
    ThreadPool bare(1);
    std::vector<float> y(3 * 32);
    std::vector<std::byte> raw;
    matmul(t.w, p.x.data(), 1, y.data(), aligned_scratch(raw, matmul_scratch_bytes(GgmlType::q4_0, 256, 3)), bare);
    EXPECT_EQ(0, std::memcmp(want.data(), y.data(), 32 * 4));
    matmul(t.w, p.x.data(), 3, y.data(), aligned_scratch(raw, matmul_scratch_bytes(GgmlType::q4_0, 256, 3)), bare);
    EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[3 * 32 - 1]));
}

}  // namespace
}  // namespace hearth::ops
