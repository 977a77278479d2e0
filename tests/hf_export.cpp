// See hf_export.hpp. Names follow transformers' modeling_llama / qwen3 / qwen3_moe / gemma3.
#include "hf_export.hpp"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hf_dir_support.hpp"
#include "hf_test_model.hpp"
#include "kernels/kernels.hpp"

namespace hearth::test {
namespace {

using json = nlohmann::json;

struct Names {
    std::string_view gguf, hf;
};

constexpr Names kClasses[] = {
    {"llama", "LlamaForCausalLM"}, {"qwen3", "Qwen3ForCausalLM"}, {"qwen3moe", "Qwen3MoeForCausalLM"}, {"gemma3", "Gemma3ForCausalLM"}};

// Per-layer tensor stems, "blk.N." and the .weight/.bias suffix removed.
constexpr Names kLayer[] = {
    {"attn_norm", "input_layernorm"},         {"attn_q", "self_attn.q_proj"},       {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},           {"attn_output", "self_attn.o_proj"},  {"attn_q_norm", "self_attn.q_norm"},
    {"attn_k_norm", "self_attn.k_norm"},      {"ffn_gate", "mlp.gate_proj"},        {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},            {"ffn_gate_inp", "mlp.gate"},
};
// Gemma 3 norms around both attention and FFN; the others have one norm before the FFN.
constexpr Names kGemmaNorms[] = {
    {"post_attention_norm", "post_attention_layernorm"}, {"ffn_norm", "pre_feedforward_layernorm"}, {"post_ffw_norm", "post_feedforward_layernorm"}};
constexpr Names kOtherNorms[] = {{"ffn_norm", "post_attention_layernorm"}};
constexpr Names kGlobal[] = {{"token_embd", "model.embed_tokens"}, {"output_norm", "model.norm"}, {"output", "lm_head"}};

std::string_view lookup(std::span<const Names> table, std::string_view gguf) {
    for (const Names& n : table)
        if (n.gguf == gguf) return n.hf;
    return {};
}

// The transformers name of a GGUF tensor name ("" when unknown).
std::string hf_name(const std::string& arch, std::string_view name) {
    const size_t dot = name.rfind('.');
    const std::string_view stem = name.substr(0, dot), suffix = name.substr(dot);  // ".weight" / ".bias"
    if (!stem.starts_with("blk.")) {
        const std::string_view hf = lookup(kGlobal, stem);
        return hf.empty() ? "" : std::string(hf) + std::string(suffix);
    }
    const size_t end = stem.find('.', 4);
    const std::string layer(stem.substr(4, end - 4));
    const std::string_view rest = stem.substr(end + 1);
    std::string_view hf = lookup(kLayer, rest);
    if (hf.empty()) hf = arch == "gemma3" ? lookup(kGemmaNorms, rest) : lookup(kOtherNorms, rest);
    return hf.empty() ? "" : "model.layers." + layer + "." + std::string(hf) + std::string(suffix);
}

// llama.cpp's converter permutes llama's q/k rows per head: the rows of a head, viewed as
// (2, head_dim/2), are transposed to (head_dim/2, 2), so HF row j*(d/2) + i becomes GGUF row
// 2i + j. Undo it: HF row r takes GGUF row 2*(r % (d/2)) + r / (d/2) of the same head.
std::vector<float> unpermute_rows(const std::vector<float>& gguf_rows, size_t n_cols, size_t n_heads) {
    const size_t n_rows = gguf_rows.size() / n_cols, d = n_rows / n_heads, half = d / 2;
    std::vector<float> out(gguf_rows.size());
    for (size_t r = 0; r < n_rows; ++r) {
        const size_t head = r / d, w = r % d;
        const size_t src = head * d + 2 * (w % half) + w / half;
        std::copy_n(gguf_rows.begin() + src * n_cols, n_cols, out.begin() + r * n_cols);
    }
    return out;
}

}  // namespace

std::vector<float> tensor_values(const gguf::TensorInfo& t) {
    std::vector<float> v(t.n_elements);
    kernels::type_kernels(t.type)->dequantize_row(t.data, v.data(), v.size());
    return v;
}

json hf_config_of(const gguf::File& f) {
    const std::string arch(f.get_string("general.architecture"));
    const std::string_view cls = lookup(kClasses, arch);
    if (cls.empty()) throw std::runtime_error("export_gguf_as_hf: no transformers class for architecture " + arch);
    auto u = [&](const char* key) { return f.get_uint(arch + "." + key); };
    auto u_or = [&](const char* key, uint64_t fallback) { return f.get_uint_opt(arch + "." + key).value_or(fallback); };
    const uint64_t n_embd = u("embedding_length"), n_head = u("attention.head_count");
    json c = {{"architectures", {cls}},
              {"model_type", arch == "qwen3moe" ? "qwen3_moe" : arch == "gemma3" ? "gemma3_text" : arch},
              {"hidden_size", n_embd},
              {"num_hidden_layers", u("block_count")},
              {"num_attention_heads", n_head},
              {"num_key_value_heads", u_or("attention.head_count_kv", n_head)},
              {"head_dim", u_or("attention.key_length", n_embd / n_head)},
              {"max_position_embeddings", u("context_length")},
              {"rms_norm_eps", f.get_float(arch + ".attention.layer_norm_rms_epsilon")},
              {"rope_theta", f.get_float(arch + ".rope.freq_base")},
              {"tie_word_embeddings", f.find_tensor("output.weight") == nullptr},
              {"torch_dtype", "float32"}};
    if (arch == "qwen3moe") {
        c["num_experts"] = u("expert_count");
        c["num_experts_per_tok"] = u("expert_used_count");
        c["moe_intermediate_size"] = u("expert_feed_forward_length");
        c["intermediate_size"] = u_or("feed_forward_length", u("expert_feed_forward_length"));
    } else {
        c["intermediate_size"] = u("feed_forward_length");
    }
    if (arch == "gemma3") c["sliding_window"] = u("attention.sliding_window");
    c.update(hf_tokenizer_config_fields(f));
    return c;
}

void export_gguf_as_hf(const gguf::File& f, const std::filesystem::path& dir, size_t n_shards) {
    const json config = hf_config_of(f);
    const std::string arch(f.get_string("general.architecture"));
    HfTensors tensors;
    for (const gguf::TensorInfo& t : f.tensors()) {
        std::vector<float> v = tensor_values(t);
        const std::string name(t.name);
        if (name.ends_with("_exps.weight")) {  // [n_expert][rows][cols] -> one tensor per expert
            const std::string base = hf_name(arch, name.substr(0, name.size() - 12) + ".weight");  // mlp.{gate,up,down}_proj
            const size_t cut = base.find("mlp.");
            if (base.empty() || cut == std::string::npos) throw std::runtime_error("export_gguf_as_hf: cannot name " + name);
            const size_t per = static_cast<size_t>(t.ne[0] * t.ne[1]);
            for (uint64_t e = 0; e < t.ne[2]; ++e)
                tensors[base.substr(0, cut + 4) + "experts." + std::to_string(e) + "." + base.substr(cut + 4)] =
                    HfTensor{"F32", {t.ne[1], t.ne[0]}, std::vector<float>(v.begin() + e * per, v.begin() + (e + 1) * per)};
            continue;
        }
        const std::string hf = hf_name(arch, name);
        if (hf.empty()) throw std::runtime_error("export_gguf_as_hf: no transformers name for " + name);
        if (arch == "llama" && (hf.ends_with("q_proj.weight") || hf.ends_with("k_proj.weight")))
            v = unpermute_rows(v, static_cast<size_t>(t.ne[0]),
                               config[hf.ends_with("q_proj.weight") ? "num_attention_heads" : "num_key_value_heads"].get<size_t>());
        if (arch == "gemma3" && name.ends_with("norm.weight"))
            for (float& x : v) x -= 1.0f;  // Gemma's RMSNorm multiplies by (1 + weight); llama.cpp stores 1 + weight
        std::vector<uint64_t> shape(t.ne.begin(), t.ne.begin() + t.n_dims);
        std::reverse(shape.begin(), shape.end());  // PyTorch lists the slowest dimension first
        tensors[hf] = HfTensor{"F32", std::move(shape), std::move(v)};
    }
    write_hf_model(dir, config, tensors, n_shards);
    write_hf_tokenizer(f, dir);
}

}  // namespace hearth::test
