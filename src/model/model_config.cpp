// Hyper-parameters from "<arch>.*" metadata, checked before anything is sized from them:
// a hostile file must not make hearth allocate a huge KV cache or divide by zero.
#include "model/model_config.hpp"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "ops/moe_route.hpp"

namespace hearth::model {

namespace {

void read_rope_scaling(const gguf::File& file, const ConfigReader& r, ModelConfig& c) {
    const auto type = file.get_string_opt(r.key("rope.scaling.type"));
    if (!type || *type == "none") return;
    if (*type != "linear")
        throw Error(ErrorCode::unsupported, file.name() + ": rope scaling '" + std::string(*type) +
                                                "' is not supported (only none and linear)");
    c.rope_freq_scale = 1.0f / r.real("rope.scaling.factor", 1.0f, true);
}

void check_consistency(const gguf::File& file, const ConfigReader& r, ModelConfig& c) {
    if (c.n_head % c.n_head_kv != 0)
        r.fail(r.key("attention.head_count_kv"), fmt::format("= {} does not divide head_count {}", c.n_head_kv, c.n_head));
    if (c.head_dim % 2 != 0) r.fail(r.key("attention.key_length"), fmt::format("= {} must be even", c.head_dim));
    if (c.n_rot > c.head_dim || c.n_rot % 2 != 0)
        r.fail(r.key("rope.dimension_count"), fmt::format("= {} must be even and at most head_dim {}", c.n_rot, c.head_dim));
    if (const auto v = file.get_uint_opt(r.key("attention.value_length")); v && *v != c.head_dim)
        throw Error(ErrorCode::unsupported, fmt::format("{}: attention.value_length {} differs from key_length {} (not supported)",
                                                        file.name(), *v, c.head_dim));
    const gguf::TensorInfo* embd = file.find_tensor("token_embd.weight");
    if (!embd) throw Error(ErrorCode::invalid_file, file.name() + ": tensor 'token_embd.weight' is missing");
    if (embd->n_dims != 2 || embd->ne[0] != c.n_embd || embd->ne[1] == 0 || embd->ne[1] > (1u << 24))
        throw Error(ErrorCode::invalid_file, fmt::format("{}: tensor 'token_embd.weight' has shape [{}, {}], expected [{}, n_vocab]",
                                                         file.name(), embd->ne[0], embd->ne[1], c.n_embd));
    c.n_vocab = static_cast<size_t>(embd->ne[1]);
    if (const auto v = file.get_uint_opt(r.key("vocab_size")); v && *v != c.n_vocab)
        r.fail(r.key("vocab_size"), fmt::format("= {} disagrees with token_embd.weight rows {}", *v, c.n_vocab));
}

// Mixture-of-experts sizes (qwen3moe); absent keys are an error only for an MoE architecture.
void read_experts(const ConfigReader& r, ModelConfig& c) {
    c.n_expert = r.required("expert_count", ops::kMaxExperts);
    c.n_expert_used = r.required("expert_used_count", c.n_expert);
    // llama.cpp's fallback when the expert width is not given.
    c.n_ff_exp = r.optional("expert_feed_forward_length", c.n_ff / c.n_expert_used, kMaxDim);
    if (c.n_ff_exp == 0) r.fail(r.key("expert_feed_forward_length"), "is missing and feed_forward_length / expert_used_count is 0");
}

}  // namespace

ModelConfig read_model_config(const gguf::File& file) {
    ModelConfig c;
    c.arch = std::string(file.get_string("general.architecture"));
    const ArchSpec* spec = find_arch(c.arch);
    if (!spec)
        throw Error(ErrorCode::unsupported, file.name() + ": architecture '" + c.arch +
                                                "' is not supported (hearth runs: " + supported_arch_list() + ")");
    c.name = std::string(file.get_string_opt("general.name").value_or(""));
    const ConfigReader r(file, c.arch);
    c.n_ctx_train = r.required("context_length", 1u << 24);
    c.n_embd = r.required("embedding_length", kMaxDim);
    c.n_layer = r.required("block_count", kMaxLayers);
    c.n_ff = r.required("feed_forward_length", kMaxDim);
    c.n_head = r.required("attention.head_count", kMaxDim);
    c.n_head_kv = r.optional("attention.head_count_kv", c.n_head, kMaxDim);
    if (!file.find(r.key("attention.key_length")) && c.n_embd % c.n_head != 0)
        r.fail(r.key("embedding_length"), fmt::format("= {} is not a multiple of head_count {} and attention.key_length is absent",
                                                      c.n_embd, c.n_head));

    c.head_dim = r.optional("attention.key_length", c.n_embd / c.n_head, kMaxDim);
    c.n_rot = r.optional("rope.dimension_count", c.head_dim, kMaxDim);
    c.rope_style = spec->rope_style;
    c.rope_freq_base = r.real("rope.freq_base", 10000.0f, false);
    c.rms_eps = r.real(spec->encoder ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon", 1e-5f, true);
    c.encoder = spec->encoder;
    c.causal = file.get_bool_opt(r.key("attention.causal")).value_or(!spec->encoder);
    read_rope_scaling(file, r, c);
    if (spec->moe) read_experts(r, c);
    check_consistency(file, r, c);
    c.has_rope_freqs = file.find_tensor("rope_freqs.weight") != nullptr;
    c.tied_embeddings = file.find_tensor("output.weight") == nullptr;
    if (spec->read_config) spec->read_config(r, c);
    return c;
}

}  // namespace hearth::model
