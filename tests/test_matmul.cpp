// ops::matmul and get_rows: every weight type against Eigen on the dequantized weights times the
// dequantized (partner-format) activations, and bitwise-identical output for 1, 2 and 7 threads.
#include <gtest/gtest.h>

#include <cmath>

#include <Eigen/Dense>

#include "matmul_test_support.hpp"

namespace hearth::ops {
namespace {

TEST(Matmul, MatchesEigenForEveryType) {
    std::mt19937 rng(21);
    ThreadPool pool(2);
    const size_t n_rows = 37;
    for (size_t n_tokens : {size_t{3}, size_t{19}})  // 19: batches take the block GEMM where there is one
    for (GgmlType t : test::weight_types()) {
        ASSERT_TRUE(matmul_supported(t));
        const size_t n_cols = 3 * test::block_elems(t) * (test::block_elems(t) == 1 ? 32 : 1);
        Problem p = make_problem(t, n_rows, n_cols, n_tokens, rng);
        const auto y = run(p, n_tokens, pool);

        const kernels::TypeKernels& k = *kernels::type_kernels(t);
        Eigen::MatrixXd W(n_rows, n_cols), A(n_cols, n_tokens);
        std::vector<float> row(n_cols);
        for (size_t r = 0; r < n_rows; ++r) {
            k.dequantize_row(p.w.data + r * p.w.row_bytes, row.data(), n_cols);
            for (size_t c = 0; c < n_cols; ++c) W(r, c) = row[c];
        }
        std::vector<std::byte> act(test::row_bytes(k.act_type, n_cols));
        for (size_t tok = 0; tok < n_tokens; ++tok) {
            k.quantize_act_row(p.x.data() + tok * n_cols, act.data(), n_cols);
            const auto a = test::expand_act(k.act_type, act.data(), n_cols);
            for (size_t c = 0; c < n_cols; ++c) A(c, tok) = a[c];
        }
        const Eigen::MatrixXd Y = W * A;                        // [n_rows][n_tokens]
        const Eigen::MatrixXd M = W.cwiseAbs() * A.cwiseAbs();  // per-output magnitude
        // Q4_1/Q5_1 carry a min term through q8_1's fp16 s = d*sum(q): up to 2^-11 of that sum.
        const double tol = k.act_type == GgmlType::q8_1 ? 2e-3 : 1e-5;
        for (size_t tok = 0; tok < n_tokens; ++tok)
            for (size_t r = 0; r < n_rows; ++r)
                ASSERT_NEAR(y[tok * n_rows + r], Y(r, tok), tol * M(r, tok) + 1e-30)
                    << ggml_type_name(t) << " token " << tok << " row " << r;
    }
}

TEST(Matmul, BitwiseIndependentOfThreadCount) {
    std::mt19937 rng(22);
    ThreadPool p1(1), p2(2), p7(7);
    for (size_t n_tokens : {size_t{5}, size_t{37}})
        for (GgmlType t : {GgmlType::q4_0, GgmlType::q8_0, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k, GgmlType::f16}) {
            Problem p = make_problem(t, 300, 512, n_tokens, rng);
            const auto a = run(p, n_tokens, p1), b = run(p, n_tokens, p2), c = run(p, n_tokens, p7);
            EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4)) << ggml_type_name(t) << " tokens " << n_tokens;
            EXPECT_EQ(0, std::memcmp(a.data(), c.data(), a.size() * 4)) << ggml_type_name(t) << " tokens " << n_tokens;
        }
}

TEST(Matmul, BatchesTakeTheBlockGemmWhereTheLevelHasOne) {
    std::mt19937 rng(25);
    ThreadPool pool(2);
    const size_t n_tokens = 35, n_rows = 45, n_cols = 512;
    for (GgmlType t : {GgmlType::q4_0, GgmlType::q8_0, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k}) {
        const kernels::TypeKernels& k = *kernels::type_kernels(t);
        if (k.gemm.panel_rows == 0) continue;  // no block GEMM for t at this level
        Problem p = make_problem(t, n_rows, n_cols, n_tokens, rng);
        const auto y = run(p, n_tokens, pool);
        const size_t act_stride = test::row_bytes(k.act_type, n_cols);
        std::vector<std::byte> act(act_stride * n_tokens);
        for (size_t i = 0; i < n_tokens; ++i) k.quantize_act_row(p.x.data() + i * n_cols, act.data() + i * act_stride, n_cols);
        std::vector<float> want(n_tokens * n_rows);
        ASSERT_TRUE(kernels::ref::block_gemm(t, n_cols, p.w.data, p.w.row_bytes, n_rows, act.data(), act_stride, n_tokens,
                                             want.data(), n_rows));
        EXPECT_EQ(0, std::memcmp(y.data(), want.data(), y.size() * 4)) << ggml_type_name(t);
    }
}

// 2-15 tokens take the few-token companion where the level has one: the spec's bits, so a token's
// outputs are the same in a batch of 2, 7, 15 or 35 (a server stream's logits do not depend on
// how many others decode with it).
TEST(Matmul, SmallBatchesTakeTheFewTokenPathWhereTheLevelHasOne) {
    std::mt19937 rng(28);
    ThreadPool pool(2);
    const size_t n_rows = 45, n_cols = 512;
    const kernels::TypeKernels& k = *kernels::type_kernels(GgmlType::q4_0);
    if (k.gemm.few.act_group_bytes == nullptr)
        GTEST_SKIP() << "no few-token GEMM for q4_0 at level " << kernels::isa_name(kernels::active_isa());
    Problem p = make_problem(GgmlType::q4_0, n_rows, n_cols, 35, rng);
    const auto all = run(p, 35, pool);
    for (size_t n_tokens : {size_t{2}, size_t{3}, size_t{4}, size_t{7}, size_t{15}}) {
        Problem part = p;
        part.w.data = p.data.data();
        part.x.assign(p.x.end() - n_tokens * n_cols, p.x.end());  // the batch's last tokens
        const auto y = run(part, n_tokens, pool);
        EXPECT_EQ(0, std::memcmp(y.data(), all.data() + (35 - n_tokens) * n_rows, y.size() * 4)) << n_tokens << " tokens";
    }
}

// Where the level has a single-token member in the same order (FewTokenGemm::one), a lone token
// gets its batch bits too, for matrices whose rows come in eights (as ggml's repacked GEMV);
// other matrices keep vec_dot's bits.
TEST(Matmul, SingleTokenTakesTheBlockOrderWhereTheLevelHasIt) {
    std::mt19937 rng(29);
    ThreadPool pool(2);
    const kernels::TypeKernels& k = *kernels::type_kernels(GgmlType::q4_0);
    if (k.gemm.few.one == nullptr)
        GTEST_SKIP() << "no single-token block-order kernel for q4_0 at level " << kernels::isa_name(kernels::active_isa());
    const size_t n_cols = 512;
    for (size_t n_rows : {size_t{48}, size_t{200}, size_t{45}}) {
        Problem p = make_problem(GgmlType::q4_0, n_rows, n_cols, 20, rng);
        const auto all = run(p, 20, pool);  // the block GEMM
        for (size_t t : {size_t{0}, size_t{13}}) {
            Problem one = p;
            one.w.data = p.data.data();
            one.x.assign(p.x.begin() + t * n_cols, p.x.begin() + (t + 1) * n_cols);
            const auto y = run(one, 1, pool);
            if (n_rows % 8 == 0) {
                EXPECT_EQ(0, std::memcmp(y.data(), all.data() + t * n_rows, n_rows * 4)) << n_rows << " rows, token " << t;
                continue;
            }
            std::vector<std::byte> act(test::row_bytes(k.act_type, n_cols));
            k.quantize_act_row(one.x.data(), act.data(), n_cols);
            for (size_t r = 0; r < n_rows; ++r) {
                const float want = k.vec_dot(n_cols, p.w.data + r * p.w.row_bytes, act.data());
                EXPECT_EQ(0, std::memcmp(&y[r], &want, 4)) << n_rows << " rows, row " << r;
            }
        }
    }
}

TEST(Matmul, SingleTokenEqualsBatchRow) {
    std::mt19937 rng(23);
    ThreadPool pool(2);
    Problem p = make_problem(GgmlType::q8_0, 70, 256, 4, rng);
    const auto all = run(p, 4, pool);
    Problem one = p;
    one.w.data = p.data.data();
    one.x.assign(p.x.begin() + 2 * 256, p.x.begin() + 3 * 256);
    const auto y = run(one, 1, pool);
    EXPECT_EQ(0, std::memcmp(y.data(), all.data() + 2 * 70, 70 * 4));
}

TEST(Matmul, GetRowsDequantizesTheChosenRows) {
    std::mt19937 rng(24);
    for (GgmlType t : {GgmlType::q4_k, GgmlType::q6_k, GgmlType::f16, GgmlType::q8_0}) {
        Problem p = make_problem(t, 10, 512, 1, rng);
        const std::vector<int32_t> ids = {7, 0, 7, 9};
        std::vector<float> out(ids.size() * 512), want(512);
        get_rows(p.w, ids, out.data());
        for (size_t i = 0; i < ids.size(); ++i) {
            kernels::type_kernels(t)->dequantize_row(p.w.data + size_t(ids[i]) * p.w.row_bytes, want.data(), 512);
            EXPECT_EQ(0, std::memcmp(out.data() + i * 512, want.data(), 512 * 4)) << ggml_type_name(t);
        }
    }
}

// Expert-style calls: several matrices of two weight tensors over slices of one input, gate and
// up sharing each slice; slices of 1, 3 and 17 tokens (17 takes the block GEMM where there is one).
TEST(Matmul, ManyProblemsGiveEachProblemsLoneBits) {
    std::mt19937 rng(26);
    ThreadPool p1(1), p2(2);
    const size_t n_cols = 512, n_rows = 96;
    const std::vector<size_t> slices = {1, 3, 17, 1};
    const size_t n_tokens = 22;
    for (GgmlType t : {GgmlType::q4_0, GgmlType::q8_0, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k, GgmlType::f16, GgmlType::f32}) {
        Problem gate = make_problem(t, n_rows, n_cols, n_tokens, rng);
        Problem up = make_problem(GgmlType::q4_k, n_rows, n_cols, 0, rng);
        std::vector<MatmulProblem> problems;
        std::vector<float> y(2 * slices.size() * 17 * n_rows);  // 17 token rows per problem
        size_t t0 = 0;
        for (size_t n : slices) {
            const float* x = gate.x.data() + (t0 < n_tokens ? t0 : 0) * n_cols;  // the last slice repeats token 0
            problems.push_back({gate.w, x, n, y.data() + problems.size() * n_rows * 17});
            problems.push_back({up.w, x, n, y.data() + problems.size() * n_rows * 17});
            t0 += n;
        }
        std::vector<std::byte> raw;
        const auto scratch = aligned_scratch(raw, matmul_many_scratch_bytes(t, n_cols, n_tokens) +
                                                           matmul_many_scratch_bytes(up.w.type, n_cols, n_tokens));
        for (ThreadPool* pool : {&p1, &p2}) {
            pool->reserve_worker_scratch(std::max(matmul_worker_scratch_bytes(gate.w), matmul_worker_scratch_bytes(up.w)));
            std::fill(y.begin(), y.end(), 0.0f);
            matmul_many(problems, scratch, *pool);
            for (const MatmulProblem& mp : problems) {
                std::vector<float> alone(mp.n_tokens * n_rows);
                std::vector<std::byte> raw1;
                matmul(mp.w, mp.x, mp.n_tokens, alone.data(), aligned_scratch(raw1, matmul_scratch_bytes(mp.w.type, n_cols, mp.n_tokens)), *pool);
                EXPECT_EQ(0, std::memcmp(alone.data(), mp.y, alone.size() * 4))
                    << ggml_type_name(mp.w.type) << " with " << mp.n_tokens << " tokens, " << pool->size() << " threads";
            }
        }
    }
}

TEST(Matmul, ManyProblemsWithTooLittleScratchGiveNaNs) {
    std::mt19937 rng(27);
    ThreadPool pool(1);
    Problem p = make_problem(GgmlType::q4_k, 8, 256, 2, rng);
    std::vector<float> y(16, 0.0f);
    const MatmulProblem mp{p.w, p.x.data(), 2, y.data()};
    matmul_many({&mp, 1}, {}, pool);
    EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[15]));
}

TEST(Matmul, ScratchIsOneConvertedRowPerToken) {
    EXPECT_EQ(matmul_scratch_bytes(GgmlType::f32, 4096, 7), 0u);
    EXPECT_EQ(matmul_scratch_bytes(GgmlType::q8_0, 4096, 2), 2 * ((4096 / 32 * 34 + 63) / 64 * 64));
    EXPECT_EQ(matmul_scratch_bytes(GgmlType::q4_k, 4096, 1), (4096 / 256 * 292 + 63) / 64 * 64);
    EXPECT_FALSE(matmul_supported(GgmlType::iq2_xxs));
}

}  // namespace
}  // namespace hearth::ops
