// Qwen3: no Q/K/V biases, but an RMSNorm on every head of Q and K before NeoX RoPE. The same
// graph runs Qwen3's mixture of experts (qwen3moe.cpp), whose layers carry experts instead.
#include "model/arch.hpp"
#include "model/forward.hpp"

namespace hearth::model {

void qwen3_forward(ForwardPass& f) {
    f.embed();                           // x: [n, n_embd]
    for (size_t il = 0; il < f.n_layer(); ++il) {
        f.attention_norm(il);            // xb = rmsnorm(x) * attn_norm
        f.qkv(il);                       // q: [n, n_head*d], k, v: [n, n_head_kv*d]
        f.qk_norm(il);                   // each d-row of q and k: rmsnorm * attn_{q,k}_norm
        f.rope_qk(RopeStyle::neox);      // rotates pairs (i, i + d/2)
        f.attention(il);                 // x += wo · softmax(q·Kᵀ/√d)·V
        f.ffn(il);                       // x += down(silu(gate·xn) * up·xn), dense or through experts
    }
    f.output();                          // logits: [rows, n_vocab]
}

const ArchSpec kQwen3Arch{"qwen3", RopeStyle::neox, false, true, &qwen3_forward};

}  // namespace hearth::model
