// Qwen2 / Qwen2.5: the llama layout with Q/K/V biases and NeoX-style (half-split) RoPE.
#include "model/arch.hpp"
#include "model/forward.hpp"

namespace hearth::model {

namespace {
void qwen2_forward(ForwardPass& f) {
    f.embed();                           // x: [n, n_embd]
    for (size_t il = 0; il < f.n_layer(); ++il) {
        f.attention_norm(il);            // xb = rmsnorm(x) * attn_norm
        f.qkv(il);                       // q = wq·xb + bq, k = wk·xb + bk, v = wv·xb + bv
        f.rope_qk(RopeStyle::neox);      // rotates pairs (i, i + d/2)
        f.attention(il);                 // x += wo · softmax(q·Kᵀ/√d)·V
        f.ffn_swiglu(il);                // x += down(silu(gate·xn) * up·xn)
    }
    f.output();                          // logits: [rows, n_vocab] (tied: token_embd)
}
}  // namespace

const ArchSpec kQwen2Arch{"qwen2", RopeStyle::neox, true, false, &qwen2_forward};

}  // namespace hearth::model
