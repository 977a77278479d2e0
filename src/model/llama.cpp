// Llama (Llama 2/3, TinyLlama, SmolLM2, Mistral): pre-norm decoder with RMSNorm, GQA, normal
// (pairwise) RoPE, SwiGLU FFN; optional Q/K/V/O biases; tied or separate output matrix.
#include "model/arch.hpp"
#include "model/forward.hpp"

namespace hearth::model {

namespace {
void llama_forward(ForwardPass& f) {
    f.embed();                           // x: [n, n_embd]
    for (size_t il = 0; il < f.n_layer(); ++il) {
        f.attention_norm(il);            // xb = rmsnorm(x) * attn_norm
        f.qkv(il);                       // q: [n, n_head*d], k, v: [n, n_head_kv*d]
        f.rope_qk(RopeStyle::normal);    // the GGUF converter permuted wq/wk for pairwise rotation
        f.attention(il);                 // x += wo · softmax(q·Kᵀ/√d)·V
        f.ffn_swiglu(il);                // x += down(silu(gate·xn) * up·xn)
    }
    f.output();                          // logits: [rows, n_vocab]
}
}  // namespace

const ArchSpec kLlamaArch{"llama", RopeStyle::normal, false, false, &llama_forward};

}  // namespace hearth::model
