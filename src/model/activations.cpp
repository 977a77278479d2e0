// Planning the activation arena from the graph's shapes and liveness: sizes and lifetimes first,
// one allocation, then typed pointers into it.
#include "model/activations.hpp"

#include <algorithm>

#include "hearth/ggml_type.hpp"
#include "ops/attention.hpp"

namespace hearth::model {

namespace {

// Steps of one forward pass (forward.hpp); a layer's steps repeat with the same buffers, so a
// buffer alive across layers (x, xb) spans the whole range.
enum Step : uint32_t { embed, attn_norm, qkv, rope, attend, attn_out, ffn_norm, ffn_up, ffn_down, output };

struct Ids {
    size_t x, xb, q, k, v, att, gate, up, logits, rope, q16, acc16, acc32, kq, vrow, q8, scratch;
    size_t scratch_bytes;
};

Ids plan(ArenaPlan& p, const ModelConfig& c, const ModelWeights& w, size_t n_batch, size_t n_outputs) {
    Ids id{};
    id.scratch_bytes = 0;
    for (const ops::WeightView* m : w.matrices())
        id.scratch_bytes = std::max(id.scratch_bytes, ops::matmul_scratch_bytes(m->type, m->n_cols, n_batch));
    const size_t heads = c.n_head * c.head_dim;
    const size_t q8_row = ggml_row_bytes(GgmlType::q8_0, (c.head_dim + 31) / 32 * 32).value_or(0);
    id.x = p.add<float>(n_batch * c.n_embd, embed, output);
    id.xb = p.add<float>(n_batch * c.n_embd, attn_norm, output);
    id.q = p.add<float>(n_batch * c.q_dim(), qkv, attend);
    id.k = p.add<float>(n_batch * c.kv_dim(), qkv, attend);
    id.v = p.add<float>(n_batch * c.kv_dim(), qkv, attend);
    id.rope = p.add<float>(c.n_rot, rope, rope);
    id.q16 = p.add<uint16_t>(heads, attend, attend);
    id.acc16 = p.add<uint16_t>(heads, attend, attend);
    id.acc32 = p.add<float>(heads, attend, attend);
    id.kq = p.add<float>(c.n_head * ops::kAttentionTileKv, attend, attend);
    id.vrow = p.add<float>(heads, attend, attend);
    id.q8 = p.add_bytes(c.n_head * q8_row, attend, attend);
    id.att = p.add<float>(n_batch * c.q_dim(), attend, attn_out);
    id.gate = p.add<float>(n_batch * c.n_ff, ffn_up, ffn_down);
    id.up = p.add<float>(n_batch * c.n_ff, ffn_up, ffn_down);
    // The logits are read by the caller after the pass (Session::logits): alive throughout.
    id.logits = p.add<float>(n_outputs * c.n_vocab, embed, output);
    id.scratch = p.add_bytes(id.scratch_bytes, qkv, output);
    p.finish();
    return id;
}

}  // namespace

size_t Activations::planned_bytes(const ModelConfig& c, const ModelWeights& w, size_t n_batch, size_t n_outputs) {
    ArenaPlan p;
    plan(p, c, w, n_batch, n_outputs);
    return round_to_pages(p.total(), host_allocator().page_size());
}

Activations::Activations(const ModelConfig& c, const ModelWeights& w, size_t n_batch_, size_t n_outputs_)
    : n_batch(n_batch_), n_outputs(n_outputs_) {
    ArenaPlan p;
    const Ids id = plan(p, c, w, n_batch, n_outputs);
    buffer_ = AlignedBuffer(p.total(), "activation buffers");
    std::byte* base = buffer_.data();
    auto f32 = [&](size_t i) { return reinterpret_cast<float*>(base + p.offset(i)); };
    auto f16 = [&](size_t i) { return reinterpret_cast<uint16_t*>(base + p.offset(i)); };
    x = f32(id.x);
    xb = f32(id.xb);
    q = f32(id.q);
    k = f32(id.k);
    v = f32(id.v);
    att = f32(id.att);
    gate = f32(id.gate);
    up = f32(id.up);
    logits = f32(id.logits);
    rope = f32(id.rope);
    q16 = f16(id.q16);
    acc16 = f16(id.acc16);
    acc32 = f32(id.acc32);
    kq = f32(id.kq);
    vrow = f32(id.vrow);
    q8 = base + p.offset(id.q8);
    matmul_scratch = {base + p.offset(id.scratch), id.scratch_bytes};
}

}  // namespace hearth::model
