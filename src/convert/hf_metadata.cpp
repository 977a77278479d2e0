// Key by key what convert_hf_to_gguf.py writes for the architectures hearth converts, so the
// file reads the same to llama.cpp as its own conversion would.
#include "convert/hf_metadata.hpp"

#include <cmath>
#include <numbers>

#include "hearth/error.hpp"

namespace hearth::convert {
namespace {

// rope_scaling's type ("rope_type" in newer configs, "type" in older ones); "" when absent.
std::string rope_scaling_type(const HfConfig& c) {
    const auto it = c.params.find("rope_scaling");
    if (it == c.params.end() || it->is_null()) return "";
    if (!it->is_object()) throw Error(ErrorCode::invalid_file, "config.json: 'rope_scaling' is not an object");
    const std::string type = it->value("rope_type", it->value("type", std::string("default")));
    return type == "default" ? "" : type;
}

double rope_scaling_value(const HfConfig& c, const char* key, double fallback) {
    const nlohmann::json& s = c.params["rope_scaling"];
    const auto it = s.find(key);
    if (it == s.end() || it->is_null()) return fallback;
    if (!it->is_number() || !(it->get<double>() > 0))
        throw Error(ErrorCode::invalid_file, std::string("config.json: rope_scaling.") + key + " must be a positive number");
    return it->get<double>();
}

void add_rope_scaling(const HfConfig& c, gguf::Writer& w) {
    const std::string type = rope_scaling_type(c);
    if (type.empty() || (type == "llama3" && c.arch == "llama")) return;  // llama3: the rope_freqs tensor instead
    if (type != "linear")
        throw Error(ErrorCode::unsupported, "config.json: rope_scaling '" + type + "' is not supported for " + c.arch +
                                                " (hearth runs linear" + (c.arch == "llama" ? " and llama3)" : ")"));
    w.add_string(c.arch + ".rope.scaling.type", "linear");
    w.add_f32(c.arch + ".rope.scaling.factor", static_cast<float>(rope_scaling_value(c, "factor", 1.0)));
}

void add_gemma3(const HfConfig& c, gguf::Writer& w) {
    const std::string& a = c.arch;
    w.add_u32(a + ".context_length", static_cast<uint32_t>(config_count(c, "max_position_embeddings", 131072)));
    w.add_u32(a + ".embedding_length", static_cast<uint32_t>(c.n_embd));
    w.add_u32(a + ".block_count", static_cast<uint32_t>(c.n_layer));
    w.add_u32(a + ".feed_forward_length", static_cast<uint32_t>(c.n_ff));
    w.add_u32(a + ".attention.head_count", static_cast<uint32_t>(c.n_head));
    w.add_f32(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(config_real(c, "rms_norm_eps", 1e-6)));
    w.add_u32(a + ".attention.key_length", static_cast<uint32_t>(c.head_dim));
    w.add_u32(a + ".attention.value_length", static_cast<uint32_t>(c.head_dim));
    w.add_f32(a + ".rope.freq_base", static_cast<float>(config_real(c, "rope_theta", 1e6)));  // the global layers'
    w.add_u32(a + ".attention.sliding_window", static_cast<uint32_t>(config_count(c, "sliding_window", 4096)));
    w.add_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(c.n_head_kv));
    add_rope_scaling(c, w);
}

// convert_hf_to_gguf's TextModel keys, plus what its llama and MoE subclasses add.
void add_text_model(const HfConfig& c, gguf::Writer& w) {
    const std::string& a = c.arch;
    w.add_u32(a + ".block_count", static_cast<uint32_t>(c.n_layer));
    w.add_u32(a + ".context_length", static_cast<uint32_t>(config_count(c, "max_position_embeddings")));
    w.add_u32(a + ".embedding_length", static_cast<uint32_t>(c.n_embd));
    w.add_u32(a + ".feed_forward_length", static_cast<uint32_t>(c.n_ff));
    w.add_u32(a + ".attention.head_count", static_cast<uint32_t>(c.n_head));
    w.add_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(c.n_head_kv));
    if (c.params.contains("rope_theta")) w.add_f32(a + ".rope.freq_base", static_cast<float>(config_real(c, "rope_theta", 1e4)));
    if (c.params.contains("rms_norm_eps"))
        w.add_f32(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(config_real(c, "rms_norm_eps", 1e-6)));
    if (c.n_expert) {
        w.add_u32(a + ".expert_count", static_cast<uint32_t>(c.n_expert));
        w.add_u32(a + ".expert_used_count", static_cast<uint32_t>(c.n_expert_used));
        w.add_u32(a + ".expert_feed_forward_length", static_cast<uint32_t>(c.n_ff_exp));
    }
    if (c.has_head_dim_key) {
        w.add_u32(a + ".attention.key_length", static_cast<uint32_t>(c.head_dim));
        w.add_u32(a + ".attention.value_length", static_cast<uint32_t>(c.head_dim));
    }
    if (a == "llama") {
        w.add_u32(a + ".vocab_size", static_cast<uint32_t>(config_count(c, "vocab_size")));
        w.add_u32(a + ".rope.dimension_count", static_cast<uint32_t>(c.head_dim));
    }
    add_rope_scaling(c, w);
}

}  // namespace

void add_hf_metadata(const HfConfig& c, const std::string& model_name, gguf::Writer& w) {
    w.add_string("general.architecture", c.arch);
    w.add_string("general.type", "model");
    w.add_string("general.name", model_name);
    if (c.arch == "gemma3")
        add_gemma3(c, w);
    else
        add_text_model(c, w);
}

std::vector<float> llama3_rope_factors(const HfConfig& c) {
    if (c.arch != "llama" || rope_scaling_type(c) != "llama3") return {};
    // As convert_hf_to_gguf.py computes them (float32, like its torch tensors): wavelengths shorter
    // than the original context / high_freq_factor keep their frequency, longer than
    // context / low_freq_factor are divided by factor, and those between are blended smoothly.
    const float base = static_cast<float>(config_real(c, "rope_theta", 1e4));
    const float factor = static_cast<float>(rope_scaling_value(c, "factor", 8.0));
    const float low = static_cast<float>(rope_scaling_value(c, "low_freq_factor", 1.0));
    const float high = static_cast<float>(rope_scaling_value(c, "high_freq_factor", 4.0));
    const float old_ctx = static_cast<float>(rope_scaling_value(c, "original_max_position_embeddings", 8192));
    if (!(high > low)) throw Error(ErrorCode::invalid_file, "config.json: rope_scaling.high_freq_factor must exceed low_freq_factor");
    const float low_wavelen = old_ctx / low, high_wavelen = old_ctx / high;
    const size_t dim = c.head_dim;
    std::vector<float> factors;
    for (size_t i = 0; i < dim; i += 2) {
        const float freq = 1.0f / std::pow(base, static_cast<float>(i) / static_cast<float>(dim));
        const float wavelen = 2.0f * std::numbers::pi_v<float> / freq;
        if (wavelen < high_wavelen) {
            factors.push_back(1.0f);
        } else if (wavelen > low_wavelen) {
            factors.push_back(factor);
        } else {
            const float smooth = (old_ctx / wavelen - low) / (high - low);
            factors.push_back(1.0f / ((1.0f - smooth) / factor + smooth));
        }
    }
    return factors;
}

}  // namespace hearth::convert
