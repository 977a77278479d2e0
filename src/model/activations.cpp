// Planning the activation arena: sizes first, one allocation, then typed pointers into it.
#include "model/activations.hpp"

#include <algorithm>

namespace hearth::model {

Activations::Activations(const ModelConfig& c, const ModelWeights& w, size_t n_batch_) : n_batch(n_batch_) {
    size_t scratch_bytes = 0;
    for (const ops::WeightView* m : w.matrices())
        scratch_bytes = std::max(scratch_bytes, ops::matmul_scratch_bytes(m->type, m->n_cols, n_batch));

    ArenaPlan plan;
    const size_t o_x = plan.reserve<float>(n_batch * c.n_embd);
    const size_t o_xb = plan.reserve<float>(n_batch * c.n_embd);
    const size_t o_q = plan.reserve<float>(n_batch * c.q_dim());
    const size_t o_k = plan.reserve<float>(n_batch * c.kv_dim());
    const size_t o_v = plan.reserve<float>(n_batch * c.kv_dim());
    const size_t o_att = plan.reserve<float>(n_batch * c.q_dim());
    const size_t o_gate = plan.reserve<float>(n_batch * c.n_ff);
    const size_t o_up = plan.reserve<float>(n_batch * c.n_ff);
    const size_t o_logits = plan.reserve<float>(c.n_vocab);
    const size_t o_rope = plan.reserve<float>(c.n_rot);
    const size_t o_q16 = plan.reserve<uint16_t>(c.n_head * c.head_dim);
    const size_t o_acc16 = plan.reserve<uint16_t>(c.n_head * c.head_dim);
    const size_t o_scratch = plan.reserve<std::byte>(scratch_bytes);

    buffer_ = AlignedBuffer(plan.total(), "activation buffers");
    std::byte* base = buffer_.data();
    auto f32 = [&](size_t off) { return reinterpret_cast<float*>(base + off); };
    auto f16 = [&](size_t off) { return reinterpret_cast<uint16_t*>(base + off); };
    x = f32(o_x);
    xb = f32(o_xb);
    q = f32(o_q);
    k = f32(o_k);
    v = f32(o_v);
    att = f32(o_att);
    gate = f32(o_gate);
    up = f32(o_up);
    logits = f32(o_logits);
    rope = f32(o_rope);
    q16 = f16(o_q16);
    acc16 = f16(o_acc16);
    matmul_scratch = {base + o_scratch, scratch_bytes};
}

}  // namespace hearth::model
