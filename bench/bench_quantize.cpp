// Weight quantizer micro-benchmark: how long the block fitting (quantize_rows) takes for a 64 MiB
// matrix of random floats, single thread, per output type. The quantizer dominates `hearth
// convert --type q4_k_m` and `hearth quantize`, so this is the number to watch when changing it.
// items/s counts input values.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "hearth/ggml_type.hpp"
#include "quantize/quantize.hpp"

namespace hearth::quant {
namespace {

constexpr size_t kCols = 2048, kRows = 8192;  // 16 Mi floats = 64 MiB, rows as in a 1B model

const std::vector<float>& random_matrix() {
    static const std::vector<float> x = [] {
        std::mt19937 rng(3);
        std::normal_distribution<float> g(0.0f, 0.02f);
        std::vector<float> v(kCols * kRows);
        for (float& f : v) f = g(rng);
        return v;
    }();
    return x;
}

void BM_QuantizeRows(benchmark::State& state, GgmlType type) {
    const std::vector<float>& x = random_matrix();
    std::vector<std::byte> out(kRows * *ggml_row_bytes(type, kCols));
    for (auto _ : state) {
        quantize_rows(type, x.data(), out.data(), kRows, kCols);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * x.size()));
}

BENCHMARK_CAPTURE(BM_QuantizeRows, q4_k, GgmlType::q4_k)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_QuantizeRows, q6_k, GgmlType::q6_k)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace hearth::quant
