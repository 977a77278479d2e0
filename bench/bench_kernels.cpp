// Kernel micro-benchmarks: every weight type x every ISA this CPU has x five matrix shapes,
// single thread, plus a decode step's stream of 1B-shaped layers (layers_x1, layers_read, and at
// 1 and 2 threads layers_matmul, layers_read_threads) and the decode-layout kernels in L2
// (x1_tiles_cached).
// mat x vec reports weight bytes/s (decode is bandwidth-bound); mat x mat (32 tokens) reports
// multiply-adds/s as items/s. Weights are random blocks with sane scales.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hearth/memory.hpp"
#include "kernels/decode_layout.hpp"
#include "kernels/kernels.hpp"
#include "ops/matmul.hpp"
#include "runtime/thread_pool.hpp"
#include "tests/test_kernels_support.hpp"

namespace hearth::kernels {
namespace {

struct Shape {
    size_t rows;
    size_t cols;
};

// The three square-ish shapes of a 2B-class model, and the tied-embedding output matrix of the
// shared tiny models (Llama 3 vocabulary x 256): very short rows, where per-row overhead shows.
// {16384, 8192}: a 64+ MiB matrix (72 MiB in Q4_0), far larger than the caches: mat x vec
// there is bound by memory bandwidth, the figure to compare with `hearth bench`'s probe.
constexpr Shape kShapes[] = {{2048, 2048}, {8192, 2048}, {2048, 8192}, {128256, 256}, {16384, 8192}};
constexpr size_t kBatchTokens = 32;

struct Fixture {
    PageBuffer weights;  // the Allocator's huge-page memory, as copied model weights use
    std::vector<std::byte> act;
    size_t row_bytes = 0;
    size_t act_bytes = 0;
    std::vector<float> out;
};

std::unique_ptr<Fixture> make_fixture(GgmlType t, const TypeKernels& k, Shape s, size_t n_tokens) {
    auto f = std::make_unique<Fixture>();
    std::mt19937 rng(1);
    // One random row repeated would sit in cache; generate a few distinct rows and tile them
    // across the matrix so the whole matrix streams from memory as in a real model.
    f->row_bytes = test::row_bytes(t, s.cols);
    f->weights = PageBuffer(f->row_bytes * s.rows, "bench weights");
    for (size_t r = 0; r < 16 && r < s.rows; ++r) {
        auto row = test::random_row(t, s.cols, rng);
        for (size_t rr = r; rr < s.rows; rr += 16) std::copy(row.begin(), row.end(), f->weights.data() + rr * f->row_bytes);
    }
    f->act_bytes = k.act_type == GgmlType::f32 ? s.cols * 4 : test::row_bytes(k.act_type, s.cols);
    f->act.resize(f->act_bytes * n_tokens);
    const auto x = test::random_floats(s.cols * n_tokens, rng);
    for (size_t tok = 0; tok < n_tokens; ++tok) k.quantize_act_row(x.data() + tok * s.cols, f->act.data() + tok * f->act_bytes, s.cols);
    f->out.resize(s.rows * n_tokens);
    return f;
}

void run_matmul(const TypeKernels& k, Fixture& f, Shape s, size_t n_tokens) {
    constexpr size_t kRowsPerChunk = 32;  // as ops::matmul: a chunk of rows meets every token
    for (size_t r0 = 0; r0 < s.rows; r0 += kRowsPerChunk)
        dot_rows_tokens(k, s.cols, f.weights.data() + r0 * f.row_bytes, f.row_bytes, std::min(kRowsPerChunk, s.rows - r0),
                        f.act.data(), f.act_bytes, n_tokens, f.out.data() + r0, s.rows);
}

// tiles = false measures plain vec_dot per output (what the tiles are compared against).
void bench_matvec(benchmark::State& state, GgmlType t, Isa isa, Shape s, bool tiles) {
    TypeKernels k = *type_kernels(t, isa);
    if (!tiles) k.tiles.rows = nullptr;
    auto f = make_fixture(t, k, s, 1);
    for (auto _ : state) {
        run_matmul(k, *f, s, 1);
        benchmark::DoNotOptimize(f->out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(f->weights.size()));
}

// A server's decode step: n_tokens streams (2-8) through the same weights at once. Weight
// bytes/s as mat x vec reports them, so n_tokens x (this / matvec) is the speedup over decoding
// the streams one by one.
void bench_matvec_streams(benchmark::State& state, GgmlType t, Isa isa, Shape s, size_t n_tokens) {
    const TypeKernels& k = *type_kernels(t, isa);
    auto f = make_fixture(t, k, s, n_tokens);
    for (auto _ : state) {
        run_matmul(k, *f, s, n_tokens);
        benchmark::DoNotOptimize(f->out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(f->weights.size()));
}

// The same step through the few-token GEMM (kernels.hpp, FewTokenGemm) as ops::matmul runs it on
// one thread: pack the groups of kFewTokens, then every row range meets every group.
void bench_few(benchmark::State& state, GgmlType t, Isa isa, Shape s, size_t n_tokens) {
    const TypeKernels& k = *type_kernels(t, isa);
    const FewTokenGemm& g = k.gemm.few;
    auto f = make_fixture(t, k, s, n_tokens);
    const size_t n_groups = (n_tokens + kFewTokens - 1) / kFewTokens, group_bytes = g.act_group_bytes(s.cols);
    const size_t call_tokens = kFewTokens * kFewGroupsPerCall;
    PageBuffer groups(group_bytes * n_groups, "bench groups");
    const size_t chunk = n_tokens <= call_tokens ? s.rows : 32;  // one pass streams all rows; several share 32
    for (auto _ : state) {
        for (size_t gi = 0; gi < n_groups; ++gi)
            g.pack_act(s.cols, f->act.data() + gi * kFewTokens * f->act_bytes, f->act_bytes,
                       std::min(kFewTokens, n_tokens - gi * kFewTokens), groups.data() + gi * group_bytes);
        for (size_t r0 = 0; r0 < s.rows; r0 += chunk)
            for (size_t t0 = 0; t0 < n_tokens; t0 += call_tokens)
                g.multiply(s.cols, f->weights.data() + r0 * f->row_bytes, f->row_bytes, std::min(chunk, s.rows - r0),
                           groups.data() + t0 / kFewTokens * group_bytes, std::min(call_tokens, n_tokens - t0),
                           f->out.data() + t0 * s.rows + r0, s.rows);
        benchmark::DoNotOptimize(f->out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(f->weights.size()));
}

// One token through the few-token GEMM's single-token member (FewTokenGemm::one), all rows in
// one call as a single-token matmul's long row ranges: compare with matvec (vec_dot's tiles).
void bench_few_one(benchmark::State& state, GgmlType t, Isa isa, Shape s) {
    const TypeKernels& k = *type_kernels(t, isa);
    auto f = make_fixture(t, k, s, 1);
    for (auto _ : state) {
        k.gemm.few.one(s.cols, f->weights.data(), f->row_bytes, s.rows, f->act.data(), f->out.data());
        benchmark::DoNotOptimize(f->out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(f->weights.size()));
}

// A decode step's weight stream: the seven matrices of each of 16 Llama-3.2-1B-shaped layers (q, k,
// v, o, gate, up, down; 2048 wide, 8192 FFN), each in its own buffer, ~470 MiB in Q4_0, so every
// one streams from memory. Unlike the one large {16384, 8192} matrix, this is the pattern
// `hearth bench` decodes: many matrices of a few MiB, and data no cache keeps between passes.
struct LayerStack {
    static constexpr Shape kLayer[] = {{2048, 2048}, {512, 2048},  {512, 2048}, {2048, 2048},
                                       {8192, 2048}, {8192, 2048}, {2048, 8192}};
    static constexpr int kLayers = 16;
    std::vector<std::unique_ptr<Fixture>> matrices;
    std::vector<Shape> shapes;
    int64_t bytes = 0;

    LayerStack(GgmlType t, const TypeKernels& k) {
        for (int layer = 0; layer < kLayers; ++layer)
            for (Shape s : kLayer) {
                matrices.push_back(make_fixture(t, k, s, 1));
                shapes.push_back(s);
                bytes += int64_t(matrices.back()->weights.size());
            }
    }
};

// One token through every matrix of the stack, by the kernel a single-token matmul takes
// (FewTokenGemm::one where the level has it, else the vec_dot tiles); tiles: the matrices
// rearranged into the decode layout first, and FewTokenGemm::one_tiled.
void bench_layers_one(benchmark::State& state, GgmlType t, Isa isa, bool tiles) {
    const TypeKernels& k = *type_kernels(t, isa);
    LayerStack stack(t, k);
    if (tiles)
        for (size_t i = 0; i < stack.matrices.size(); ++i)
            rows_to_tiles(t, stack.shapes[i].cols, stack.matrices[i]->weights.data(), stack.shapes[i].rows);
    for (auto _ : state) {
        for (size_t i = 0; i < stack.matrices.size(); ++i) {
            Fixture& f = *stack.matrices[i];
            const Shape s = stack.shapes[i];
            if (tiles)
                k.gemm.few.one_tiled(s.cols, f.weights.data(), s.rows, f.act.data(), f.out.data());
            else if (k.gemm.few.one != nullptr)
                k.gemm.few.one(s.cols, f.weights.data(), f.row_bytes, s.rows, f.act.data(), f.out.data());
            else
                run_matmul(k, f, s, 1);
        }
        benchmark::DoNotOptimize(stack.matrices.back()->out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * stack.bytes);
}

// The single-token decode-layout kernel on a matrix that stays in L2 ({256, 2048}: 288 KB in
// Q4_0, 420 KB in Q6_K), passed over again and again: how fast the kernel computes when memory
// is not the limit. Decode is memory-bound only where this is well above what one core streams
// from memory (`hearth bench`'s probe; issue 15 asks for >= 1.5x), else the arithmetic shows
// through the memory stalls.
void bench_x1_tiles_cached(benchmark::State& state, GgmlType t, Isa isa) {
    constexpr Shape kCached{256, 2048};
    const TypeKernels& k = *type_kernels(t, isa);
    auto f = make_fixture(t, k, kCached, 1);
    rows_to_tiles(t, kCached.cols, f->weights.data(), kCached.rows);
    for (auto _ : state) {
        k.gemm.few.one_tiled(kCached.cols, f->weights.data(), kCached.rows, f->act.data(), f->out.data());
        benchmark::DoNotOptimize(f->out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(f->weights.size()));
}

// The same bytes read front to back, 64-bit words into 8 sums: what the memory system delivers to
// this stream when the reads are sequential (no kernel, no row interleaving). The gap between
// layers_x1 and this (one thread, one chunk: layers_read) is the part of decode's shortfall the
// kernel's access pattern and arithmetic cause; the gap between this and `hearth bench`'s probe
// is the matrices' sizes. layers_read_threads: `threads` threads, each matrix split into `chunks`
// contiguous pieces (16 at 2 threads is what a single-token matmul uses).
void bench_layers_read(benchmark::State& state, GgmlType t, size_t threads, size_t chunks) {
    const TypeKernels& k = *type_kernels(t, Isa::ref);
    LayerStack stack(t, k);
    ThreadPool pool(threads);
    std::vector<uint64_t> sums(chunks);
    for (auto _ : state) {
        for (size_t i = 0; i < stack.matrices.size(); ++i) {
            const auto* w = reinterpret_cast<const uint64_t*>(stack.matrices[i]->weights.data());
            const size_t per_chunk = stack.matrices[i]->weights.size() / sizeof(uint64_t) / chunks / 8 * 8;
            pool.parallel_for(chunks, [&](size_t c) {
                const uint64_t* p = w + c * per_chunk;
                uint64_t a[8] = {};
                for (size_t j = 0; j < per_chunk; j += 8)
                    for (size_t l = 0; l < 8; ++l) a[l] += p[j + l];
                sums[c] = a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
            });
        }
        benchmark::DoNotOptimize(sums.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * stack.bytes);
}

// The stack through the model's own driver (ops::matmul: activation conversion, row chunks,
// the thread pool), at the default level and `threads` threads, in the layout a copied model
// reads (the decode layout where the matrix fits it): what `hearth bench` decodes, minus the
// rest of the graph. Against layers_read_threads, the driver's and kernel's share of a
// multi-thread shortfall; against the probe, the stream's.
void bench_layers_matmul(benchmark::State& state, GgmlType t, size_t threads) {
    const TypeKernels& k = *type_kernels(t, Isa::ref);
    LayerStack stack(t, k);
    std::vector<ops::WeightView> views;
    size_t scratch_bytes = 0, worker_bytes = 0;
    std::vector<std::vector<float>> x;
    for (size_t i = 0; i < stack.matrices.size(); ++i) {
        Fixture& f = *stack.matrices[i];
        ops::WeightView w{t, f.weights.data(), stack.shapes[i].cols, stack.shapes[i].rows, f.row_bytes};
        if (ops::decode_layout_fits(w)) ops::to_decode_layout(w, f.weights.data());
        views.push_back(w);
        scratch_bytes = std::max(scratch_bytes, ops::matmul_scratch_bytes(t, w.n_cols, 1));
        worker_bytes = std::max(worker_bytes, ops::matmul_worker_scratch_bytes(w));
        x.emplace_back(w.n_cols, 0.5f);
    }
    ThreadPool pool(threads);
    pool.reserve_worker_scratch(worker_bytes);
    PageBuffer scratch(std::max<size_t>(scratch_bytes, 64), "bench scratch");
    for (auto _ : state) {
        for (size_t i = 0; i < views.size(); ++i)
            ops::matmul(views[i], x[i].data(), 1, stack.matrices[i]->out.data(), scratch.span(), pool);
        benchmark::DoNotOptimize(stack.matrices.back()->out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * stack.bytes);
}

// The stacks are for the types decode streams (at most ~8.5 bits per weight: f16/f32 stacks would
// take 2.5-5 GiB).
bool streams_like_decode(GgmlType t) { return test::row_bytes(t, 2048) <= 2048 * 17 / 16; }

void bench_matmat(benchmark::State& state, GgmlType t, Isa isa, Shape s) {
    const TypeKernels& k = *type_kernels(t, isa);
    auto f = make_fixture(t, k, s, kBatchTokens);
    for (auto _ : state) {
        run_matmul(k, *f, s, kBatchTokens);
        benchmark::DoNotOptimize(f->out.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(s.rows * s.cols * kBatchTokens));
}

// The prompt path's block GEMM (kernels.hpp, BlockGemm) as ops::matmul runs it on one thread:
// pack the token groups, then per panel of rows: repack, multiply by every group. pack = false
// times the multiplies alone (panels and groups packed once, outside the loop).
constexpr size_t kGemmBatchTokens = 128;

void bench_gemm(benchmark::State& state, GgmlType t, Isa isa, Shape s, bool pack) {
    const TypeKernels& k = *type_kernels(t, isa);
    const BlockGemm& g = k.gemm;
    auto f = make_fixture(t, k, s, kGemmBatchTokens);
    const size_t n_groups = kGemmBatchTokens / kGemmTokens, n_panels = (s.rows + g.panel_rows - 1) / g.panel_rows;
    const size_t group_bytes = g.act_group_bytes(s.cols), panel_bytes = g.panel_bytes(s.cols);
    std::vector<std::byte> groups(group_bytes * n_groups + 64), panels(panel_bytes * (pack ? 1 : n_panels) + 64);
    std::byte* group0 = groups.data() + (64 - reinterpret_cast<uintptr_t>(groups.data()) % 64) % 64;
    std::byte* panel0 = panels.data() + (64 - reinterpret_cast<uintptr_t>(panels.data()) % 64) % 64;
    auto pack_groups = [&] {
        for (size_t gi = 0; gi < n_groups; ++gi)
            g.pack_act(s.cols, f->act.data() + gi * kGemmTokens * f->act_bytes, f->act_bytes, kGemmTokens, group0 + gi * group_bytes);
    };
    auto panel_of = [&](size_t p) { return pack ? panel0 : panel0 + p * panel_bytes; };
    auto pack_panel = [&](size_t p) {
        const size_t r0 = p * g.panel_rows;
        g.pack_panel(s.cols, f->weights.data() + r0 * f->row_bytes, f->row_bytes, std::min<size_t>(g.panel_rows, s.rows - r0), panel_of(p));
    };
    if (!pack) {
        pack_groups();
        for (size_t p = 0; p < n_panels; ++p) pack_panel(p);
    }
    for (auto _ : state) {
        if (pack) pack_groups();
        for (size_t p = 0; p < n_panels; ++p) {
            if (pack) pack_panel(p);
            const size_t r0 = p * g.panel_rows, rows = std::min<size_t>(g.panel_rows, s.rows - r0);
            for (size_t gi = 0; gi < n_groups; ++gi)
                g.multiply(s.cols, panel_of(p), rows, group0 + gi * group_bytes, kGemmTokens,
                           f->out.data() + gi * kGemmTokens * s.rows + r0, s.rows);
        }
        benchmark::DoNotOptimize(f->out.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(s.rows * s.cols * kGemmBatchTokens));
}

void bench_quantize_act(benchmark::State& state, GgmlType t, Isa isa) {
    const TypeKernels& k = *type_kernels(t, isa);
    constexpr size_t n = 8192;
    std::mt19937 rng(2);
    const auto x = test::random_floats(n, rng);
    std::vector<std::byte> out(n * 4);
    for (auto _ : state) {
        k.quantize_act_row(x.data(), out.data(), n);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n * 4));
}

// Names: matvec/<type>/<isa>/<rows>x<cols>, so --benchmark_filter can pick a type or level.
const bool registered = [] {
    for (Isa isa : kernels::kAllIsas) {
        if (!isa_supported(isa)) continue;
        const std::string level(isa_name(isa));
        for (GgmlType t : test::weight_types()) {
            const std::string type(ggml_type_name(t));
            for (Shape s : kShapes) {
                const std::string shape = std::to_string(s.rows) + "x" + std::to_string(s.cols);
                benchmark::RegisterBenchmark(("matvec/" + type + "/" + level + "/" + shape).c_str(), bench_matvec, t, isa, s, true)
                    ->Unit(benchmark::kMillisecond);
                benchmark::RegisterBenchmark(("matvec_untiled/" + type + "/" + level + "/" + shape).c_str(), bench_matvec, t,
                                             isa, s, false)
                    ->Unit(benchmark::kMillisecond);
                for (size_t n : {2, 4, 8})
                    benchmark::RegisterBenchmark(("matvec_x" + std::to_string(n) + "/" + type + "/" + level + "/" + shape).c_str(),
                                                 bench_matvec_streams, t, isa, s, n)
                        ->Unit(benchmark::kMillisecond);
                if (type_kernels(t, isa)->gemm.few.one != nullptr)
                    benchmark::RegisterBenchmark(("few_x1/" + type + "/" + level + "/" + shape).c_str(), bench_few_one, t, isa, s)
                        ->Unit(benchmark::kMillisecond);
                if (type_kernels(t, isa)->gemm.few.act_group_bytes != nullptr)
                    for (size_t n : {2, 4, 8, 12})
                        benchmark::RegisterBenchmark(("few_x" + std::to_string(n) + "/" + type + "/" + level + "/" + shape).c_str(),
                                                     bench_few, t, isa, s, n)
                            ->Unit(benchmark::kMillisecond);
                benchmark::RegisterBenchmark(("matmat32/" + type + "/" + level + "/" + shape).c_str(), bench_matmat, t, isa, s)
                    ->Unit(benchmark::kMillisecond);
                if (type_kernels(t, isa)->gemm.panel_rows == 0) continue;
                benchmark::RegisterBenchmark(("gemm128/" + type + "/" + level + "/" + shape).c_str(), bench_gemm, t, isa, s, true)
                    ->Unit(benchmark::kMillisecond);
                benchmark::RegisterBenchmark(("gemm128_prepacked/" + type + "/" + level + "/" + shape).c_str(), bench_gemm, t,
                                             isa, s, false)
                    ->Unit(benchmark::kMillisecond);
            }
            if (streams_like_decode(t))
                benchmark::RegisterBenchmark(("layers_x1/" + type + "/" + level).c_str(), bench_layers_one, t, isa, false)
                    ->Unit(benchmark::kMillisecond);
            if (type_kernels(t, isa)->gemm.few.one_tiled != nullptr) {
                benchmark::RegisterBenchmark(("layers_x1_tiles/" + type + "/" + level).c_str(), bench_layers_one, t, isa, true)
                    ->Unit(benchmark::kMillisecond);
                benchmark::RegisterBenchmark(("x1_tiles_cached/" + type + "/" + level).c_str(), bench_x1_tiles_cached, t, isa)
                    ->Unit(benchmark::kMicrosecond);
            }
            benchmark::RegisterBenchmark(("quantize_act/" + type + "/" + level).c_str(), bench_quantize_act, t, isa);
        }
    }
    for (GgmlType t : test::weight_types())
        if (streams_like_decode(t))
            benchmark::RegisterBenchmark(("layers_read/" + std::string(ggml_type_name(t))).c_str(), bench_layers_read, t,
                                         size_t(1), size_t(1))
                ->Unit(benchmark::kMillisecond);
    for (GgmlType t : test::weight_types())
        if (streams_like_decode(t))
            for (size_t threads : {1, 2}) {
                const std::string tail = std::string(ggml_type_name(t)) + "/t" + std::to_string(threads);
                benchmark::RegisterBenchmark(("layers_matmul/" + tail).c_str(), bench_layers_matmul, t, threads)
                    ->Unit(benchmark::kMillisecond)->UseRealTime();
                for (size_t chunks : {threads, threads * 8})
                    if (threads > 1) benchmark::RegisterBenchmark(("layers_read_threads/" + tail + "/c" + std::to_string(chunks)).c_str(),
                                                 bench_layers_read, t, threads, chunks)
                        ->Unit(benchmark::kMillisecond)->UseRealTime();
            }
    return true;
}();

}  // namespace
}  // namespace hearth::kernels
