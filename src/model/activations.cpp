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
    size_t router, experts, weights, slot_row, first_row, moe_x, moe_out;
};

// Scratch of the expert matmuls (ops::matmul_many) over all R rows: gate and up convert their
// inputs in one call, down in another.
size_t moe_scratch_bytes(const ModelWeights& w, size_t rows) {
    size_t bytes = 0;
    for (const LayerWeights& l : w.layers) {
        if (l.ffn_gate_inp.data == nullptr) continue;
        const ops::WeightView &gate = l.ffn_gate_exps.first, &up = l.ffn_up_exps.first, &down = l.ffn_down_exps.first;
        bytes = std::max({bytes,
                          ops::matmul_many_scratch_bytes(gate.type, gate.n_cols, rows) +
                              ops::matmul_many_scratch_bytes(up.type, up.n_cols, rows),
                          ops::matmul_many_scratch_bytes(down.type, down.n_cols, rows)});
    }
    return bytes;
}

Ids plan(ArenaPlan& p, const ModelConfig& c, const ModelWeights& w, size_t n_batch, size_t n_outputs) {
    Ids id{};
    id.scratch_bytes = 0;
    for (const ops::WeightView* m : w.matrices())
        id.scratch_bytes = std::max(id.scratch_bytes, ops::matmul_scratch_bytes(m->type, m->n_cols, n_batch));
    const size_t moe_rows = n_batch * c.n_expert_used;  // 0 for dense models
    id.scratch_bytes = std::max(id.scratch_bytes, moe_scratch_bytes(w, moe_rows));
    const size_t ffn_width = std::max(c.n_expert ? 0 : c.n_ff, c.n_expert_used * c.n_ff_exp);  // per token
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
    id.gate = p.add<float>(n_batch * ffn_width, ffn_up, ffn_down);
    id.up = p.add<float>(n_batch * ffn_width, ffn_up, ffn_down);
    id.router = p.add<float>(n_batch * c.n_expert, ffn_norm, ffn_norm);
    id.experts = p.add<int32_t>(moe_rows, ffn_norm, ffn_down);
    id.weights = p.add<float>(moe_rows, ffn_norm, ffn_down);
    id.slot_row = p.add<int32_t>(moe_rows, ffn_norm, ffn_down);
    id.first_row = p.add<int32_t>(c.n_expert + 1, ffn_norm, ffn_down);
    id.moe_x = p.add<float>(moe_rows * c.n_embd, ffn_norm, ffn_up);
    id.moe_out = p.add<float>(moe_rows * c.n_embd, ffn_down, ffn_down);
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
    if (c.n_expert == 0) return;
    auto i32 = [&](size_t i) { return reinterpret_cast<int32_t*>(base + p.offset(i)); };
    moe = {f32(id.router), i32(id.experts), f32(id.weights), i32(id.slot_row), i32(id.first_row), f32(id.moe_x), f32(id.moe_out)};
}

}  // namespace hearth::model
