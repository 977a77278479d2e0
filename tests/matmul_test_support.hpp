// Shared by the matmul driver's tests: a random weight matrix with its view and input rows, and
// aligned scratch as the model's arena gives it.
#pragma once

#include <memory>
#include <random>
#include <span>
#include <vector>

#include "ops/matmul.hpp"
#include "runtime/thread_pool.hpp"
#include "test_kernels_support.hpp"

namespace hearth::ops {

struct Problem {
    std::vector<std::byte> data;
    WeightView w;
    std::vector<float> x;
};

inline Problem make_problem(GgmlType t, size_t n_rows, size_t n_cols, size_t n_tokens, std::mt19937& rng) {
    Problem p;
    const size_t rb = test::row_bytes(t, n_cols);
    for (size_t r = 0; r < n_rows; ++r) {
        auto row = test::random_row(t, n_cols, rng);
        p.data.insert(p.data.end(), row.begin(), row.end());
    }
    p.w = WeightView{t, p.data.data(), n_cols, n_rows, rb};
    p.x = test::random_floats(n_tokens * n_cols, rng);
    return p;
}

// 64-byte aligned scratch of `bytes` inside raw (which it resizes).
inline std::span<std::byte> aligned_scratch(std::vector<std::byte>& raw, size_t bytes) {
    raw.resize(bytes + 64);
    void* aligned = raw.data();
    size_t space = raw.size();
    std::align(64, bytes, aligned, space);
    return {static_cast<std::byte*>(aligned), bytes};
}

inline std::vector<float> run(const Problem& p, size_t n_tokens, ThreadPool& pool, MatmulOrder order = MatmulOrder::fastest) {
    pool.reserve_worker_scratch(matmul_worker_scratch_bytes(p.w));  // as Model::load does
    std::vector<float> y(n_tokens * p.w.n_rows);
    std::vector<std::byte> raw;
    matmul(p.w, p.x.data(), n_tokens, y.data(), aligned_scratch(raw, matmul_scratch_bytes(p.w.type, p.w.n_cols, n_tokens)), pool,
           order);
    return y;
}

}  // namespace hearth::ops
