// BERT encoders (all-MiniLM, bge, e5, ...): learned absolute positions plus token type 0, a
// LayerNorm on the embeddings, then per layer attention over the whole text and a GELU FFN, each
// followed by a LayerNorm of its residual sum (post-norm). No output matrix: the last layer's
// hidden states are what Session::embed pools. Follows llama.cpp's LLM_ARCH_BERT graph.
#include <cmath>

#include "model/arch.hpp"
#include "model/forward.hpp"

namespace hearth::model {

namespace {
void bert_forward(ForwardPass& f) {
    const ModelConfig& c = f.config();
    f.embed_encoder();                   // x = layernorm(tok + type0 + pos)     [n, n_embd]
    for (size_t il = 0; il < f.n_layer(); ++il) {
        f.qkv_residual(il);              // q, k, v = w·x + b                    [n, n_embd]
        f.attend(il, 1.0f / std::sqrt(static_cast<float>(c.head_dim)));  // xb = wo·softmax(q·Kᵀ/√d)·V + bo (no mask within the text)
        f.attn_out_norm(il);             // x = layernorm(x + xb)
        f.ffn_gelu_post_norm(il);        // x = layernorm(x + down(gelu(up·x)))
    }
    f.output();                          // xb = x (embeddings only)
}
}  // namespace

// No RoPE (positions are learned); the biases and norms are bound by weights.cpp's bind_encoder.
const ArchSpec kBertArch{"bert", RopeStyle::normal, true, false, &bert_forward, false, nullptr, false, true};

}  // namespace hearth::model
