// Random-weight model writer (see hearth/synth.hpp): shapes of real models, weights drawn from
// N(0, 1/fan_in) like an initialised network, quantized with the same quantizers as `hearth quantize`.
#include "hearth/synth.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "hearth/error.hpp"
#include "hearth/gguf_writer.hpp"
#include "quantize/mix.hpp"
#include "quantize/quantize.hpp"
#include "runtime/thread_pool.hpp"
#include "synth/synth_vocab.hpp"

namespace hearth::synth {
namespace {

// name, like, dims ... (published configs of the models they mirror)
constexpr std::array<Shape, 14> kShapes{{
    {"llama", "tiny", "a test-sized llama", 64, 2, 4, 2, 16, 128, 512, 512, 10000.0f, false},
    {"llama", "1b", "Llama-3.2-1B", 2048, 16, 32, 8, 64, 8192, 128256, 131072, 500000.0f, true},
    {"llama", "3b", "Llama-3.2-3B", 3072, 28, 24, 8, 128, 8192, 128256, 131072, 500000.0f, true},
    {"llama", "8b", "Llama-3.1-8B", 4096, 32, 32, 8, 128, 14336, 128256, 131072, 500000.0f, false},
    {"qwen2", "tiny", "a test-sized qwen2", 64, 2, 4, 2, 16, 128, 512, 512, 1000000.0f, true},
    {"qwen2", "0.5b", "Qwen2.5-0.5B", 896, 24, 14, 2, 64, 4864, 151936, 32768, 1000000.0f, true},
    {"qwen2", "1.5b", "Qwen2.5-1.5B", 1536, 28, 12, 2, 128, 8960, 151936, 32768, 1000000.0f, true},
    {"qwen3", "tiny", "a test-sized qwen3", 64, 2, 4, 2, 32, 128, 512, 512, 1000000.0f, true},
    {"qwen3", "0.6b", "Qwen3-0.6B", 1024, 28, 16, 8, 128, 3072, 151936, 40960, 1000000.0f, true},
    {"qwen3moe", "tiny", "a test-sized qwen3moe", 256, 2, 4, 2, 64, 512, 512, 512, 1000000.0f, true, 8, 2, 256},
    {"qwen3moe", "30b-a3b", "Qwen3-30B-A3B", 2048, 48, 32, 4, 128, 6144, 151936, 40960, 1000000.0f, false, 128, 8, 768},
    {"gemma3", "tiny", "a test-sized gemma3", 64, 6, 2, 1, 32, 192, 512, 512, 1000000.0f, true, 0, 0, 0, 16, 8.0f},
    {"gemma3", "12b", "Gemma-3-12B", 3840, 48, 16, 8, 256, 15360, 262144, 131072, 1000000.0f, true, 0, 0, 0, 1024, 8.0f},
    {"bert", "tiny", "a test-sized bert (all-MiniLM layout)", 64, 2, 4, 4, 16, 256, 512, 512, 0.0f, true},
}};

// Token types a BERT file has rows for (sentence A and B).
constexpr uint64_t kBertTokenTypes = 2;

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Approximately N(0, 1): the sum of four uniforms (Irwin-Hall), rescaled. Cheap, and the tails
// do not matter for a benchmark model.
float gaussian(uint64_t& state) {
    uint64_t r = splitmix64(state);
    float s = 0;
    for (int i = 0; i < 4; ++i, r >>= 16) s += static_cast<float>(r & 0xFFFF) * (1.0f / 65536.0f);
    return (s - 2.0f) * 1.7320508f;  // variance of the sum is 4/12
}

struct TensorPlan {
    std::string name;
    std::vector<uint64_t> ne;
    GgmlType type;
    enum class Init { matrix, embedding, ones, bias } init;
};

std::vector<TensorPlan> plan_tensors(const Shape& s, const quant::Recipe& recipe) {
    using Init = TensorPlan::Init;
    std::vector<TensorPlan> plan;
    const uint64_t q_dim = s.n_head * s.head_dim, kv_dim = s.n_head_kv * s.head_dim;
    auto matrix = [&](std::string name, uint64_t cols, uint64_t rows, Init init = Init::matrix) {
        const quant::TensorRole role{name, 2, cols, s.n_layer, s.tied_embeddings, s.n_head / s.n_head_kv, s.n_expert};
        const auto choice = quant::choose_type(recipe, role);  // nullopt: kept in f32 (the MoE router)
        plan.push_back({name, {cols, rows}, choice ? choice->type : GgmlType::f32, init});
    };
    // n_expert matrices of [rows, cols] in one 3-D tensor.
    auto experts = [&](std::string name, uint64_t cols, uint64_t rows) {
        const quant::TensorRole role{name, 3, cols, s.n_layer, s.tied_embeddings, s.n_head / s.n_head_kv, s.n_expert};
        plan.push_back({name, {cols, rows, s.n_expert}, quant::choose_type(recipe, role)->type, Init::matrix});
    };
    auto vector = [&](std::string name, uint64_t n, Init init) { plan.push_back({std::move(name), {n}, GgmlType::f32, init}); };
    matrix("token_embd.weight", s.n_embd, s.n_vocab, Init::embedding);
    if (s.arch == "bert") {
        // llama.cpp adds these rows to activations with ggml_add, which needs them in f32.
        plan.push_back({"token_types.weight", {s.n_embd, kBertTokenTypes}, GgmlType::f32, Init::embedding});
        plan.push_back({"position_embd.weight", {s.n_embd, s.n_ctx}, GgmlType::f32, Init::embedding});
        auto norm = [&](const std::string& name) {
            vector(name + ".weight", s.n_embd, Init::ones);
            vector(name + ".bias", s.n_embd, Init::bias);
        };
        norm("token_embd_norm");
        for (size_t i = 0; i < s.n_layer; ++i) {
            const std::string p = "blk." + std::to_string(i) + ".";
            for (const char* m : {"attn_q", "attn_k", "attn_v"}) {
                matrix(p + m + ".weight", s.n_embd, q_dim);
                vector(p + m + ".bias", q_dim, Init::bias);
            }
            matrix(p + "attn_output.weight", q_dim, s.n_embd);
            vector(p + "attn_output.bias", s.n_embd, Init::bias);
            norm(p + "attn_output_norm");
            matrix(p + "ffn_up.weight", s.n_embd, s.n_ff);
            vector(p + "ffn_up.bias", s.n_ff, Init::bias);
            matrix(p + "ffn_down.weight", s.n_ff, s.n_embd);
            vector(p + "ffn_down.bias", s.n_embd, Init::bias);
            norm(p + "layer_output_norm");
        }
        return plan;
    }
    for (size_t i = 0; i < s.n_layer; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        vector(p + "attn_norm.weight", s.n_embd, Init::ones);
        matrix(p + "attn_q.weight", s.n_embd, q_dim);
        matrix(p + "attn_k.weight", s.n_embd, kv_dim);
        matrix(p + "attn_v.weight", s.n_embd, kv_dim);
        if (s.arch == "qwen2") {
            vector(p + "attn_q.bias", q_dim, Init::bias);
            vector(p + "attn_k.bias", kv_dim, Init::bias);
            vector(p + "attn_v.bias", kv_dim, Init::bias);
        }
        if (s.arch == "qwen3" || s.arch == "qwen3moe" || s.arch == "gemma3") {
            vector(p + "attn_q_norm.weight", s.head_dim, Init::ones);
            vector(p + "attn_k_norm.weight", s.head_dim, Init::ones);
        }
        matrix(p + "attn_output.weight", q_dim, s.n_embd);
        if (s.arch == "gemma3") vector(p + "post_attention_norm.weight", s.n_embd, Init::ones);
        vector(p + "ffn_norm.weight", s.n_embd, Init::ones);
        if (s.n_expert != 0) {
            matrix(p + "ffn_gate_inp.weight", s.n_embd, s.n_expert);  // stays f32, as llama.cpp keeps the router
            experts(p + "ffn_gate_exps.weight", s.n_embd, s.n_ff_exp);
            experts(p + "ffn_up_exps.weight", s.n_embd, s.n_ff_exp);
            experts(p + "ffn_down_exps.weight", s.n_ff_exp, s.n_embd);
            continue;
        }
        matrix(p + "ffn_gate.weight", s.n_embd, s.n_ff);
        matrix(p + "ffn_up.weight", s.n_embd, s.n_ff);
        matrix(p + "ffn_down.weight", s.n_ff, s.n_embd);
        if (s.arch == "gemma3") vector(p + "post_ffw_norm.weight", s.n_embd, Init::ones);
    }
    vector("output_norm.weight", s.n_embd, Init::ones);
    if (!s.tied_embeddings) matrix("output.weight", s.n_embd, s.n_vocab);
    return plan;
}

void add_hyper_parameters(gguf::Writer& w, const Shape& s, const quant::Recipe& recipe) {
    const std::string a(s.arch);
    w.add_string("general.architecture", a);
    w.add_string("general.name", "hearth-synth-" + a + "-" + std::string(s.name) + " (random weights, shape of " +
                                     std::string(s.like) + ")");
    w.add_u32("general.file_type", quant::file_type_id(recipe));
    w.add_u32("general.quantization_version", 2);
    w.add_u32(a + ".vocab_size", static_cast<uint32_t>(s.n_vocab));
    w.add_u32(a + ".context_length", static_cast<uint32_t>(s.n_ctx));
    w.add_u32(a + ".embedding_length", static_cast<uint32_t>(s.n_embd));
    w.add_u32(a + ".block_count", static_cast<uint32_t>(s.n_layer));
    w.add_u32(a + ".feed_forward_length", static_cast<uint32_t>(s.n_ff));
    w.add_u32(a + ".attention.head_count", static_cast<uint32_t>(s.n_head));
    if (s.arch == "bert") {  // an encoder: LayerNorm epsilon, no causal mask, mean pooling, no RoPE
        w.add_f32(a + ".attention.layer_norm_epsilon", 1e-12f);
        w.add_bool(a + ".attention.causal", false);
        w.add_u32(a + ".pooling_type", 1);
        return;
    }
    w.add_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.n_head_kv));
    w.add_u32(a + ".attention.key_length", static_cast<uint32_t>(s.head_dim));
    w.add_u32(a + ".attention.value_length", static_cast<uint32_t>(s.head_dim));
    w.add_u32(a + ".rope.dimension_count", static_cast<uint32_t>(s.head_dim));
    w.add_f32(a + ".rope.freq_base", s.rope_freq_base);
    w.add_f32(a + ".attention.layer_norm_rms_epsilon", s.arch == "llama" ? 1e-5f : 1e-6f);
    if (s.sliding_window) w.add_u32(a + ".attention.sliding_window", static_cast<uint32_t>(s.sliding_window));
    if (s.rope_scale_linear > 0) {
        w.add_string(a + ".rope.scaling.type", "linear");
        w.add_f32(a + ".rope.scaling.factor", s.rope_scale_linear);
    }
    if (s.n_expert != 0) {
        w.add_u32(a + ".expert_count", static_cast<uint32_t>(s.n_expert));
        w.add_u32(a + ".expert_used_count", static_cast<uint32_t>(s.n_expert_used));
        w.add_u32(a + ".expert_feed_forward_length", static_cast<uint32_t>(s.n_ff_exp));
    }
}

// Tensors of more than kAllDrawnExperts experts draw kDrawnExperts and repeat them for the rest:
// quantizing the 29 billion expert weights of Qwen3-30B-A3B one by one takes hours on a laptop
// (~200 ns per K-quant weight), and a speed benchmark only needs the bytes (each expert still has
// its own pages) and the choices of the router (random, f32, never repeated).
constexpr size_t kAllDrawnExperts = 16, kDrawnExperts = 4;

// Fills and quantizes one tensor; rows are generated from (seed, tensor, row) so the bytes do
// not depend on how rows are spread over threads.
void fill_tensor(const TensorPlan& t, uint64_t seed, size_t index, std::span<std::byte> out, ThreadPool& pool) {
    const size_t n_cols = t.ne[0], n_expert = t.ne.size() > 2 ? t.ne[2] : 1;
    const size_t expert_rows = t.ne.size() > 1 ? t.ne[1] : 1;
    const size_t row_bytes = *ggml_row_bytes(t.type, n_cols);
    const size_t drawn = n_expert > kAllDrawnExperts ? kDrawnExperts : n_expert, n_rows = expert_rows * drawn;
    const size_t expert_bytes = expert_rows * row_bytes;
    const float stddev = t.init == TensorPlan::Init::matrix ? 1.0f / std::sqrt(static_cast<float>(n_cols))
                         : t.init == TensorPlan::Init::embedding ? 0.25f
                                                                 : 0.1f;
    constexpr size_t kRowsPerChunk = 16;
    const size_t n_chunks = (n_rows + kRowsPerChunk - 1) / kRowsPerChunk;
    pool.parallel_for(n_chunks, [&](size_t chunk) {
        const size_t r0 = chunk * kRowsPerChunk, r1 = std::min(n_rows, r0 + kRowsPerChunk);
        std::vector<float> rows((r1 - r0) * n_cols);
        for (size_t r = r0; r < r1; ++r) {
            uint64_t state = seed ^ (uint64_t(index) << 40) ^ (uint64_t(r) * 0x2545F4914F6CDD1Dull);
            float* row = rows.data() + (r - r0) * n_cols;
            for (size_t c = 0; c < n_cols; ++c) {
                const float g = gaussian(state) * stddev;
                row[c] = t.init == TensorPlan::Init::ones ? 1.0f + g : g;
            }
        }
        quant::quantize_rows(t.type, rows.data(), out.data() + r0 * row_bytes, r1 - r0, n_cols);
    });
    for (size_t x = drawn; x < n_expert; ++x)
        std::memcpy(out.data() + x * expert_bytes, out.data() + (x % drawn) * expert_bytes, expert_bytes);
}

}  // namespace

std::span<const Shape> shapes() noexcept { return kShapes; }

const Shape& find_shape(std::string_view arch, std::string_view name) {
    std::string known;
    for (const Shape& s : kShapes) {
        if (s.arch == arch && s.name == name) return s;
        if (s.arch == arch) known += (known.empty() ? "" : ", ") + std::string(s.name);
    }
    if (known.empty()) throw Error(ErrorCode::invalid_argument, "no synthetic shapes for architecture '" + std::string(arch) + "' (llama, qwen2, qwen3, qwen3moe, gemma3, bert)");
    throw Error(ErrorCode::invalid_argument, "unknown " + std::string(arch) + " shape '" + std::string(name) + "' (known: " + known + ")");
}

const Shape& find_shape(std::string_view arch_and_name) {
    // Architecture names have no dash, shape names may ("qwen3moe-30b-a3b"): split at the first.
    const size_t dash = arch_and_name.find('-');
    if (dash == std::string_view::npos)
        throw Error(ErrorCode::invalid_argument, "shape '" + std::string(arch_and_name) + "' needs --arch, or the form ARCH-NAME (gemma3-12b)");
    return find_shape(arch_and_name.substr(0, dash), arch_and_name.substr(dash + 1));
}

void write_model(const Shape& shape, const quant::Recipe& recipe, uint64_t seed, const std::filesystem::path& path, size_t threads,
                 bool repeat_layers) {
    gguf::Writer w;
    add_hyper_parameters(w, shape, recipe);
    if (shape.arch == "bert")
        add_wordpiece_vocab(w, shape.n_vocab);
    else
        add_synthetic_vocab(w, shape.n_vocab);
    std::vector<TensorPlan> plan = plan_tensors(shape, recipe);
    for (const TensorPlan& t : plan) w.add_tensor(t.name, t.type, t.ne);
    ThreadPool pool(threads);
    // Tensors are generated as the file is written, so memory holds one tensor at a time (plus,
    // with repeat_layers, the first layer's tensors, keyed by name without "blk.N." and type).
    std::map<std::pair<std::string, GgmlType>, std::vector<std::byte>> first_layer;
    w.write(path, [&](size_t i, std::span<std::byte> out) {
        const std::string& name = plan[i].name;
        if (!repeat_layers || name.rfind("blk.", 0) != 0) return fill_tensor(plan[i], seed, i, out, pool);
        const auto key = std::make_pair(name.substr(name.find('.', 4) + 1), plan[i].type);
        if (const auto it = first_layer.find(key); it != first_layer.end() && it->second.size() == out.size()) {
            std::copy(it->second.begin(), it->second.end(), out.begin());
            return;
        }
        fill_tensor(plan[i], seed, i, out, pool);
        first_layer[key].assign(out.begin(), out.end());
    });
}

}  // namespace hearth::synth
