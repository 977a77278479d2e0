// The decode layout (kernels/decode_layout.hpp), Q4_0, Q8_0, Q4_K, Q5_K and Q6_K: the rearrangement is
// lossless, and a matrix in it gives the bits of the same matrix in ggml's layout through every
// path of the matmul driver (single tokens read the tiles, in the block order for Q4_0 and
// vec_dot's for the others; batches, ggml's order and embedding lookups get rows back), at 1, 2 and 7 threads. Types
// the level has no tiled kernel for are skipped. Named Matmul.* so ctest repeats them at the
// 256-bit levels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <set>
#include <vector>

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

constexpr GgmlType kTiledTypes[] = {GgmlType::q4_0, GgmlType::q8_0, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k};

// Skips the test when none of its types had a tiled kernel at this level.
#define HEARTH_SKIP_UNLESS_RAN(ran)                                                                       \
    if (ran == 0)                                                                                         \
    GTEST_SKIP() << "no single-token kernel for the decode layout at level "                               \
                 << kernels::isa_name(kernels::active_isa())

TEST(Matmul, DecodeLayoutRearrangesLosslessly) {
    std::mt19937 rng(41);
    const size_t n_cols = 768, n_rows = 48;
    for (GgmlType type : kTiledTypes) {
        Problem p = make_problem(type, n_rows, n_cols, 0, rng);
        const size_t nb = n_cols / ggml_type_info(type).block_elements, block_bytes = p.w.row_bytes / nb;
        std::vector<std::byte> tiles = p.data;
        kernels::rows_to_tiles(type, n_cols, tiles.data(), n_rows);
        EXPECT_NE(tiles, p.data);  // a real rearrangement (random rows differ)
        for (size_t r : {size_t{0}, size_t{5}, size_t{16}, size_t{47}})
            for (size_t b : {size_t{0}, nb - 1}) {
                std::vector<std::byte> got(block_bytes);
                kernels::tiled_block(type, n_cols, tiles.data(), r, b, got.data());
                EXPECT_EQ(0, std::memcmp(got.data(), p.data.data() + r * p.w.row_bytes + b * block_bytes, block_bytes))
                    << ggml_type_name(type) << " " << r << " " << b;
            }
        std::vector<std::byte> back(p.data.size());
        kernels::tiles_to_rows(type, n_cols, tiles.data(), 16, 32, back.data());
        EXPECT_EQ(0, std::memcmp(back.data(), p.data.data() + 16 * p.w.row_bytes, 32 * p.w.row_bytes)) << ggml_type_name(type);
    }
}

TEST(Matmul, DecodeLayoutFitsRowsInSixteensOfItsTypes) {
    std::mt19937 rng(42);
    int ran = 0;
    for (GgmlType type : kTiledTypes) {
        Problem p = make_problem(type, 48, 256, 0, rng);
        if (!decode_layout_fits(p.w)) continue;
        ++ran;
        EXPECT_FALSE(decode_layout_fits(make_problem(type, 40, 256, 0, rng).w));
        EXPECT_FALSE(decode_layout_fits(tiled_copy(p).w));  // already rearranged
    }
    HEARTH_SKIP_UNLESS_RAN(ran);
    EXPECT_FALSE(decode_layout_fits(make_problem(GgmlType::q4_1, 48, 256, 0, rng).w));
}

TEST(Matmul, DecodeLayoutGivesTheRowsBitsOnEveryPath) {
    std::mt19937 rng(43);
    ThreadPool p1(1), p2(2), p7(7);
    int ran = 0;
    for (GgmlType type : kTiledTypes)
    for (size_t n_rows : {size_t{48}, size_t{224}}) {
        Problem p = make_problem(type, n_rows, 512, 37, rng);
        if (!decode_layout_fits(p.w)) continue;
        ++ran;
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
                        << ggml_type_name(type) << ", " << n_rows << " rows, " << n_tokens << " tokens, " << pool->size() << " threads, order "
                        << int(order);
                }
    }
    HEARTH_SKIP_UNLESS_RAN(ran);
}

TEST(Matmul, DecodeLayoutInManyProblemsAndLookups) {
    std::mt19937 rng(44);
    ThreadPool pool(2);
    const size_t n_cols = 256, n_rows = 64;
    int ran = 0;
    for (GgmlType type : kTiledTypes) {
        Problem p = make_problem(type, n_rows, n_cols, 6, rng);
        if (!decode_layout_fits(p.w)) continue;
        ++ran;
        const Tiled t = tiled_copy(p);
        pool.reserve_worker_scratch(matmul_worker_scratch_bytes(t.w));
        std::vector<float> want(8 * n_rows), got(8 * n_rows);
        const MatmulProblem rows[] = {{p.w, p.x.data(), 1, want.data()}, {p.w, p.x.data() + n_cols, 5, want.data() + n_rows}};
        const MatmulProblem tiles[] = {{t.w, p.x.data(), 1, got.data()}, {t.w, p.x.data() + n_cols, 5, got.data() + n_rows}};
        std::vector<std::byte> raw;
        const auto scratch = aligned_scratch(raw, 2 * matmul_many_scratch_bytes(type, n_cols, 6));
        matmul_many(rows, scratch, pool);
        matmul_many(tiles, scratch, pool);
        EXPECT_EQ(0, std::memcmp(want.data(), got.data(), 6 * n_rows * 4)) << ggml_type_name(type);

        const std::vector<int32_t> ids = {63, 0, 17, 17};
        std::vector<float> a(ids.size() * n_cols), b(ids.size() * n_cols);
        get_rows(p.w, ids, a.data());
        get_rows(t.w, ids, b.data());
        EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4)) << ggml_type_name(type);
    }
    HEARTH_SKIP_UNLESS_RAN(ran);
}

// A single token needs no worker scratch; paths that need rows back give NaNs without it (the
// model reserves it at load), never rows read in the wrong layout.
TEST(Matmul, DecodeLayoutWithoutWorkerScratch) {
    std::mt19937 rng(45);
    ThreadPool pool(1);
    int ran = 0;
    for (GgmlType type : kTiledTypes) {
        Problem p = make_problem(type, 32, 256, 3, rng);
        if (!decode_layout_fits(p.w)) continue;
        ++ran;
        const auto want = run(p, 1, pool);
        const Tiled t = tiled_copy(p);
        ThreadPool bare(1);
        std::vector<float> y(3 * 32);
        std::vector<std::byte> raw;
        matmul(t.w, p.x.data(), 1, y.data(), aligned_scratch(raw, matmul_scratch_bytes(type, 256, 3)), bare);
        EXPECT_EQ(0, std::memcmp(want.data(), y.data(), 32 * 4)) << ggml_type_name(type);
        matmul(t.w, p.x.data(), 3, y.data(), aligned_scratch(raw, matmul_scratch_bytes(type, 256, 3)), bare);
        EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[3 * 32 - 1])) << ggml_type_name(type);
    }
    HEARTH_SKIP_UNLESS_RAN(ran);
}

// Every quant at its largest (nibbles 15, Q5_K's fifth bits set, Q4_K/Q5_K 6-bit scales and mins
// 63, Q6_K's 6-bit quants 63) against activation blocks built by hand at -128 (below what the
// quantizer emits, -127, but a q8_K block can hold it), +127 and +-127: the single-token kernels
// keep some sums in int16 (Q4_K/Q5_K's chunk sums, up to 8 * 31 * 128), exact only within bounds
// that random rows stay far from. The tiles must give the level's vec_dot bits row by row.
TEST(Matmul, DecodeLayoutAtTheIntegerBounds) {
    std::mt19937 rng(46);
    const size_t n = 512, n_rows = 32, nb = n / kernels::kQKK;
    int ran = 0;
    for (GgmlType type : {GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k}) {
        Problem p = make_problem(type, n_rows, n, 0, rng);
        if (!decode_layout_fits(p.w)) continue;
        ++ran;
        std::memset(p.data.data(), 0xFF, p.data.size());
        const size_t block_bytes = ggml_type_info(type).block_bytes;
        for (std::byte* blk = p.data.data(); blk < p.data.data() + p.data.size(); blk += block_bytes) {
            const uint16_t f16_one = 0x3C00;  // the block's d (and dmin): 0xFFFF would be NaN
            if (type == GgmlType::q6_k) {
                std::memcpy(blk + offsetof(kernels::BlockQ6_K, d), &f16_one, 2);
            } else {  // Q4_K and Q5_K start alike
                std::memcpy(blk + offsetof(kernels::BlockQ4_K, d), &f16_one, 2);
                std::memcpy(blk + offsetof(kernels::BlockQ4_K, dmin), &f16_one, 2);
            }
        }
        const kernels::TypeKernels& k = *kernels::type_kernels(type);
        for (int pattern = 0; pattern < 3; ++pattern) {  // all -128, all +127, +-127
            std::vector<kernels::BlockQ8_K> act(nb);
            for (kernels::BlockQ8_K& a : act) {
                a.d = 1.0f;
                for (size_t i = 0; i < kernels::kQKK; ++i)
                    a.qs[i] = int8_t(pattern == 0 ? -128 : pattern == 2 && i % 2 ? -127 : 127);
                for (size_t g = 0; g < kernels::kQKK / 16; ++g) {
                    int sum = 0;
                    for (size_t i = 0; i < 16; ++i) sum += a.qs[16 * g + i];
                    a.bsums[g] = int16_t(sum);
                }
            }
            std::vector<std::byte> act_bytes(nb * sizeof(kernels::BlockQ8_K));
            std::memcpy(act_bytes.data(), act.data(), act_bytes.size());
            std::vector<float> want(n_rows);
            for (size_t r = 0; r < n_rows; ++r) want[r] = k.vec_dot(n, p.data.data() + r * p.w.row_bytes, act_bytes.data());
            const auto got = test::run_one_tiled(type, k.gemm.few.one_tiled, n, p.data, p.w.row_bytes, n_rows, act_bytes,
                                                 act_bytes.size(), 1, 16);
            EXPECT_EQ(0, std::memcmp(want.data(), got.data(), n_rows * 4)) << ggml_type_name(type) << " pattern " << pattern;
        }
    }
    HEARTH_SKIP_UNLESS_RAN(ran);
}

}  // namespace
}  // namespace hearth::ops

// prefetch_page_ahead names every 4 KiB page of a stream exactly once, in order, kPageAheadBytes
// ahead of the block that crosses into it: for each block size the kernels and the bandwidth
// probe step by, from aligned and unaligned starts.
TEST(Matmul, DecodeLayoutPrefetchNamesEveryPageOnceAhead) {
    constexpr uintptr_t kPage = 4096;
    for (size_t block : {size_t{256}, sizeof(hearth::kernels::Q4_0TileBlock), sizeof(hearth::kernels::Q8_0TileBlock),
                         sizeof(hearth::kernels::Q4_KTileBlock), sizeof(hearth::kernels::Q5_KTileBlock), sizeof(hearth::kernels::Q6_KTileBlock),
                         size_t{4096}})
        for (uintptr_t start : {uintptr_t{1} << 20, (uintptr_t{1} << 20) + 8, (uintptr_t{1} << 20) + 4000}) {
            std::vector<uintptr_t> named, expected;
            uintptr_t at = start;
            for (; at < start + 16 * kPage; at += block)
                if (const uintptr_t page = hearth::kernels::page_to_prefetch(at, block)) named.push_back(page);
            // The blocks cover (start, at]; shifted by kPageAheadBytes, every page start in it.
            const uintptr_t lo = start + hearth::kernels::kPageAheadBytes, hi = at + hearth::kernels::kPageAheadBytes;
            for (uintptr_t page = lo / kPage * kPage + kPage; page <= hi; page += kPage) expected.push_back(page);
            EXPECT_EQ(named, expected) << block << "-byte blocks from " << start;
        }
}

// The K-quant kernels' spread prefetch: the rows of one block, 0 to 15, together ask for every
// 64-byte line of the block two ahead, wherever the blocks start within a line (only the last
// line may wait for the next block's row 0, whose first address lies in it). These tests check
// the rules; that each kernel calls them for every row or block only its speed shows (a missing
// prefetch changes no bits), in layers_x1_tiles.
TEST(Matmul, DecodeLayoutRowSharesCoverTheBlockTwoAhead) {
    for (size_t block : {sizeof(hearth::kernels::Q4_KTileBlock), sizeof(hearth::kernels::Q5_KTileBlock),
                         sizeof(hearth::kernels::Q6_KTileBlock)})
        for (size_t start = 0; start < 64; start += 4) {  // the first block's address mod 64
            std::set<size_t> lines;  // line numbers, counted from the line holding byte 0 of block 0 (at `start`)
            for (size_t b = 0; b < 2; ++b)  // two consecutive blocks: this one's rows, then the next one's row 0
                for (size_t r = 0; r < (b == 0 ? hearth::kernels::kDecodeTileRows : 1); ++r)
                    hearth::kernels::for_row_share_ahead(block, r, [&](size_t offset) {
                        EXPECT_GE(offset, 2 * block) << "before the block two ahead";
                        EXPECT_LT(offset, 3 * block) << "past the block two ahead";
                        lines.insert((start + b * block + offset) / 64);
                    });
            for (size_t line = (start + 2 * block) / 64; line <= (start + 3 * block - 1) / 64; ++line)
                EXPECT_TRUE(lines.count(line)) << block << "-byte blocks from " << start << ": line " << line;
        }
}

// The Q4_0 and Q8_0 kernels' block-ahead prefetch: consecutive blocks together ask for every line
// kBlockAheadBytes on, and nothing before it.
TEST(Matmul, DecodeLayoutBlocksAheadCoverEveryLine) {
    constexpr size_t kAhead = hearth::kernels::kBlockAheadBytes, kBlocks = 40;
    for (size_t block : {sizeof(hearth::kernels::Q4_0TileBlock), sizeof(hearth::kernels::Q8_0TileBlock)})
        for (size_t start = 0; start < 64; start += 4) {
            std::set<size_t> lines;
            for (size_t b = 0; b < kBlocks; ++b)
                hearth::kernels::for_block_ahead(block, [&](size_t offset) {
                    EXPECT_GE(offset, kAhead);
                    lines.insert((start + b * block + offset) / 64);
                });
            // All but the last block's last line, which the block after it would ask for.
            for (size_t line = (start + kAhead) / 64; line < (start + kAhead + kBlocks * block - 1) / 64; ++line)
                EXPECT_TRUE(lines.count(line)) << block << "-byte blocks from " << start << ": line " << line;
        }
}
