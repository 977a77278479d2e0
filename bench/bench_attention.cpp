// Attention micro-benchmarks for every ISA row this CPU has (ref = the scalar reference), single
// thread, on a 1B-Llama-shaped head (head_dim 64, K/V rows of 8 KV heads): one decode token over
// n_kv cached positions (1 head, or the 4 heads sharing a KV head), and a 128/512-token prompt
// (tiled kernel). items/s = (query row, position) pairs.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/attention_kernels.hpp"
#include "kernels/ref/f16.hpp"

namespace hearth::kernels {
namespace {

constexpr size_t kHeadDim = 64;
constexpr size_t kRowStride = 8 * kHeadDim;  // kv_dim of the 1B model

struct Cache {
    std::vector<uint16_t> k, v;
    std::vector<float> q, out;
};

Cache make_cache(size_t n_kv, size_t n_rows) {
    Cache c;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    c.k.resize(n_kv * kRowStride);
    c.v.resize(n_kv * kRowStride);
    for (auto& x : c.k) x = fp32_to_fp16(normal(rng));
    for (auto& x : c.v) x = fp32_to_fp16(normal(rng));
    c.q.resize(n_rows * kHeadDim);
    for (auto& x : c.q) x = normal(rng);
    c.out.resize(n_rows * kHeadDim);
    return c;
}

// n_heads query heads of one token sharing the KV head (the 1B model has 4 per KV head).
void bench_decode(benchmark::State& state, Isa isa, size_t n_kv, size_t n_heads) {
    const AttentionKernels* k = attention_kernels(isa);
    if (k == nullptr) return state.SkipWithError("ISA not available");
    Cache c = make_cache(n_kv, n_heads);
    std::vector<uint16_t> q16(kHeadDim), acc16(kHeadDim);
    const KvHeadView kv{c.k.data(), kRowStride, c.v.data(), kRowStride};
    for (auto _ : state) {
        if (n_heads == 1)
            k->attend_head(c.q.data(), kv, n_kv, kHeadDim, 0.125f, {q16.data(), acc16.data()}, c.out.data());
        else
            k->attend_heads(c.q.data(), n_heads, kv, n_kv, kHeadDim, 0.125f, {q16.data(), acc16.data()}, c.out.data());
        benchmark::DoNotOptimize(c.out.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n_kv * n_heads));
}

// A prompt of n tokens starting at position 0: row t sees t + 1 positions.
void bench_prompt(benchmark::State& state, Isa isa, size_t n) {
    const AttentionKernels* k = attention_kernels(isa);
    if (k == nullptr) return state.SkipWithError("ISA not available");
    Cache c = make_cache(n, n);
    std::vector<float> scores(kAttentionTileKv), acc(kHeadDim);
    const KvHeadView kv{c.k.data(), kRowStride, c.v.data(), kRowStride};
    for (auto _ : state) {
        k->attend_rows_tiled({c.q.data(), c.out.data(), kHeadDim, n, 1}, kv, kHeadDim, 0.125f, {scores.data(), acc.data()});
        benchmark::DoNotOptimize(c.out.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n * (n + 1) / 2));
}

[[maybe_unused]] const bool registered = [] {
    for (Isa isa : {Isa::ref, Isa::avx2, Isa::avx512, Isa::neon}) {
        if (!isa_supported(isa) || attention_kernels(isa) == nullptr) continue;
        const std::string name(isa_name(isa));
        for (size_t heads : {1, 4})
            for (size_t n_kv : {128, 700, 2048})
                benchmark::RegisterBenchmark(("attention/decode_d64/" + name + "/heads:" + std::to_string(heads) +
                                              "/n_kv:" + std::to_string(n_kv)).c_str(),
                                             bench_decode, isa, n_kv, heads);
        for (size_t n : {128, 512})
            benchmark::RegisterBenchmark(("attention/prompt_d64/" + name + "/tokens:" + std::to_string(n)).c_str(),
                                         bench_prompt, isa, n);
    }
    return true;
}();

}  // namespace
}  // namespace hearth::kernels
