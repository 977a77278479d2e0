// The architecture registry: what differs between the transformers hearth runs.
// Each architecture lives in its own file (llama.cpp, qwen2.cpp, qwen3.cpp, qwen3moe.cpp, gemma3.cpp, bert.cpp) and defines an ArchSpec.
#pragma once

#include <span>
#include <string_view>

#include "hearth/model_config.hpp"

namespace hearth::model {

class ForwardPass;
class ConfigReader;

struct ArchSpec {
    std::string_view name;          // general.architecture
    RopeStyle rope_style;
    bool requires_qkv_bias;         // attn_{q,k,v}.bias must be present (qwen2)
    bool requires_qk_norm;          // attn_{q,k}_norm.weight must be present (qwen3)
    void (*forward)(ForwardPass&);  // the graph, top to bottom
    bool moe = false;               // mixture-of-experts FFN (ffn_gate_inp, ffn_{gate,up,down}_exps) instead of a dense one
    // Reads the architecture's own metadata after the common keys (nullptr: nothing more to read).
    void (*read_config)(const ConfigReader&, ModelConfig&) = nullptr;
    bool requires_post_norms = false;  // post_attention_norm / post_ffw_norm.weight must be present (gemma3)
    // A BERT-style encoder: LayerNorms with bias, learned positions, no output matrix, its own
    // tensor names (weights.cpp bind_encoder) and attention over the whole text unless
    // <arch>.attention.causal says otherwise.
    bool encoder = false;
};

extern const ArchSpec kLlamaArch;
extern const ArchSpec kQwen2Arch;
extern const ArchSpec kQwen3Arch;
extern const ArchSpec kQwen3MoeArch;
extern const ArchSpec kGemma3Arch;
extern const ArchSpec kBertArch;

// Qwen3's graph, shared by qwen3 and qwen3moe (their layers differ only in the FFN's weights).
void qwen3_forward(ForwardPass& f);

// nullptr when hearth does not know the architecture.
const ArchSpec* find_arch(std::string_view name) noexcept;
// "llama, qwen2, qwen3, qwen3moe, gemma3, bert" for error messages.
std::string supported_arch_list();

}  // namespace hearth::model
