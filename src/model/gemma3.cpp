// Gemma 3: the qwen3 layout (per-head Q/K RMSNorm, NeoX RoPE) plus scaled embeddings, norms
// after attention and after the FFN, a GELU-gated FFN, and sliding-window attention on five of
// every six layers, which also take their own RoPE base. Follows llama.cpp's gemma3 graph; its
// converter already stores Gemma's (1 + w) norm weights as w, so every norm uses them as stored.
#include <cmath>

#include "model/arch.hpp"
#include "model/forward.hpp"
#include "model/model_config.hpp"

namespace hearth::model {

namespace {

constexpr size_t kSwaPeriod = 6;                 // layers 5, 11, 17, ... are global, the rest local
constexpr float kLocalRopeBase = 10000.0f;       // local layers' RoPE base (their scale is 1)
constexpr size_t kLayers27B = 62;                // llama.cpp recognises Gemma 3 27B by its depth

void gemma3_read_config(const ConfigReader& r, ModelConfig& c) {
    c.n_swa = r.optional_or_zero("attention.sliding_window", 1u << 24);
    if (c.n_swa > 0) {
        c.swa_period = kSwaPeriod;
        c.rope_freq_base_swa = kLocalRopeBase;
    } else {
        // llama.cpp's graph without sliding windows (no window in the file) soft-caps the logits.
        c.final_logit_softcap = r.real("final_logit_softcapping", 0.0f, false);
    }
    // gemma_pytorch's query_pre_attn_scalar, as llama.cpp derives it: n_embd / n_head for the
    // 27B, the key head size for every other size (there is no metadata key for it).
    const size_t scalar = c.n_layer == kLayers27B ? c.n_embd / c.n_head : c.head_dim;
    c.attn_scale = 1.0f / std::sqrt(static_cast<float>(scalar));
}

void gemma3_forward(ForwardPass& f) {
    const ModelConfig& c = f.config();
    f.embed();                                             // x: [n, n_embd]
    f.scale_embeddings(std::sqrt(static_cast<float>(c.n_embd)));  // x *= √n_embd
    for (size_t il = 0; il < f.n_layer(); ++il) {
        f.attention_norm(il);                              // xb = rmsnorm(x) * attn_norm
        f.qkv(il);                                         // q: [n, n_head*d], k, v: [n, n_head_kv*d]
        f.qk_norm(il);                                     // each d-row of q and k: rmsnorm * attn_{q,k}_norm
        f.rope_qk_layer(il, RopeStyle::neox);              // local layers: base 10000, scale 1
        f.scale_q(c.attn_scale);                           // q *= 1/√query_pre_attn_scalar
        f.attend(il, 1.0f);                                // xb = wo · softmax(q·Kᵀ)·V (windowed on local layers)
        f.attn_post_norm(il);                              // x += rmsnorm(xb) * post_attention_norm
        f.ffn_geglu(il);                                   // xb = down(gelu(gate·xn) * up·xn)
        f.ffn_post_norm(il);                               // x += rmsnorm(xb) * post_ffw_norm
    }
    f.output();                                            // logits: [rows, n_vocab]
}

}  // namespace

const ArchSpec kGemma3Arch{"gemma3", RopeStyle::neox, false, true, &gemma3_forward, false, &gemma3_read_config, true};

}  // namespace hearth::model
