// Recipes and per-tensor type selection (see mix.hpp and hearth/quantize.hpp). The K-quant rules
// are llama.cpp's (llama-quant.cpp), restricted to the architectures hearth runs: which tensors
// get more bits, and the fallback when a row is not a whole number of blocks.
#include "quantize/mix.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>

#include "hearth/error.hpp"
#include "quantize/quantize.hpp"

namespace hearth::quant {
namespace {

struct RecipeDef {
    std::string_view name;
    GgmlType type;
};

constexpr RecipeDef kRecipes[] = {
    {"F32", GgmlType::f32},     {"F16", GgmlType::f16},       {"BF16", GgmlType::bf16},     {"Q8_0", GgmlType::q8_0},
    {"Q4_0", GgmlType::q4_0},   {"Q4_1", GgmlType::q4_1},     {"Q5_0", GgmlType::q5_0},     {"Q5_1", GgmlType::q5_1},
    {"Q2_K", GgmlType::q2_k},   {"Q3_K_S", GgmlType::q3_k},   {"Q3_K_M", GgmlType::q3_k},   {"Q3_K_L", GgmlType::q3_k},
    {"Q4_K_S", GgmlType::q4_k}, {"Q4_K_M", GgmlType::q4_k},   {"Q5_K_S", GgmlType::q5_k},   {"Q5_K_M", GgmlType::q5_k},
    {"Q6_K", GgmlType::q6_k},
};

// llama-quantize's short names for the medium mixes.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {{"Q3_K", "Q3_K_M"}, {"Q4_K", "Q4_K_M"}, {"Q5_K", "Q5_K_M"}};

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool is_k_quant(GgmlType t) {
    return t == GgmlType::q2_k || t == GgmlType::q3_k || t == GgmlType::q4_k || t == GgmlType::q5_k || t == GgmlType::q6_k;
}

// llama.cpp's rule for which layers get more bits in the K-quant medium mixes: the first and last
// eighth, and every third layer between.
bool use_more_bits(size_t layer, size_t n_layer) {
    return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// Rows must be whole blocks: K-quants fall back to the legacy type llama.cpp uses, and a row
// that is not even a multiple of 32 is stored as F16.
GgmlType fit_row(GgmlType t, size_t n_cols) {
    while (!ggml_row_bytes(t, n_cols)) {
        switch (t) {
            case GgmlType::q2_k: case GgmlType::q3_k: t = GgmlType::q4_0; break;
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

// The K-quant recipes' choice for one matrix, before the row-length fallback.
GgmlType k_quant_type(const Recipe& r, const TensorRole& t) {
    const bool is_output = t.name == "output.weight" || (t.tied_embeddings && t.name == "token_embd.weight");
    if (is_output) return ggml_row_bytes(r.type, t.n_cols) ? GgmlType::q6_k : GgmlType::q8_0;
    const size_t i = layer_of(t.name).value_or(0), n = t.n_layer;
    const bool eight_experts = t.n_expert == 8;  // Mixtral-style: llama.cpp spends more on attention
    const std::string_view f = r.name;  // the file type's name decides, as in llama.cpp
    auto one_of = [&](std::initializer_list<std::string_view> names) {
        return std::find(names.begin(), names.end(), f) != names.end();
    };
    GgmlType type = r.type;
    if (t.name.ends_with(".attn_v.weight")) {
        if (f == "Q2_K") type = t.n_gqa >= 4 ? GgmlType::q4_k : GgmlType::q3_k;
        else if (f == "Q3_K_M") type = i < 2 ? GgmlType::q5_k : GgmlType::q4_k;
        else if (f == "Q3_K_L") type = GgmlType::q5_k;
        else if (one_of({"Q4_K_M", "Q5_K_M"}) && use_more_bits(i, n)) type = GgmlType::q6_k;
        else if (f == "Q4_K_S" && i < 4) type = GgmlType::q5_k;
        if (eight_experts) type = GgmlType::q8_0;
    } else if (t.name.ends_with(".attn_k.weight")) {
        if (eight_experts) type = GgmlType::q8_0;
    } else if (t.name.find(".ffn_down") != std::string_view::npos) {  // dense, experts and shared expert
        if (f == "Q2_K") type = GgmlType::q3_k;
        else if (f == "Q3_K_M") type = i < n / 16 ? GgmlType::q5_k : GgmlType::q4_k;
        else if (f == "Q3_K_L") type = GgmlType::q5_k;
        else if (one_of({"Q4_K_M", "Q5_K_M"}) && use_more_bits(i, n)) type = GgmlType::q6_k;
        else if (f == "Q4_K_S" && i < n / 8) type = GgmlType::q5_k;
    } else if (t.name.ends_with(".attn_output.weight")) {
        if (eight_experts) {
            if (one_of({"Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M"})) type = GgmlType::q5_k;
        } else if (f == "Q2_K") {
            type = GgmlType::q3_k;
        } else if (f == "Q3_K_M") {
            type = GgmlType::q4_k;
        } else if (f == "Q3_K_L") {
            type = GgmlType::q5_k;
        }
    }
    return type;
}

}  // namespace

Recipe parse_recipe(std::string_view name) {
    std::string n = upper(name);
    for (const auto& [alias, full] : kAliases)
        if (n == alias) n = full;
    for (const RecipeDef& d : kRecipes)
        if (n == d.name) return {std::string(d.name), d.type};
    throw Error(ErrorCode::invalid_argument,
                "unsupported weight type '" + std::string(name) + "' (" + std::string(recipe_names()) + ")");
}

std::string_view recipe_names() noexcept {
    static const std::string names = [] {
        std::string s;
        for (const RecipeDef& d : kRecipes) {
            if (!s.empty()) s += ' ';
            for (char c : d.name) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        return s;
    }();
    return names;
}

uint32_t file_type_id(const Recipe& r) noexcept { return hearth::file_type_id(r.name).value_or(0); }

std::optional<TypeChoice> choose_type(const Recipe& r, const TensorRole& t) {
    // 1-D tensors, and the MoE router (llama.cpp never quantizes ffn_gate_inp), stay as they are.
    if (t.n_dims < 2 || t.name.ends_with(".ffn_gate_inp.weight")) return std::nullopt;
    const GgmlType wanted = is_k_quant(r.type) ? k_quant_type(r, t) : r.type;
    return TypeChoice{wanted, fit_row(wanted, t.n_cols)};
}

}  // namespace hearth::quant
