// The matmul driver: converts the activations once into the weight type's partner format, then
// splits the output rows into chunks (kRowsPerChunk for batches, longer ranges for one token),
// each computed for every token by kernels::dot_rows_tokens, whose outputs all have the bits of
// one vec_dot. Batches of at least kMinGemmTokens use the type's block GEMM where the CPU level
// has one (kernels.hpp, BlockGemm): fixed panels of rows, each output in the block-integer
// order; smaller batches of two or more use its few-token companion where there is one, in the
// same order, as do single tokens where the type has a one-token member (FewTokenGemm::one), so
// a token's outputs are the same bits in every batch.
// Either way an output never depends on the number of threads.
#include "ops/matmul.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "kernels/decode_layout.hpp"
#include "kernels/kernels.hpp"
#include "runtime/thread_pool.hpp"

namespace hearth::ops {
namespace {

// 32 rows of a 4096-wide Q4_0 matrix are ~72 KB: they stay in L2 while every token of the batch
// passes over them, and 2048-row matrices still give 64 chunks to balance across threads.
constexpr size_t kRowsPerChunk = 32;
constexpr size_t kScratchAlign = 64;
// Single-token matmuls: chunks per thread, enough to absorb a thread that starts late.
constexpr size_t kChunksPerThread = 8;

// From here the block GEMM wins: one group fills all 16 lanes, and repacking the panels costs
// less than the multiplies it speeds up (2048x2048 Q4_0, one core, VNNI: repack ~0.23 ms + one
// group ~0.34 ms, against ~1.3 ms for 16 tokens through the vec_dot tiles; about even at 8).
constexpr size_t kMinGemmTokens = 16;

size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

// Rows per parallel chunk. A single pass over the weights (one token, or one few-token call)
// streams each row once: a few long ranges per thread, which the pool hands each thread as one
// contiguous share, keep each core's prefetching on one stream (32-row chunks alternating between
// threads measured 3-10% slower at -t 2, tg of a 1B Q4_0); kChunksPerThread of them leave a late
// thread's share to be taken by the others. Several passes keep kRowsPerChunk rows, the
// L2-resident tile they all go over.
size_t chunk_rows_for(bool single_pass, size_t n_rows, size_t threads) {
    if (!single_pass || threads <= 1) return kRowsPerChunk;
    return std::max(kRowsPerChunk, round_up(n_rows / (threads * kChunksPerThread), kRowsPerChunk));
}

size_t gemm_groups(size_t n_tokens) { return (n_tokens + kernels::kGemmTokens - 1) / kernels::kGemmTokens; }

size_t gemm_group_stride(const kernels::TypeKernels& k, size_t n_cols) {
    return round_up(k.gemm.act_group_bytes(n_cols), kScratchAlign);
}

// Weights in the decode layout: every path but the single-token kernel for that layout reads them
// as rows, given back kRowsPerChunk rows (or a GEMM panel's rows) at a time in the worker's
// scratch, after the GEMM's panel.
bool tiled(const WeightView& w) { return w.layout == WeightLayout::decode_tiles; }

size_t rows_copy_offset(const kernels::TypeKernels& k, size_t n_cols) {
    return k.gemm.panel_rows != 0 ? round_up(k.gemm.panel_bytes(n_cols), kScratchAlign) : 0;
}

size_t rows_copy_rows(const kernels::TypeKernels& k) { return std::max<size_t>(kRowsPerChunk, k.gemm.panel_rows); }

size_t worker_scratch_bytes(const kernels::TypeKernels& k, const WeightView& w) {
    if (tiled(w)) return rows_copy_offset(k, w.n_cols) + rows_copy_rows(k) * w.row_bytes;
    return k.gemm.panel_rows != 0 ? k.gemm.panel_bytes(w.n_cols) : 0;
}

// Where a worker gets its rows back; empty for weights in ggml's layout, which are read in place,
// and when no scratch was reserved (then only the single-token kernel may run: has_worker_scratch).
std::span<std::byte> rows_copy(const kernels::TypeKernels& k, const WeightView& w, ThreadPool& pool, size_t worker) {
    const std::span<std::byte> scratch = pool.worker_scratch(worker);
    const size_t offset = rows_copy_offset(k, w.n_cols);
    if (!tiled(w) || scratch.size() <= offset) return {};
    return scratch.subspan(offset);
}

// Whether every worker has the scratch this matmul's paths need.
bool has_worker_scratch(const kernels::TypeKernels& k, const WeightView& w, ThreadPool& pool) {
    return pool.worker_scratch(0).size() >= worker_scratch_bytes(k, w);
}

// fn(rows, r, n) over rows [r0, r0 + n_rows) of w in ggml's layout, `rows` being row r's bytes:
// in place, or for weights in the decode layout rebuilt into `copy` in pieces of whole tiles (r0
// and the pieces stay multiples of 16, as chunks and panels are multiples of 32 and such
// matrices' rows come in sixteens).
template <typename Fn>
void for_rows(const WeightView& w, size_t r0, size_t n_rows, std::span<std::byte> copy, Fn&& fn) {
    if (!tiled(w)) {
        fn(w.data + r0 * w.row_bytes, r0, n_rows);
        return;
    }
    const size_t piece = copy.size() / w.row_bytes / kernels::kDecodeTileRows * kernels::kDecodeTileRows;
    if (piece == 0) return;  // no scratch: callers check has_worker_scratch first, so never a hang
    for (size_t r = r0; r < r0 + n_rows; r += piece) {
        const size_t n = std::min(piece, r0 + n_rows - r);
        kernels::tiles_to_rows(w.type, w.n_cols, w.data, r, n, copy.data());
        fn(copy.data(), r, n);
    }
}

bool takes_few(const kernels::TypeKernels& k, size_t n_tokens) {
    return k.gemm.few.act_group_bytes != nullptr && n_tokens >= 2 && n_tokens < kMinGemmTokens;
}

// Whether a batch of the weights w may take the block-integer order (BlockGemm / FewTokenGemm)
// as far as the type goes: ggml's CPU backend multiplies Q8_0 prompts in vec_dot's order, which
// hearth's Q8_0 tiles have. (Q4_0 is decided by its GgmlOrderDots below: repacked matrices are
// in the block order, others go through tinyBLAS, whose lanes are vec_dot's.)
bool block_order_allowed(const WeightView& w, MatmulOrder order) { return order == MatmulOrder::fastest || w.type != GgmlType::q8_0; }

// Whether `order` asks for one of ggml's orders that only k.ggml has (kernels.hpp, GgmlOrderDots).
bool takes_ggml_dot(const kernels::TypeKernels& k, MatmulOrder order) {
    const kernels::GgmlOrderDots& g = k.ggml;
    return order == MatmulOrder::ggml && (g.vec_dot != nullptr || g.repacked_gemv != nullptr || g.tinyblas != nullptr);
}

// ggml's CPU backend repacks a matrix at load (8 rows interleaved) only when its rows come in eights.
bool rows_in_eights(const WeightView& w) { return w.n_rows % 8 == 0; }

bool ggml_repacks(const kernels::TypeKernels& k, const WeightView& w) {
    return k.ggml.repacked_gemv != nullptr && rows_in_eights(w);
}

// Whether the block GEMMs (and their few-token companions) may take a batch of the weights w.
bool block_gemm_allowed(const kernels::TypeKernels& k, const WeightView& w, MatmulOrder order) {
    if (!block_order_allowed(w, order)) return false;
    return !takes_ggml_dot(k, order) || (k.ggml.repacked_is_block_order && ggml_repacks(k, w));
}

// ggml's dot for the weights w in a product of n_tokens tokens, for a token that its repacked GEMM
// takes (in a group of four) or not.
kernels::VecDotFn ggml_dot(const kernels::TypeKernels& k, const WeightView& w, size_t n_tokens, bool gemm_token) {
    if (ggml_repacks(k, w)) return gemm_token ? k.ggml.repacked_gemm : k.ggml.repacked_gemv;
    if (k.ggml.tinyblas != nullptr && n_tokens >= 2 && w.n_rows % 4 == 0 && w.n_cols % 16 == 0) return k.ggml.tinyblas;
    return k.ggml.vec_dot != nullptr ? k.ggml.vec_dot : k.vec_dot;
}

// How dot_rows computes outputs from converted activation rows.
enum class RowPath {
    tiles,      // k's tiles (vec_dot's bits)
    ggml_dots,  // one ggml-order dot per output (ggml_dot)
    one_token,  // the few-token GEMM's single-token member (block-integer order)
    tiled_one,  // a single token over the decode layout (FewTokenGemm::one_tiled), in the bits of
                // one_token where the type has it, else of the tiles
};

// A single token takes the block-integer order where the type has a kernel for it and the
// weights may take that order, so a stream's outputs are the same bits alone and beside others;
// like ggml's repacked GEMV, which rounds the same way, only when the rows come in eights (ggml
// keeps other matrices in vec_dot's order: Gemma 3's 262145-row output).
// Weights in the decode layout give a single token to the layout's own kernel when the path it
// stands for is the one taken (the only path that needs no rows back).
RowPath row_path(const kernels::TypeKernels& k, const WeightView& w, MatmulOrder order, size_t n_tokens) {
    RowPath path = takes_ggml_dot(k, order) ? RowPath::ggml_dots : RowPath::tiles;
    if (n_tokens == 1 && k.gemm.few.one != nullptr && rows_in_eights(w) && block_gemm_allowed(k, w, order))
        path = RowPath::one_token;
    const RowPath tiled_kernel_bits = k.gemm.few.one != nullptr ? RowPath::one_token : RowPath::tiles;
    if (n_tokens == 1 && tiled(w) && k.gemm.few.one_tiled != nullptr && path == tiled_kernel_bits) return RowPath::tiled_one;
    return path;
}

// Whether w's rows are needed back by `path` but no worker scratch was reserved to hold them:
// the call then gives NaNs (a contract violation made visible) rather than read the tiles as rows.
bool rows_unavailable(const kernels::TypeKernels& k, RowPath path, const WeightView& w, ThreadPool& pool) {
    return tiled(w) && path != RowPath::tiled_one && !has_worker_scratch(k, w, pool);
}

// Rows [r0, r0 + n_rows) of y for every token, by `path`; with ggml dots, the first gemm_tokens
// tokens in the order of ggml's GEMM and the others in its GEMV's. copy: rows_copy's.
void dot_rows(const kernels::TypeKernels& k, RowPath path, size_t gemm_tokens, const WeightView& w, size_t r0,
              size_t n_rows, const std::byte* act, size_t act_row_bytes, size_t n_tokens, float* y,
              std::span<std::byte> copy) {
    if (path == RowPath::tiled_one) {
        k.gemm.few.one_tiled(w.n_cols, w.data + r0 * w.row_bytes, n_rows, act, y + r0);
        return;
    }
    for_rows(w, r0, n_rows, copy, [&](const std::byte* rows, size_t r0, size_t n_rows) {
        if (path == RowPath::one_token) {
            k.gemm.few.one(w.n_cols, rows, w.row_bytes, n_rows, act, y + r0);
        } else if (path == RowPath::tiles) {
            kernels::dot_rows_tokens(k, w.n_cols, rows, w.row_bytes, n_rows, act, act_row_bytes, n_tokens, y + r0, w.n_rows);
        } else {
            for (size_t t = 0; t < n_tokens; ++t) {
                const kernels::VecDotFn dot = ggml_dot(k, w, n_tokens, t < gemm_tokens);
                for (size_t r = 0; r < n_rows; ++r)
                    y[t * w.n_rows + r0 + r] = dot(w.n_cols, rows + r * w.row_bytes, act + t * act_row_bytes);
            }
        }
    });
}

size_t few_groups(size_t n_tokens) { return (n_tokens + kernels::kFewTokens - 1) / kernels::kFewTokens; }

// Groups sit back to back: a few-token call reads up to kFewGroupsPerCall consecutive ones.
size_t few_group_stride(const kernels::TypeKernels& k, size_t n_cols) { return k.gemm.few.act_group_bytes(n_cols); }

// Stride of one converted activation row in scratch; 0 when the activations are used in place (f32).
size_t act_stride(const kernels::TypeKernels& k, size_t n_cols) {
    if (k.act_type == GgmlType::f32) return 0;
    const auto bytes = ggml_row_bytes(k.act_type, n_cols);
    return bytes ? round_up(size_t(*bytes), kScratchAlign) : 0;
}

}  // namespace

bool matmul_supported(GgmlType t) noexcept { return kernels::type_kernels(t) != nullptr; }

size_t matmul_scratch_bytes(GgmlType weight_type, size_t n_cols, size_t n_tokens) {
    const kernels::TypeKernels* k = kernels::type_kernels(weight_type);
    if (k == nullptr) return 0;
    // Enough for any batch of up to n_tokens: the few-token groups of 15 tokens may need more
    // than the GEMM group of 16.
    size_t groups = 0;
    if (k->gemm.panel_rows != 0 && n_tokens >= kMinGemmTokens) groups = gemm_group_stride(*k, n_cols) * gemm_groups(n_tokens);
    const size_t few = std::min(n_tokens, kMinGemmTokens - 1);
    if (takes_few(*k, few)) groups = std::max(groups, few_group_stride(*k, n_cols) * few_groups(few));
    return act_stride(*k, n_cols) * n_tokens + groups;
}

size_t matmul_many_scratch_bytes(GgmlType weight_type, size_t n_cols, size_t n_tokens) {
    const kernels::TypeKernels* k = kernels::type_kernels(weight_type);
    if (k == nullptr) return 0;
    // Problems of two or more tokens each: at most n_tokens / 2 few-token groups in all, each
    // problem's groups rounded up to the scratch alignment.
    const size_t few = takes_few(*k, 2) ? (few_group_stride(*k, n_cols) + kScratchAlign) * (n_tokens / 2) : 0;
    return matmul_scratch_bytes(weight_type, n_cols, n_tokens) + few;
}

size_t matmul_worker_scratch_bytes(const WeightView& w) {
    const kernels::TypeKernels* k = kernels::type_kernels(w.type);
    return k != nullptr ? worker_scratch_bytes(*k, w) : 0;
}

bool decode_layout_fits(const WeightView& w) noexcept { return !tiled(w) && kernels::decode_layout_fits(w.type, w.n_rows); }

void to_decode_layout(WeightView& w, std::byte* data) {
    kernels::rows_to_tiles(w.type, w.n_cols, data, w.n_rows);
    w.data = data;
    w.layout = WeightLayout::decode_tiles;
}

namespace {

// The block-GEMM path; false (nothing done) when this call cannot take it.
bool try_gemm(const kernels::TypeKernels& k, const WeightView& w, const float* x, size_t n_tokens, float* y,
              std::span<std::byte> scratch, ThreadPool& pool) {
    const kernels::BlockGemm& g = k.gemm;
    if (g.panel_rows == 0 || n_tokens < kMinGemmTokens) return false;
    const size_t stride = act_stride(k, w.n_cols);
    const size_t group_stride = gemm_group_stride(k, w.n_cols);
    const size_t n_groups = gemm_groups(n_tokens);
    if (stride == 0 || scratch.size() < stride * n_tokens + group_stride * n_groups) return false;
    if (!has_worker_scratch(k, w, pool)) return false;  // not reserved for this shape

    std::byte* rows = scratch.data();
    std::byte* groups = rows + stride * n_tokens;
    pool.parallel_for(n_groups, [&](size_t gi) {
        const size_t t0 = gi * kernels::kGemmTokens;
        const size_t count = std::min(kernels::kGemmTokens, n_tokens - t0);
        for (size_t t = t0; t < t0 + count; ++t) k.quantize_act_row(x + t * w.n_cols, rows + t * stride, w.n_cols);
        g.pack_act(w.n_cols, rows + t0 * stride, stride, count, groups + gi * group_stride);
    });
    const size_t n_panels = (w.n_rows + g.panel_rows - 1) / g.panel_rows;
    pool.parallel_for_workers(n_panels, [&](size_t p, size_t worker) {
        const size_t r0 = p * g.panel_rows;
        const size_t n_rows = std::min<size_t>(g.panel_rows, w.n_rows - r0);
        std::byte* panel = pool.worker_scratch(worker).data();
        for_rows(w, r0, n_rows, rows_copy(k, w, pool, worker), [&](const std::byte* rows, size_t, size_t) {
            g.pack_panel(w.n_cols, rows, w.row_bytes, n_rows, panel);  // one piece: the copy holds a panel's rows
        });
        for (size_t gi = 0; gi < n_groups; ++gi) {
            const size_t t0 = gi * kernels::kGemmTokens;
            g.multiply(w.n_cols, panel, n_rows, groups + gi * group_stride, std::min(kernels::kGemmTokens, n_tokens - t0),
                       y + t0 * w.n_rows + r0, w.n_rows);
        }
    });
    return true;
}

// Packs n_tokens converted activation rows into consecutive few-token groups at dst.
void pack_few_groups(const kernels::TypeKernels& k, size_t n_cols, const std::byte* rows, size_t stride, size_t n_tokens,
                     std::byte* dst) {
    for (size_t gi = 0; gi < few_groups(n_tokens); ++gi) {
        const size_t t0 = gi * kernels::kFewTokens;
        k.gemm.few.pack_act(n_cols, rows + t0 * stride, stride, std::min(kernels::kFewTokens, n_tokens - t0),
                            dst + gi * few_group_stride(k, n_cols));
    }
}

// Rows [r0, r0 + n_rows) of y for every group packed by pack_few_groups. copy: rows_copy's.
void multiply_few_groups(const kernels::TypeKernels& k, const WeightView& w, size_t r0, size_t n_rows,
                         const std::byte* groups, size_t n_tokens, float* y, std::span<std::byte> copy) {
    constexpr size_t kCallTokens = kernels::kFewTokens * kernels::kFewGroupsPerCall;
    for_rows(w, r0, n_rows, copy, [&](const std::byte* rows, size_t r0, size_t n_rows) {
        for (size_t t0 = 0; t0 < n_tokens; t0 += kCallTokens)
            k.gemm.few.multiply(w.n_cols, rows, w.row_bytes, n_rows,
                                groups + t0 / kernels::kFewTokens * few_group_stride(k, w.n_cols),
                                std::min(kCallTokens, n_tokens - t0), y + t0 * w.n_rows + r0, w.n_rows);
    });
}

// The few-token path; false (nothing done) when this call cannot take it. Rows are split as for
// one token (few long ranges per thread) when one call takes all groups, else in L2-sized chunks that
// every group passes over.
bool try_few(const kernels::TypeKernels& k, const WeightView& w, const float* x, size_t n_tokens, float* y,
             std::span<std::byte> scratch, ThreadPool& pool) {
    if (!takes_few(k, n_tokens)) return false;
    const size_t stride = act_stride(k, w.n_cols);
    const size_t group_stride = few_group_stride(k, w.n_cols);
    const size_t n_groups = few_groups(n_tokens);
    if (stride == 0 || scratch.size() < stride * n_tokens + group_stride * n_groups) return false;

    std::byte* rows = scratch.data();
    std::byte* groups = rows + stride * n_tokens;
    pool.parallel_for(n_tokens, [&](size_t t) { k.quantize_act_row(x + t * w.n_cols, rows + t * stride, w.n_cols); });
    pack_few_groups(k, w.n_cols, rows, stride, n_tokens, groups);
    const size_t chunk_rows = chunk_rows_for(n_groups <= kernels::kFewGroupsPerCall, w.n_rows, pool.size());
    pool.parallel_for_workers((w.n_rows + chunk_rows - 1) / chunk_rows, [&](size_t chunk, size_t worker) {
        const size_t r0 = chunk * chunk_rows;
        multiply_few_groups(k, w, r0, std::min(w.n_rows, r0 + chunk_rows) - r0, groups, n_tokens, y,
                            rows_copy(k, w, pool, worker));
    });
    return true;
}

}  // namespace

namespace {

// matmul(); in the ggml order, the first ggml_gemm_tokens tokens round as in ggml's repacked GEMM.
void matmul_rows(const WeightView& w, const float* x, size_t n_tokens, float* y, std::span<std::byte> scratch,
                 ThreadPool& pool, MatmulOrder order, size_t ggml_gemm_tokens) {
    const kernels::TypeKernels* k = kernels::type_kernels(w.type);
    const size_t stride = k ? act_stride(*k, w.n_cols) : 0;
    if (k == nullptr || scratch.size() < stride * n_tokens) {
        // Contract violation the loader should have caught; NaNs make it visible without throwing.
        for (size_t i = 0; i < n_tokens * w.n_rows; ++i) y[i] = std::numeric_limits<float>::quiet_NaN();
        return;
    }
    const RowPath path = row_path(*k, w, order, n_tokens);
    if (rows_unavailable(*k, path, w, pool)) {
        for (size_t i = 0; i < n_tokens * w.n_rows; ++i) y[i] = std::numeric_limits<float>::quiet_NaN();  // as above
        return;
    }
    if (block_gemm_allowed(*k, w, order) &&
        (try_gemm(*k, w, x, n_tokens, y, scratch, pool) || try_few(*k, w, x, n_tokens, y, scratch, pool)))
        return;

    const std::byte* act = reinterpret_cast<const std::byte*>(x);
    size_t act_row_bytes = w.n_cols * sizeof(float);
    if (stride != 0) {
        pool.parallel_for(n_tokens, [&](size_t t) {
            k->quantize_act_row(x + t * w.n_cols, scratch.data() + t * stride, w.n_cols);
        });
        act = scratch.data();
        act_row_bytes = stride;
    }

    // Every output is one row's dot (whichever RowPath) whatever the chunking, so the chunk size
    // may follow the thread count.
    const size_t chunk_rows = chunk_rows_for(n_tokens == 1, w.n_rows, pool.size());
    const size_t n_chunks = (w.n_rows + chunk_rows - 1) / chunk_rows;
    pool.parallel_for_workers(n_chunks, [&](size_t chunk, size_t worker) {
        const size_t r0 = chunk * chunk_rows;
        dot_rows(*k, path, ggml_gemm_tokens, w, r0, std::min(w.n_rows, r0 + chunk_rows) - r0, act, act_row_bytes,
                 n_tokens, y, rows_copy(*k, w, pool, worker));
    });
}

}  // namespace

void matmul(const WeightView& w, const float* x, size_t n_tokens, float* y, std::span<std::byte> scratch,
            ThreadPool& pool, MatmulOrder order) {
    // ggml's repacked matmul sends the tokens in fours to its GEMM and the rest to its GEMV.
    matmul_rows(w, x, n_tokens, y, scratch, pool, order, n_tokens / 4 * 4);
}

namespace {

void fill_nan(const MatmulProblem& p) {
    for (size_t i = 0; i < p.n_tokens * p.w.n_rows; ++i) p.y[i] = std::numeric_limits<float>::quiet_NaN();
}

}  // namespace

void matmul_many(std::span<const MatmulProblem> problems, std::span<std::byte> scratch, ThreadPool& pool,
                 MatmulOrder order) {
    const size_t n_problems = problems.size();
    if (n_problems > kMaxMatmulProblems) {  // contract violation: visible as NaNs
        for (const MatmulProblem& p : problems) fill_nan(p);
        return;
    }
    // Small problems first, all in one pass: where each one's converted input rows are (an
    // earlier problem's when the input is the same), and its row chunks' place in the pass.
    std::array<const std::byte*, kMaxMatmulProblems> act{};
    std::array<std::byte*, kMaxMatmulProblems> few{};  // packed few-token groups, when the problem takes that path
    std::array<size_t, kMaxMatmulProblems> act_row_bytes{}, chunk_rows{}, converts{}, packs{};
    std::array<size_t, kMaxMatmulProblems + 1> first_chunk{};
    size_t used = 0, total_rows = 0, n_converts = 0, n_packs = 0;
    for (const MatmulProblem& p : problems)
        if (p.n_tokens < kMinGemmTokens) total_rows += p.w.n_rows;
    for (size_t i = 0; i < n_problems; ++i) {
        const MatmulProblem& p = problems[i];
        first_chunk[i + 1] = first_chunk[i];
        if (p.n_tokens >= kMinGemmTokens || p.n_tokens == 0) continue;
        const kernels::TypeKernels* k = kernels::type_kernels(p.w.type);
        const size_t stride = k ? act_stride(*k, p.w.n_cols) : 0;
        if (k == nullptr || used + stride * p.n_tokens > scratch.size() ||
            rows_unavailable(*k, row_path(*k, p.w, order, p.n_tokens), p.w, pool)) {
            fill_nan(p);
            continue;
        }
        act_row_bytes[i] = stride != 0 ? stride : p.w.n_cols * sizeof(float);
        act[i] = reinterpret_cast<const std::byte*>(p.x);  // f32 weights read the input in place
        if (stride != 0) {
            act[i] = nullptr;
            for (size_t j = 0; j < i && act[i] == nullptr; ++j) {
                const MatmulProblem& q = problems[j];
                if (act[j] != nullptr && q.x == p.x && q.n_tokens == p.n_tokens && q.w.n_cols == p.w.n_cols &&
                    kernels::type_kernels(q.w.type)->act_type == k->act_type)
                    act[i] = act[j];
            }
            if (act[i] == nullptr) {
                act[i] = scratch.data() + used;
                used += stride * p.n_tokens;
                converts[n_converts++] = i;
            }
        }
        const bool few_path = block_gemm_allowed(*k, p.w, order) && takes_few(*k, p.n_tokens);
        const size_t few_bytes = few_path ? few_group_stride(*k, p.w.n_cols) * few_groups(p.n_tokens) : 0;
        if (few_bytes != 0 && used + round_up(few_bytes, kScratchAlign) <= scratch.size()) {
            few[i] = scratch.data() + used;
            used += round_up(few_bytes, kScratchAlign);
            packs[n_packs++] = i;
        }
        // As in matmul(): one pass streams long row ranges, several use the L2-sized 32 rows.
        chunk_rows[i] = chunk_rows_for(p.n_tokens == 1, total_rows, pool.size());
        first_chunk[i + 1] += (p.w.n_rows + chunk_rows[i] - 1) / chunk_rows[i];
    }
    pool.parallel_for(n_converts, [&](size_t c) {
        const size_t i = converts[c];
        const MatmulProblem& p = problems[i];
        std::byte* rows = scratch.data() + (act[i] - scratch.data());
        for (size_t t = 0; t < p.n_tokens; ++t)
            kernels::type_kernels(p.w.type)->quantize_act_row(p.x + t * p.w.n_cols, rows + t * act_row_bytes[i], p.w.n_cols);
    });
    pool.parallel_for(n_packs, [&](size_t c) {
        const size_t i = packs[c];
        const MatmulProblem& p = problems[i];
        pack_few_groups(*kernels::type_kernels(p.w.type), p.w.n_cols, act[i], act_row_bytes[i], p.n_tokens, few[i]);
    });
    pool.parallel_for_workers(first_chunk[n_problems], [&](size_t chunk, size_t worker) {
        const auto after = std::upper_bound(first_chunk.begin() + 1, first_chunk.begin() + n_problems + 1, chunk);
        const size_t i = size_t(after - first_chunk.begin()) - 1;  // the problem this chunk belongs to
        const MatmulProblem& p = problems[i];
        const kernels::TypeKernels& k = *kernels::type_kernels(p.w.type);
        const size_t r0 = (chunk - first_chunk[i]) * chunk_rows[i];
        const size_t rows = std::min(p.w.n_rows, r0 + chunk_rows[i]) - r0;
        const std::span<std::byte> copy = rows_copy(k, p.w, pool, worker);
        if (few[i] != nullptr)
            multiply_few_groups(k, p.w, r0, rows, few[i], p.n_tokens, p.y, copy);
        else
            dot_rows(k, row_path(k, p.w, order, p.n_tokens), 0, p.w, r0, rows, act[i], act_row_bytes[i], p.n_tokens, p.y, copy);
    });
    // Large problems one by one: each takes the whole pool (block-GEMM panels) and the scratch.
    for (const MatmulProblem& p : problems)
        if (p.n_tokens >= kMinGemmTokens) matmul_rows(p.w, p.x, p.n_tokens, p.y, scratch, pool, order, 0);
}

void get_rows(const WeightView& w, std::span<const int32_t> ids, float* out) {
    const kernels::TypeKernels* k = kernels::type_kernels(w.type);
    for (size_t i = 0; i < ids.size(); ++i) {
        float* dst = out + i * w.n_cols;
        if (k == nullptr) {
            for (size_t c = 0; c < w.n_cols; ++c) dst[c] = std::numeric_limits<float>::quiet_NaN();
            continue;
        }
        if (!tiled(w)) {
            k->dequantize_row(w.data + size_t(ids[i]) * w.row_bytes, dst, w.n_cols);
            continue;
        }
        const GgmlTypeInfo info = ggml_type_info(w.type);
        alignas(16) std::byte block[kernels::kMaxTiledBlockBytes];
        for (size_t b = 0; b < w.n_cols / info.block_elements; ++b) {  // the row's blocks, rebuilt one by one
            kernels::tiled_block(w.type, w.n_cols, w.data, size_t(ids[i]), b, block);
            k->dequantize_row(block, dst + b * info.block_elements, info.block_elements);
        }
    }
}

}  // namespace hearth::ops
