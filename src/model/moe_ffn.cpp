// The mixture-of-experts FFN block (ForwardPass::ffn_moe, qwen3moe): a router picks each token's
// top-k experts, every expert runs as a SwiGLU FFN over just the tokens routed to it, and the
// expert outputs are mixed with the router's weights. The token rows are grouped by expert, so a
// prompt reads each chosen expert's weights once per batch and one decoded token reads only the
// k experts it uses (k/n_expert of the expert tensors: 8 of 128 for Qwen3-30B-A3B).
//
// Shapes: n tokens, k = n_expert_used, R = n * k (token, expert) rows, f = n_ff_exp, e = n_embd.
// Numerics follow llama.cpp's build_moe_ffn: softmax routing (ops::route_token), each expert's
// products through the same matmul kernels as a dense layer (per output, the bits a lone matmul
// over that expert's rows gives), then out = Σ_s w_s * y_s accumulated in slot order (most
// probable expert first), as ggml adds the weighted expert views. Nothing depends on the thread
// count: routing, grouping and the final sums are per token, in fixed orders.
#include <algorithm>
#include <array>
#include <cstring>

#include "model/forward.hpp"
#include "ops/elementwise.hpp"
#include "ops/matmul.hpp"
#include "ops/moe_route.hpp"
#include "runtime/thread_pool.hpp"

namespace hearth::model {

void ForwardPass::observe(const ops::MatmulProblem* problems, size_t n) {
    if (b_.observer)
        for (size_t i = 0; i < n; ++i) b_.observer->on_matmul(problems[i].w, problems[i].x, problems[i].n_tokens);
}

void ForwardPass::ffn_moe(size_t il) {
    const LayerWeights& l = w_.layers[il];
    const Activations::Moe& m = a_.moe;
    const size_t n_expert = c_.n_expert, k = c_.n_expert_used, f = c_.n_ff_exp, e = c_.n_embd;
    if (b_.abort && b_.abort->load(std::memory_order_relaxed)) return;  // an abandoned pass (see Batch::abort)

    ffn_norm(il);                                       // xb: [n, e]
    matmul(l.ffn_gate_inp, a_.xb, n_, m.router);        // router: [n, n_expert] logits
    pool_.parallel_for(n_, [&](size_t t) {              // experts, weights: [n, k]; router: probabilities
        float* probs = m.router + t * n_expert;
        ops::route_token(probs, n_expert, k, true, probs, m.experts + t * k, m.weights + t * k);
    });

    // Counting sort of the R (token, slot) pairs by expert, tokens in order within an expert:
    // first_row[x] counts, then becomes the start of expert x's rows.
    std::fill(m.first_row, m.first_row + n_expert + 1, 0);
    for (size_t i = 0; i < n_ * k; ++i) ++m.first_row[m.experts[i] + 1];
    for (size_t x = 0; x < n_expert; ++x) m.first_row[x + 1] += m.first_row[x];
    for (size_t i = 0; i < n_ * k; ++i) m.slot_row[i] = m.first_row[m.experts[i]]++;  // first_row[x] -> end of x
    for (size_t x = n_expert; x > 0; --x) m.first_row[x] = m.first_row[x - 1];
    m.first_row[0] = 0;
    pool_.parallel_for(n_, [&](size_t t) {              // moe.x: [R, e], each token's row once per expert it uses
        for (size_t s = 0; s < k; ++s) std::memcpy(m.x + size_t(m.slot_row[t * k + s]) * e, a_.xb + t * e, e * sizeof(float));
    });

    // gate, up: [R, f], one problem per used expert over its rows; down: [R, e] likewise.
    // Experts no token chose are not read at all.
    std::array<ops::MatmulProblem, ops::kMaxMatmulProblems> problems;
    size_t n_problems = 0;
    for (size_t x = 0; x < n_expert; ++x) {
        const size_t row0 = size_t(m.first_row[x]), rows = size_t(m.first_row[x + 1]) - row0;
        if (rows == 0) continue;
        problems[n_problems++] = {l.ffn_gate_exps.expert(x), m.x + row0 * e, rows, a_.gate + row0 * f};
        problems[n_problems++] = {l.ffn_up_exps.expert(x), m.x + row0 * e, rows, a_.up + row0 * f};
    }
    observe(problems.data(), n_problems);
    ops::matmul_many({problems.data(), n_problems}, a_.matmul_scratch, pool_, b_.order);
    pool_.parallel_for(n_ * k, [&](size_t r) {          // gate = silu(gate) * up, row by row as ggml's swiglu
        ops::silu_mul(a_.gate + r * f, a_.up + r * f, f);
    });
    n_problems = 0;
    for (size_t x = 0; x < n_expert; ++x) {
        const size_t row0 = size_t(m.first_row[x]), rows = size_t(m.first_row[x + 1]) - row0;
        if (rows != 0) problems[n_problems++] = {l.ffn_down_exps.expert(x), a_.gate + row0 * f, rows, m.out + row0 * e};
    }
    observe(problems.data(), n_problems);
    ops::matmul_many({problems.data(), n_problems}, a_.matmul_scratch, pool_, b_.order);

    pool_.parallel_for(n_, [&](size_t t) {              // xb: [n, e] = Σ_s w_s * out[row(t, s)]
        float* mix = a_.xb + t * e;
        for (size_t s = 0; s < k; ++s) {
            const float w = m.weights[t * k + s], *y = m.out + size_t(m.slot_row[t * k + s]) * e;
            for (size_t i = 0; i < e; ++i) mix[i] = s == 0 ? y[i] * w : mix[i] + y[i] * w;  // ggml_mul, then ggml_add
        }
    });
    ops::add_inplace(a_.x, a_.xb, n_ * e);               // x += moe
}

}  // namespace hearth::model
