// Hugging Face -> llama.cpp tensor names and layouts (see hf_tensors.hpp).
#include "convert/hf_tensors.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "convert/hf_metadata.hpp"
#include "hearth/error.hpp"
#include "kernels/kernels.hpp"

namespace hearth::convert {
namespace {

struct NameMap {
    std::string_view hf, gguf;  // suffix after "model.layers.N." and after "blk.N."
};

// Per-layer names shared by the architectures; post_attention_layernorm differs (below).
constexpr NameMap kLayerNames[] = {
    {"input_layernorm.weight", "attn_norm.weight"},     {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.k_proj.weight", "attn_k.weight"},       {"self_attn.v_proj.weight", "attn_v.weight"},
    {"self_attn.o_proj.weight", "attn_output.weight"},  {"self_attn.q_proj.bias", "attn_q.bias"},
    {"self_attn.k_proj.bias", "attn_k.bias"},           {"self_attn.v_proj.bias", "attn_v.bias"},
    {"self_attn.o_proj.bias", "attn_output.bias"},      {"self_attn.q_norm.weight", "attn_q_norm.weight"},
    {"self_attn.k_norm.weight", "attn_k_norm.weight"},  {"mlp.gate_proj.weight", "ffn_gate.weight"},
    {"mlp.up_proj.weight", "ffn_up.weight"},            {"mlp.down_proj.weight", "ffn_down.weight"},
    {"mlp.gate.weight", "ffn_gate_inp.weight"},
};
// Gemma 3 has a norm before and after each of attention and FFN.
constexpr NameMap kGemmaNorms[] = {
    {"post_attention_layernorm.weight", "post_attention_norm.weight"},
    {"pre_feedforward_layernorm.weight", "ffn_norm.weight"},
    {"post_feedforward_layernorm.weight", "post_ffw_norm.weight"},
};
constexpr NameMap kLlamaNorms[] = {{"post_attention_layernorm.weight", "ffn_norm.weight"}};
constexpr NameMap kGlobalNames[] = {
    {"model.embed_tokens.weight", "token_embd.weight"}, {"model.norm.weight", "output_norm.weight"}, {"lm_head.weight", "output.weight"}};

// Gemma 3's multimodal checkpoints hold the language model under language_model (older
// transformers: "language_model.model.*", newer: "model.language_model.*") beside the vision
// tower, which a text GGUF leaves out. nullopt: skip the tensor.
std::optional<std::string> text_model_name(const HfConfig& c, std::string name) {
    if (name.ends_with("rotary_emb.inv_freq")) return std::nullopt;  // recomputed from rope_theta
    if (c.arch != "gemma3") return name;
    for (std::string_view skip : {"vision_tower.", "multi_modal_projector.", "model.vision_tower.", "model.multi_modal_projector."})
        if (name.starts_with(skip)) return std::nullopt;
    if (const size_t at = name.find("language_model."); at != std::string::npos) name.erase(at, 15);
    return name;
}

std::optional<size_t> parse_index(std::string_view s, size_t& pos) {
    size_t v = 0;
    const auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), v);
    if (ec != std::errc() || end == s.data() + pos || *end != '.') return std::nullopt;
    pos = static_cast<size_t>(end - s.data()) + 1;
    return v;
}

// GGUF dims of a PyTorch shape: reversed (ne[0] is the fastest dimension).
std::vector<uint64_t> gguf_dims(const std::vector<uint64_t>& shape) {
    std::vector<uint64_t> ne(shape.rbegin(), shape.rend());
    if (ne.empty()) ne.push_back(1);
    return ne;
}

// Row `local` of a llama q/k projection as llama.cpp stores it, from the HF row order: HF keeps
// each head's rotated pairs as two halves (x[i], x[i + d/2]), llama.cpp's RoPE wants them
// interleaved (x[2i], x[2i + 1]).
size_t permuted_source_row(size_t local, size_t n_units, size_t n_heads) {
    const size_t d = n_units / n_heads;
    const size_t head = local / d, within = local % d;
    return head * d + (within % 2) * (d / 2) + within / 2;
}

}  // namespace

HfTensors::HfTensors(const Checkpoint& ckpt, const HfConfig& c, std::string name) : name_(std::move(name)) {
    std::map<std::pair<size_t, std::string>, std::vector<const StTensor*>> experts;  // (layer, proj) -> parts
    std::vector<std::pair<std::string, Recipe>> planned;
    for (const auto& [hf_name, t] : ckpt.tensors()) {
        const std::optional<std::string> n = text_model_name(c, hf_name);
        if (!n) continue;
        Recipe r{{t}};
        std::string gguf;
        for (const NameMap& m : kGlobalNames)
            if (*n == m.hf) gguf = m.gguf;
        size_t pos = 13;  // after "model.layers."
        const std::optional<size_t> layer = n->starts_with("model.layers.") ? parse_index(*n, pos) : std::nullopt;
        if (layer && *layer < c.n_layer) {
            const std::string_view rest = std::string_view(*n).substr(pos);
            const std::string blk = "blk." + std::to_string(*layer) + ".";
            for (const NameMap& m : kLayerNames)
                if (rest == m.hf) gguf = blk + std::string(m.gguf);
            for (const NameMap& m : (c.arch == "gemma3" ? std::span<const NameMap>(kGemmaNorms) : std::span<const NameMap>(kLlamaNorms)))
                if (rest == m.hf) gguf = blk + std::string(m.gguf);
            size_t epos = 12;  // after "mlp.experts."
            if (c.n_expert && rest.starts_with("mlp.experts.")) {
                const std::optional<size_t> e = parse_index(rest, epos);
                const std::string_view proj = rest.substr(epos);
                if (e && *e < c.n_expert && (proj == "gate_proj.weight" || proj == "up_proj.weight" || proj == "down_proj.weight")) {
                    std::vector<const StTensor*>& parts = experts[{*layer, std::string(proj.substr(0, proj.find('_')))}];
                    parts.resize(c.n_expert, nullptr);
                    parts[*e] = t;
                    continue;
                }
            }
        }
        if (gguf.empty())
            throw Error(ErrorCode::invalid_file, fmt::format("{}: tensor '{}' is not part of a {} model ({})", t->file, hf_name,
                                                             c.arch, c.hf_arch));
        if (c.arch == "llama" && (gguf.find(".attn_q.") != std::string::npos || gguf.find(".attn_k.") != std::string::npos))
            r.permute_heads = gguf.find(".attn_q.") != std::string::npos ? c.n_head : c.n_head_kv;
        if (c.arch == "gemma3" && gguf.ends_with("norm.weight")) r.shift = 1.0f;
        planned.emplace_back(std::move(gguf), std::move(r));
    }
    for (auto& [key, parts] : experts) {
        const auto& [layer, proj] = key;
        for (size_t e = 0; e < parts.size(); ++e)
            if (!parts[e])
                throw Error(ErrorCode::invalid_file, fmt::format("{}: expert {} of layer {} has no {}_proj.weight", name_, e, layer, proj));
        planned.emplace_back(fmt::format("blk.{}.ffn_{}_exps.weight", layer, proj), Recipe{parts});
    }
    recipes_.reserve(planned.size() + 1);  // add_generated's bytes view must not move
    if (std::vector<float> f = llama3_rope_factors(c); !f.empty()) add_generated("rope_freqs.weight", std::move(f));

    // llama.cpp's order: embeddings, then the blocks by number, then the output.
    auto rank = [](const std::string& n) {
        if (!n.starts_with("blk.")) return std::pair<size_t, std::string>(n.starts_with("output") ? SIZE_MAX : 0, n);
        size_t pos = 4;
        return std::pair<size_t, std::string>(1 + parse_index(n, pos).value_or(0), n);
    };
    std::sort(planned.begin(), planned.end(), [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
    for (auto& [n, r] : planned) add(std::move(n), std::move(r));
    check_complete(c);
}

void HfTensors::add_generated(std::string gguf_name, std::vector<float> values) {
    const std::span<const std::byte> bytes = std::as_bytes(std::span<const float>(values));
    tensors_.push_back({std::move(gguf_name), {values.size()}, GgmlType::f32, GgmlType::f32, {}, bytes.size(), true});
    recipes_.push_back({{}, 0, 0, std::move(values)});
    tensors_.back().bytes = std::as_bytes(std::span<const float>(recipes_.back().values));
}

void HfTensors::add(std::string gguf_name, Recipe r) {
    const StTensor& first = *r.parts[0];
    for (const StTensor* p : r.parts)
        if (p->shape != first.shape || p->type != first.type)
            throw Error(ErrorCode::invalid_file, fmt::format("{}: '{}' and '{}' must have the same shape and dtype to be stacked",
                                                             name_, first.name, p->name));
    std::vector<uint64_t> ne = gguf_dims(first.shape);
    if (r.parts.size() > 1) ne.push_back(r.parts.size());
    if (ne.size() > 3 || ne[0] == 0)
        throw Error(ErrorCode::invalid_file, fmt::format("{}: tensor '{}' has shape [{}], not a vector or matrix", first.file,
                                                         first.name, fmt::join(first.shape, ", ")));
    if (r.permute_heads) {
        const uint64_t units = ne.size() == 1 ? ne[0] : ne[1];
        if (units % (2 * r.permute_heads) != 0)
            throw Error(ErrorCode::invalid_file, fmt::format("{}: tensor '{}' has {} rows, not {} heads of an even size", first.file,
                                                             first.name, units, r.permute_heads));
    }
    // Vectors and the MoE router stay F32 whatever the checkpoint's dtype (llama.cpp's converter
    // and graph want them so); matrices keep theirs unless the recipe says otherwise.
    const bool f32 = ne.size() == 1 || gguf_name.ends_with("ffn_gate_inp.weight");
    const GgmlType keep = f32 ? GgmlType::f32 : first.type;
    const bool as_stored = r.parts.size() == 1 && !r.permute_heads && r.shift == 0 && keep == first.type;
    uint64_t bytes_in = 0;
    for (const StTensor* p : r.parts) bytes_in += p->data.size();
    tensors_.push_back({std::move(gguf_name), std::move(ne), first.type, keep, as_stored ? first.data : std::span<const std::byte>{},
                        bytes_in, true});
    recipes_.push_back(std::move(r));
}

void HfTensors::check_complete(const HfConfig& c) const {
    auto has = [&](const std::string& n) {
        return std::any_of(tensors_.begin(), tensors_.end(), [&](const quant::SourceTensor& t) { return t.name == n; });
    };
    std::vector<std::string> required = {"token_embd.weight", "output_norm.weight"};
    for (size_t il = 0; il < c.n_layer; ++il)
        for (const char* s : {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output"})
            required.push_back(fmt::format("blk.{}.{}.weight", il, s));
    for (const std::string& n : required)
        if (!has(n))
            throw Error(ErrorCode::invalid_file, fmt::format("{}: the checkpoint has no tensor for '{}' ({} has {} layers)", name_, n,
                                                             c.hf_arch, c.n_layer));
}

void HfTensors::read_rows(size_t i, size_t r0, size_t r1, float* out) const {
    const quant::SourceTensor& t = tensors_[i];
    const Recipe& r = recipes_[i];
    const size_t n_cols = static_cast<size_t>(t.ne[0]);
    if (!r.values.empty()) {
        std::copy(r.values.begin() + r0 * n_cols, r.values.begin() + r1 * n_cols, out);
        return;
    }
    const StTensor& first = *r.parts[0];
    const kernels::TypeKernels* k = kernels::type_kernels(first.type);
    const size_t elem = ggml_type_info(first.type).block_bytes;
    if (t.ne.size() == 1) {
        // A vector is one row; a permuted one (llama's q/k bias) is reordered element by element.
        for (size_t e = 0; e < n_cols; ++e) {
            const size_t src = r.permute_heads ? permuted_source_row(e, n_cols, r.permute_heads) : e;
            k->dequantize_row(first.data.data() + src * elem, out + e, 1);
        }
    } else {
        const size_t rows_per_part = static_cast<size_t>(t.ne[1]);
        for (size_t row = r0; row < r1; ++row) {
            const StTensor& part = *r.parts[row / rows_per_part];
            size_t local = row % rows_per_part;
            if (r.permute_heads) local = permuted_source_row(local, rows_per_part, r.permute_heads);
            k->dequantize_row(part.data.data() + local * n_cols * elem, out + (row - r0) * n_cols, n_cols);
        }
    }
    if (r.shift != 0)
        for (float* p = out; p < out + (r1 - r0) * n_cols; ++p) *p += r.shift;
}

}  // namespace hearth::convert
