// The shared transformer blocks (see forward.hpp). Shapes in comments are [rows, cols] with one
// row per token of the batch; n = number of tokens, d = head_dim. Rows of a multi-sequence batch
// (forward.hpp, Segment) are independent in every step except rope (its own positions) and
// attention (its own cache), so a sequence's rows get the bits they would get alone, except that
// matmuls of >= 16 rows take the block-GEMM order (ops/matmul.cpp) whichever sequences they hold.
#include <algorithm>
#include <cmath>

#include "model/forward.hpp"
#include "ops/attention.hpp"
#include "ops/attention_q8_0.hpp"
#include "ops/elementwise.hpp"
#include "ops/matmul.hpp"
#include "runtime/thread_pool.hpp"

namespace hearth::model {

ForwardPass::ForwardPass(const ModelConfig& config, const ModelWeights& weights, KvCache& cache, Activations& act,
                         ThreadPool& pool, const Batch& batch)
    : c_(config), w_(weights), a_(act), pool_(pool), b_(batch), n_(batch.tokens.size()),
      solo_{&cache, batch.pos0, batch.tokens.size(), nullptr},
      segs_(batch.segments.empty() ? std::span<const Segment>(&solo_, 1) : batch.segments) {
    rope_.n_rot = c_.n_rot;
    rope_.head_dim = c_.head_dim;
    rope_.freq_base = c_.rope_freq_base;
    rope_.freq_scale = c_.rope_freq_scale;
    rope_.freq_factors = w_.rope_freqs;
}

void ForwardPass::matmul(const ops::WeightView& w, const float* in, size_t n_rows, float* out) {
    if (b_.abort && b_.abort->load(std::memory_order_relaxed)) return;  // matmuls are ~all the time
    if (b_.observer) b_.observer->on_matmul(w, in, n_rows);
    ops::matmul(w, in, n_rows, out, a_.matmul_scratch, pool_, b_.order);
}

void ForwardPass::embed() {
    ops::get_rows(w_.token_embd, b_.tokens, a_.x);  // x: [n, n_embd]
}

void ForwardPass::attention_norm(size_t il) {
    pool_.parallel_for(n_, [&](size_t t) {  // xb: [n, n_embd]; rows are independent (same bits at any -t)
        ops::rmsnorm(a_.x + t * c_.n_embd, w_.layers[il].attn_norm, a_.xb + t * c_.n_embd, c_.n_embd, c_.rms_eps);
    });
}

void ForwardPass::embed_encoder() {
    ops::get_rows(w_.token_embd, b_.tokens, a_.x);  // x: [n, n_embd]
    size_t t = 0;
    for (const Segment& s : segs_)  // xb: each row's learned position embedding
        for (size_t i = 0; i < s.n_tokens; ++i, ++t) {
            const int32_t pos = static_cast<int32_t>(s.pos0 + i);  // < n_ctx_train: Session checks
            ops::get_rows(w_.position_embd, std::span<const int32_t>(&pos, 1), a_.xb + t * c_.n_embd);
        }
    // llama.cpp adds the type-0 row to every token (texts have one segment), then the positions.
    if (w_.token_types.data != nullptr) {
        const int32_t type0 = 0;
        ops::get_rows(w_.token_types, std::span<const int32_t>(&type0, 1), a_.att);  // att: scratch [n_embd]
        ops::add_row_bias(a_.x, a_.att, n_, c_.n_embd);
    }
    ops::add_inplace(a_.x, a_.xb, n_ * c_.n_embd);
    const NormWeights& norm = w_.embd_norm;
    pool_.parallel_for(n_, [&](size_t r) {
        float* x = a_.x + r * c_.n_embd;
        ops::layernorm(x, norm.w, norm.b, x, c_.n_embd, c_.rms_eps);
    });
}

void ForwardPass::qkv(size_t il) { qkv_from(il, a_.xb); }
void ForwardPass::qkv_residual(size_t il) { qkv_from(il, a_.x); }

void ForwardPass::qkv_from(size_t il, const float* in) {
    const LayerWeights& l = w_.layers[il];
    matmul(l.wq, in, n_, a_.q);  // q: [n, n_head * d]
    matmul(l.wk, in, n_, a_.k);  // k: [n, n_head_kv * d]
    matmul(l.wv, in, n_, a_.v);  // v: [n, n_head_kv * d]
    if (l.bq) ops::add_row_bias(a_.q, l.bq, n_, c_.q_dim());
    if (l.bk) ops::add_row_bias(a_.k, l.bk, n_, c_.kv_dim());
    if (l.bv) ops::add_row_bias(a_.v, l.bv, n_, c_.kv_dim());
}

void ForwardPass::qk_norm(size_t il) {
    const LayerWeights& l = w_.layers[il];
    // Each head of each token is one row of d values.
    ops::rmsnorm_rows(a_.q, l.q_norm, a_.q, n_ * c_.n_head, c_.head_dim, c_.rms_eps);
    ops::rmsnorm_rows(a_.k, l.k_norm, a_.k, n_ * c_.n_head_kv, c_.head_dim, c_.rms_eps);
}

void ForwardPass::scale_embeddings(float s) {
    ops::scale(a_.x, s, n_ * c_.n_embd);  // x: [n, n_embd]
}

void ForwardPass::rope_qk(RopeStyle style) {
    rope_.style = style;
    rope_with(rope_);
}

void ForwardPass::rope_qk_layer(size_t il, RopeStyle style) {
    ops::RopeParams p = rope_;
    p.style = style;
    if (c_.is_swa_layer(il)) {  // local layers: their own base, no position scaling
        p.freq_base = c_.rope_freq_base_swa;
        p.freq_scale = 1.0f;
    }
    rope_with(p);
}

void ForwardPass::rope_with(const ops::RopeParams& p) {
    size_t t = 0;  // row of the batch
    for (const Segment& s : segs_)
        for (size_t i = 0; i < s.n_tokens; ++i, ++t) {
            ops::rope_angles(p, static_cast<int32_t>(s.pos0 + i), a_.rope);  // rope: [n_rot/2, 2]
            ops::rope_apply(p, a_.rope, a_.q + t * c_.q_dim(), c_.n_head);
            ops::rope_apply(p, a_.rope, a_.k + t * c_.kv_dim(), c_.n_head_kv);
        }
}

void ForwardPass::scale_q(float s) {
    ops::scale(a_.q, s, n_ * c_.q_dim());  // q: [n, n_head * d]
}

void ForwardPass::attention(size_t il) {
    attend(il, 1.0f / std::sqrt(static_cast<float>(c_.head_dim)));
    ops::add_inplace(a_.x, a_.xb, n_ * c_.n_embd);
}

void ForwardPass::attend(size_t il, float scale) {
    size_t row0 = 0;
    for (const Segment& s : segs_) {  // att: [n, q_dim], each segment over its own cache
        attend_segment(il, s, row0, scale);
        row0 += s.n_tokens;
    }
    const LayerWeights& l = w_.layers[il];
    matmul(l.wo, a_.att, n_, a_.xb);  // xb: [n, n_embd]
    if (l.bo) ops::add_row_bias(a_.xb, l.bo, n_, c_.n_embd);
}

size_t ForwardPass::first_visible(size_t il, size_t pos) const noexcept {
    const size_t window = c_.is_swa_layer(il) ? c_.n_swa : 0;
    return window != 0 && pos + 1 > window ? pos + 1 - window : 0;  // llama.cpp masks p when pos - p >= window
}

ops::KvHeadView ForwardPass::kv_view(const KvCache& cache, size_t il, size_t g, size_t from_pos) const noexcept {
    const size_t d = c_.head_dim, row = (from_pos - cache.first_pos(il)) * c_.kv_dim();
    return {cache.keys_f16(il) + row + g * d, c_.kv_dim(), cache.values_f16(il) + row + g * d, c_.kv_dim()};
}

void ForwardPass::attend_segment(size_t il, const Segment& seg, size_t row0, float scale) {
    KvCache& cache = *seg.cache;
    const size_t n = seg.n_tokens, pos0 = seg.pos0;
    const float* q = a_.q + row0 * c_.q_dim();
    float* att = a_.att + row0 * c_.q_dim();
    for (size_t t = 0; t < n; ++t) {  // K, V: [n_ctx (or the window's rows), kv_dim] f16
        const size_t row = row0 + t;
        cache.store(il, pos0 + t, a_.k + row * c_.kv_dim(), a_.v + row * c_.kv_dim());
    }

    const size_t d = c_.head_dim, group = c_.n_head / c_.n_head_kv;
    // Every chunk writes only its own heads' slices of att and of the scratch rows, and each
    // head's result never depends on how heads are grouped into chunks (nor on the thread count).
    if (cache.type() == KvType::q8_0) {
        attention_q8_0(il, seg, row0, scale);
    } else if (!c_.causal) {
        attend_all(il, seg, row0, scale);
    } else if (n >= ops::kAttentionTileQ && d % 16 == 0) {
        // Like llama.cpp, long batches take the tiled kernel (f32 throughout). One chunk per
        // query head with all its tokens, so the kernel can share each K row between 16 tokens.
        // On a sliding-window layer, the tokens that see position 0 still go together; each later
        // one reads its own window (the same sums; only the tile boundaries differ).
        const size_t n_from0 = std::min(n, first_visible(il, pos0 + n - 1) == 0 ? n : c_.n_swa - std::min(c_.n_swa, pos0));
        pool_.parallel_for(c_.n_head, [&](size_t h) {
            const size_t g = h / group;  // the KV head this query head shares (GQA)
            const ops::AttentionScratchF32 s{a_.kq + h * ops::kAttentionTileKv, a_.acc32 + h * d};
            if (n_from0 > 0) {
                const ops::QueryRows rows{q + h * d, att + h * d, c_.q_dim(), n_from0, pos0 + 1};
                ops::attend_rows_tiled(rows, kv_view(cache, il, g, 0), d, scale, s);
            }
            for (size_t t = n_from0; t < n; ++t) {
                const size_t first = first_visible(il, pos0 + t);
                const ops::QueryRows row{q + t * c_.q_dim() + h * d, att + t * c_.q_dim() + h * d, 0, 1, pos0 + t + 1 - first};
                ops::attend_rows_tiled(row, kv_view(cache, il, g, first), d, scale, s);
            }
        });
    } else {
        // Short batches and decoding: the one-row kernel (f16 query and accumulator). A chunk is
        // a run of up to 4 query heads sharing a KV head, which reads each K/V row once for all
        // of them; fewer heads per chunk when there are threads to spare.
        const size_t per_chunk = std::clamp<size_t>(c_.n_head / pool_.size(), 1, std::min<size_t>(group, 4));
        const size_t chunks_per_kv = (group + per_chunk - 1) / per_chunk;
        pool_.parallel_for(c_.n_head_kv * chunks_per_kv, [&](size_t chunk) {
            const size_t g = chunk / chunks_per_kv, h0 = g * group + chunk % chunks_per_kv * per_chunk;
            const size_t n_heads = std::min(per_chunk, (g + 1) * group - h0);
            const ops::AttentionScratch s{a_.q16 + h0 * d, a_.acc16 + h0 * d};
            for (size_t t = 0; t < n; ++t) {
                const size_t pos = pos0 + t, first = first_visible(il, pos);  // causal (and windowed)
                ops::attend_heads(q + t * c_.q_dim() + h0 * d, n_heads, kv_view(cache, il, g, first), pos + 1 - first, d, scale, s,
                                  att + t * c_.q_dim() + h0 * d);
            }
        });
    }
}

void ForwardPass::attend_all(size_t il, const Segment& seg, size_t row0, float scale) {
    // Encoders: every token sees every position of its text (pos0 + n of them), so the causal
    // kernels' growing key count becomes one fixed count. The kernel is chosen as for causal
    // batches, as llama.cpp's flash attention does: f32 tiled rows (one at a time here) from
    // kAttentionTileQ tokens on, the f16 one-row kernel below that.
    const KvCache& cache = *seg.cache;
    const float* q = a_.q + row0 * c_.q_dim();
    float* att = a_.att + row0 * c_.q_dim();
    const size_t d = c_.head_dim, group = c_.n_head / c_.n_head_kv, n_kv = seg.pos0 + seg.n_tokens;
    pool_.parallel_for(c_.n_head, [&](size_t h) {
        const size_t g = h / group;
        const ops::AttentionScratchF32 s{a_.kq + h * ops::kAttentionTileKv, a_.acc32 + h * d};
        const ops::AttentionScratch s16{a_.q16 + h * d, a_.acc16 + h * d};
        for (size_t t = 0; t < seg.n_tokens; ++t) {
            const float* qt = q + t * c_.q_dim() + h * d;
            float* out = att + t * c_.q_dim() + h * d;
            if (seg.n_tokens < ops::kAttentionTileQ || d % 16 != 0) {
                ops::attend_head(qt, kv_view(cache, il, g, 0), n_kv, d, scale, s16, out);
                continue;
            }
            const ops::QueryRows row{qt, out, 0, 1, n_kv};
            ops::attend_rows_tiled(row, kv_view(cache, il, g, 0), d, scale, s);
        }
    });
}

void ForwardPass::attention_q8_0(size_t il, const Segment& seg, size_t row0, float scale) {
    const KvCache& cache = *seg.cache;
    const float* q = a_.q + row0 * c_.q_dim();
    float* att = a_.att + row0 * c_.q_dim();
    const size_t d = c_.head_dim, group = c_.n_head / c_.n_head_kv;
    const size_t head_bytes = KvCache::row_bytes(d, KvType::q8_0);  // one head's slice of a row
    pool_.parallel_for(c_.n_head, [&](size_t h) {
        const size_t g = h / group;
        const ops::AttentionScratchQ8 s{a_.q8 + h * head_bytes, a_.acc32 + h * d, a_.vrow + h * d};
        for (size_t t = 0; t < seg.n_tokens; ++t) {
            const size_t pos = seg.pos0 + t, first = first_visible(il, pos);
            const size_t row = (first - cache.first_pos(il)) * cache.row_stride() + g * head_bytes;
            const ops::KvHeadViewQ8 kv{cache.keys(il) + row, cache.values(il) + row, cache.row_stride()};
            const size_t end = c_.causal ? pos + 1 : seg.pos0 + seg.n_tokens;  // encoders see the whole text
            ops::attend_head_q8_0(q + t * c_.q_dim() + h * d, kv, end - first, d, scale, s, att + t * c_.q_dim() + h * d);
        }
    });
}

void ForwardPass::attn_post_norm(size_t il) { post_norm_residual(w_.layers[il].attn_post_norm); }
void ForwardPass::ffn_post_norm(size_t il) { post_norm_residual(w_.layers[il].ffn_post_norm); }

void ForwardPass::post_norm_residual(const float* w) {
    pool_.parallel_for(n_, [&](size_t t) {  // x += rmsnorm(xb) * w   [n, n_embd]
        float* xb = a_.xb + t * c_.n_embd;
        ops::rmsnorm(xb, w, xb, c_.n_embd, c_.rms_eps);
        ops::add_inplace(a_.x + t * c_.n_embd, xb, c_.n_embd);
    });
}

void ForwardPass::ffn_norm(size_t il) {
    pool_.parallel_for(n_, [&](size_t t) {  // xb: [n, n_embd]
        ops::rmsnorm(a_.x + t * c_.n_embd, w_.layers[il].ffn_norm, a_.xb + t * c_.n_embd, c_.n_embd, c_.rms_eps);
    });
}

void ForwardPass::ffn_gate_up(size_t il) {
    const LayerWeights& l = w_.layers[il];
    ffn_norm(il);                            // xb: [n, n_embd]
    matmul(l.ffn_gate, a_.xb, n_, a_.gate);  // gate: [n, n_ff]
    matmul(l.ffn_up, a_.xb, n_, a_.up);      // up: [n, n_ff]
}

void ForwardPass::ffn_swiglu(size_t il) {
    ffn_gate_up(il);
    pool_.parallel_for(n_, [&](size_t t) {   // per row: ggml's SIMD/tail split of SiLU restarts at every row
        ops::silu_mul(a_.gate + t * c_.n_ff, a_.up + t * c_.n_ff, c_.n_ff);
    });
    matmul(w_.layers[il].ffn_down, a_.gate, n_, a_.xb);  // xb: [n, n_embd]
    ops::add_inplace(a_.x, a_.xb, n_ * c_.n_embd);
}

void ForwardPass::ffn_geglu(size_t il) {
    ffn_gate_up(il);
    pool_.parallel_for(n_, [&](size_t t) {  // gate = gelu(gate) * up   [n, n_ff]
        ops::gelu_mul(a_.gate + t * c_.n_ff, a_.up + t * c_.n_ff, c_.n_ff);
    });
    matmul(w_.layers[il].ffn_down, a_.gate, n_, a_.xb);  // xb: [n, n_embd]
}

void ForwardPass::attn_out_norm(size_t il) { residual_layernorm(w_.layers[il].attn_out_norm); }

void ForwardPass::residual_layernorm(const NormWeights& norm) {
    pool_.parallel_for(n_, [&](size_t t) {  // x = layernorm(xb + x) * w + b   [n, n_embd]
        float* x = a_.x + t * c_.n_embd;
        ops::add_inplace(x, a_.xb + t * c_.n_embd, c_.n_embd);
        ops::layernorm(x, norm.w, norm.b, x, c_.n_embd, c_.rms_eps);
    });
}

void ForwardPass::ffn_gelu_post_norm(size_t il) {
    const LayerWeights& l = w_.layers[il];
    matmul(l.ffn_up, a_.x, n_, a_.up);  // up: [n, n_ff]
    ops::add_row_bias(a_.up, l.ffn_up_b, n_, c_.n_ff);
    pool_.parallel_for(n_, [&](size_t t) { ops::gelu(a_.up + t * c_.n_ff, c_.n_ff); });
    matmul(l.ffn_down, a_.up, n_, a_.xb);  // xb: [n, n_embd]
    ops::add_row_bias(a_.xb, l.ffn_down_b, n_, c_.n_embd);
    residual_layernorm(l.layer_out_norm);
}

void ForwardPass::ffn(size_t il) {
    if (w_.layers[il].ffn_gate_inp.data != nullptr)
        ffn_moe(il);
    else
        ffn_swiglu(il);
}

void ForwardPass::output() {
    if (c_.encoder) {  // no final norm, no output matrix: the hidden states are the result
        if (b_.hidden) std::copy_n(a_.x, n_ * c_.n_embd, a_.xb);
        return;
    }
    if (!b_.segments.empty()) return output_segments();
    if (b_.hidden) return ops::rmsnorm_rows(a_.x, w_.output_norm, a_.xb, n_, c_.n_embd, c_.rms_eps);  // embeddings
    if (!b_.logits) return;  // an inner chunk of a long prompt: only the cache mattered
    // Only the rows whose logits are wanted go through the (large) output matrix.
    const size_t first = b_.all_logits ? 0 : n_ - 1, rows = n_ - first;
    ops::rmsnorm_rows(a_.x + first * c_.n_embd, w_.output_norm, a_.xb, rows, c_.n_embd, c_.rms_eps);
    matmul(w_.output, a_.xb, rows, b_.logits);  // logits: [rows, n_vocab]
    if (c_.final_logit_softcap > 0.0f) ops::softcap(b_.logits, c_.final_logit_softcap, rows * c_.n_vocab);
}

void ForwardPass::output_segments() {
    // One row per segment that wants logits (its last token) through the output matrix together:
    // logits: [n_out, n_vocab] in the arena, then each row to its segment (n_out <= a_.n_outputs).
    size_t row = 0, n_out = 0;
    for (const Segment& s : segs_) {
        row += s.n_tokens;
        if (s.logits) ops::rmsnorm(a_.x + (row - 1) * c_.n_embd, w_.output_norm, a_.xb + n_out++ * c_.n_embd, c_.n_embd, c_.rms_eps);
    }
    if (n_out == 0) return;
    matmul(w_.output, a_.xb, n_out, a_.logits);
    if (c_.final_logit_softcap > 0.0f) ops::softcap(a_.logits, c_.final_logit_softcap, n_out * c_.n_vocab);
    n_out = 0;
    for (const Segment& s : segs_)
        if (s.logits) std::copy_n(a_.logits + n_out++ * c_.n_vocab, c_.n_vocab, s.logits);
}

void forward(const ArchSpec& arch, ForwardPass& pass) { arch.forward(pass); }

}  // namespace hearth::model
