// Qwen3 mixture of experts (Qwen3-30B-A3B): Qwen3's attention (per-head Q/K RMSNorm, NeoX RoPE)
// and, instead of one dense FFN, a router that sends each token through n_expert_used of
// n_expert small SwiGLU experts (see moe_ffn.cpp).
#include "model/arch.hpp"
#include "model/forward.hpp"

namespace hearth::model {

namespace {
void qwen3moe_forward(ForwardPass& f) {
    f.embed();                           // x: [n, n_embd]
    for (size_t il = 0; il < f.n_layer(); ++il) {
        f.attention_norm(il);            // xb = rmsnorm(x) * attn_norm
        f.qkv(il);                       // q: [n, n_head*d], k, v: [n, n_head_kv*d]
        f.qk_norm(il);                   // each d-row of q and k: rmsnorm * attn_{q,k}_norm
        f.rope_qk(RopeStyle::neox);      // rotates pairs (i, i + d/2)
        f.attention(il);                 // x += wo · softmax(q·Kᵀ/√d)·V
        f.ffn_moe(il);                   // x += Σ_top-k w_e · down_e(silu(gate_e·xn) * up_e·xn)
    }
    f.output();                          // logits: [rows, n_vocab]
}
}  // namespace

const ArchSpec kQwen3MoeArch{"qwen3moe", RopeStyle::neox, false, true, &qwen3moe_forward, true};

}  // namespace hearth::model
