// Tensor type selection for quantization recipes (see mix.hpp).
#include "quantize/mix.hpp"

#include <cctype>
#include <string>

#include "hearth/error.hpp"
#include "quantize/quantize.hpp"

namespace hearth::quant {
namespace {

// llama.cpp's rule for which layers get more bits in the K-quant medium mixes.
bool use_more_bits(size_t layer, size_t n_layer) {
    return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// Rows must be whole blocks: K-quants fall back to the legacy type llama.cpp uses, and a row
// that is not even a multiple of 32 is stored as F16.
GgmlType fit_row(GgmlType t, size_t n_cols) {
    while (!ggml_row_bytes(t, n_cols)) {
        switch (t) {
            case GgmlType::q4_k: t = GgmlType::q5_0; break;
            case GgmlType::q5_k: t = GgmlType::q5_1; break;
            case GgmlType::q6_k: t = GgmlType::q8_0; break;
            default: return GgmlType::f16;
        }
    }
    return t;
}

// "blk.12.ffn_down.weight" -> 12; nullopt for tensors outside the blocks.
std::optional<size_t> layer_of(std::string_view name) {
    if (!name.starts_with("blk.")) return std::nullopt;
    size_t i = 4, layer = 0;
    if (i >= name.size() || !std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
    for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i) layer = layer * 10 + size_t(name[i] - '0');
    return layer;
}

}  // namespace

Recipe parse_recipe(std::string_view name) {
    std::string n(name);
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == "q4_k_m") return {GgmlType::q4_k, true};
    if (n == "q5_k_m") return {GgmlType::q5_k, true};
    if (n == "q4_k_s") n = "q4_k";
    if (n == "q5_k_s") n = "q5_k";
    auto t = ggml_type_from_name(n);
    if (!t || !can_quantize(*t))
        throw Error(ErrorCode::invalid_argument, "unsupported weight type '" + std::string(name) +
                                                     "' (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_s, q4_k_m, "
                                                     "q5_k_s, q5_k_m, q6_k)");
    return {*t, false};
}

uint32_t file_type_id(const Recipe& r) noexcept {
    // The recipe's llama.cpp name: *_K_M for the mixes, *_K_S for a plain K-quant, else the type.
    std::string name(ggml_type_name(r.type));
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (r.type == GgmlType::q4_k || r.type == GgmlType::q5_k) name += r.k_medium_mix ? "_M" : "_S";
    return hearth::file_type_id(name).value_or(0);
}

std::optional<GgmlType> choose_type(const Recipe& r, const TensorRole& t) {
    // 1-D tensors, and the MoE router (llama.cpp never quantizes ffn_gate_inp), stay as they are.
    if (t.n_dims < 2 || t.name.ends_with(".ffn_gate_inp.weight")) return std::nullopt;
    GgmlType type = r.type;
    if (r.k_medium_mix) {
        const bool is_output = t.name == "output.weight" || (t.tied_embeddings && t.name == "token_embd.weight");
        const auto layer = layer_of(t.name);
        const bool more_bits_here = layer && use_more_bits(*layer, t.n_layer) &&
                                    (t.name.ends_with(".attn_v.weight") || t.name.ends_with(".ffn_down.weight") ||
                                     t.name.ends_with(".ffn_down_exps.weight"));
        if (is_output || more_bits_here) type = GgmlType::q6_k;
    }
    return fit_row(type, t.n_cols);
}

}  // namespace hearth::quant
