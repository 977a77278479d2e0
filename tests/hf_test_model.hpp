// Test support: writes Hugging Face model folders (config.json + safetensors, sharded or not) so
// the converter's tests make their own small inputs, including broken ones.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/ref/f16.hpp"

namespace hearth::test {

struct HfTensor {
    std::string dtype = "F32";        // F32, F16 or BF16 (values are encoded to it)
    std::vector<uint64_t> shape;      // PyTorch order
    std::vector<float> values;
};
using HfTensors = std::map<std::string, HfTensor>;  // sorted by name, as safetensors writers do

inline std::vector<std::byte> encode(const HfTensor& t) {
    const size_t size = t.dtype == "F32" ? 4 : 2;
    std::vector<std::byte> out(t.values.size() * size);
    for (size_t i = 0; i < t.values.size(); ++i) {
        if (t.dtype == "F32") {
            std::memcpy(out.data() + 4 * i, &t.values[i], 4);
        } else {
            const uint16_t h = t.dtype == "F16" ? kernels::fp32_to_fp16(t.values[i]) : kernels::fp32_to_bf16(t.values[i]);
            std::memcpy(out.data() + 2 * i, &h, 2);
        }
    }
    return out;
}

// A safetensors file from a header given as text and the data region (for hostile files).
inline void write_raw_safetensors(const std::filesystem::path& p, const std::string& header, const std::vector<std::byte>& data,
                                  uint64_t stated_header_len = UINT64_MAX) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    const uint64_t n = stated_header_len == UINT64_MAX ? header.size() : stated_header_len;
    f.write(reinterpret_cast<const char*>(&n), 8);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline void write_safetensors(const std::filesystem::path& p, const HfTensors& tensors) {
    nlohmann::json header = {{"__metadata__", {{"format", "pt"}}}};
    std::vector<std::byte> data;
    for (const auto& [name, t] : tensors) {
        const std::vector<std::byte> bytes = encode(t);
        header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {data.size(), data.size() + bytes.size()}}};
        data.insert(data.end(), bytes.begin(), bytes.end());
    }
    write_raw_safetensors(p, header.dump(), data);
}

// Writes config.json and the tensors: one model.safetensors, or n_shards files with an index.
inline void write_hf_model(const std::filesystem::path& dir, const nlohmann::json& config, const HfTensors& tensors,
                           size_t n_shards = 1) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "config.json") << config.dump(2);
    if (n_shards == 1) return write_safetensors(dir / "model.safetensors", tensors);
    std::vector<HfTensors> shards(n_shards);
    nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
    size_t i = 0;
    for (const auto& [name, t] : tensors) {
        const size_t s = i++ % n_shards;
        shards[s][name] = t;
        index["weight_map"][name] = "model-0000" + std::to_string(s + 1) + "-of-0000" + std::to_string(n_shards) + ".safetensors";
    }
    for (size_t s = 0; s < n_shards; ++s)
        write_safetensors(dir / ("model-0000" + std::to_string(s + 1) + "-of-0000" + std::to_string(n_shards) + ".safetensors"), shards[s]);
    std::ofstream(dir / "model.safetensors.index.json") << index.dump(2);
}

// A small model's hyper-parameters and random weights in Hugging Face names.
struct TinyShape {
    size_t n_embd = 64, n_layer = 2, n_head = 4, n_head_kv = 2, head_dim = 16, n_ff = 96, n_vocab = 512;
    size_t n_expert = 0, n_expert_used = 0, n_ff_exp = 0;
};

inline HfTensor random_tensor(std::mt19937& rng, std::vector<uint64_t> shape, float scale, float offset = 0, std::string dtype = "F32") {
    std::normal_distribution<float> d(0.0f, scale);
    HfTensor t{std::move(dtype), std::move(shape), {}};
    uint64_t n = 1;
    for (uint64_t s : t.shape) n *= s;
    for (uint64_t i = 0; i < n; ++i) t.values.push_back(offset + d(rng));
    return t;
}

// with: "bias" (q/k/v biases), "qk_norm", "gemma_norms", "moe".
inline HfTensors tiny_weights(const TinyShape& s, const std::vector<std::string>& with, uint32_t seed, const std::string& dtype = "F32",
                              const std::string& prefix = "model.") {
    auto has = [&](const char* w) { return std::find(with.begin(), with.end(), w) != with.end(); };
    std::mt19937 rng(seed);
    const uint64_t q = s.n_head * s.head_dim, kv = s.n_head_kv * s.head_dim;
    const float w_scale = 1.0f / std::sqrt(static_cast<float>(s.n_embd));
    HfTensors t;
    t[prefix + "embed_tokens.weight"] = random_tensor(rng, {s.n_vocab, s.n_embd}, 0.5f, 0, dtype);
    t[prefix + "norm.weight"] = random_tensor(rng, {s.n_embd}, 0.1f, 1.0f, dtype);
    for (size_t l = 0; l < s.n_layer; ++l) {
        const std::string p = prefix + "layers." + std::to_string(l) + ".";
        t[p + "input_layernorm.weight"] = random_tensor(rng, {s.n_embd}, 0.1f, 1.0f, dtype);
        t[p + "post_attention_layernorm.weight"] = random_tensor(rng, {s.n_embd}, 0.1f, 1.0f, dtype);
        t[p + "self_attn.q_proj.weight"] = random_tensor(rng, {q, s.n_embd}, w_scale, 0, dtype);
        t[p + "self_attn.k_proj.weight"] = random_tensor(rng, {kv, s.n_embd}, w_scale, 0, dtype);
        t[p + "self_attn.v_proj.weight"] = random_tensor(rng, {kv, s.n_embd}, w_scale, 0, dtype);
        t[p + "self_attn.o_proj.weight"] = random_tensor(rng, {s.n_embd, q}, w_scale, 0, dtype);
        if (has("bias")) {
            t[p + "self_attn.q_proj.bias"] = random_tensor(rng, {q}, 0.1f, 0, dtype);
            t[p + "self_attn.k_proj.bias"] = random_tensor(rng, {kv}, 0.1f, 0, dtype);
            t[p + "self_attn.v_proj.bias"] = random_tensor(rng, {kv}, 0.1f, 0, dtype);
        }
        if (has("qk_norm")) {
            t[p + "self_attn.q_norm.weight"] = random_tensor(rng, {s.head_dim}, 0.1f, 1.0f, dtype);
            t[p + "self_attn.k_norm.weight"] = random_tensor(rng, {s.head_dim}, 0.1f, 1.0f, dtype);
        }
        if (has("gemma_norms")) {
            t[p + "pre_feedforward_layernorm.weight"] = random_tensor(rng, {s.n_embd}, 0.1f, 0.0f, dtype);
            t[p + "post_feedforward_layernorm.weight"] = random_tensor(rng, {s.n_embd}, 0.1f, 0.0f, dtype);
        }
        if (has("moe")) {
            t[p + "mlp.gate.weight"] = random_tensor(rng, {s.n_expert, s.n_embd}, w_scale, 0, dtype);
            for (size_t e = 0; e < s.n_expert; ++e) {
                const std::string x = p + "mlp.experts." + std::to_string(e) + ".";
                t[x + "gate_proj.weight"] = random_tensor(rng, {s.n_ff_exp, s.n_embd}, w_scale, 0, dtype);
                t[x + "up_proj.weight"] = random_tensor(rng, {s.n_ff_exp, s.n_embd}, w_scale, 0, dtype);
                t[x + "down_proj.weight"] = random_tensor(rng, {s.n_embd, s.n_ff_exp}, w_scale, 0, dtype);
            }
        } else {
            t[p + "mlp.gate_proj.weight"] = random_tensor(rng, {s.n_ff, s.n_embd}, w_scale, 0, dtype);
            t[p + "mlp.up_proj.weight"] = random_tensor(rng, {s.n_ff, s.n_embd}, w_scale, 0, dtype);
            t[p + "mlp.down_proj.weight"] = random_tensor(rng, {s.n_embd, s.n_ff}, w_scale, 0, dtype);
        }
    }
    return t;
}

inline nlohmann::json tiny_config(const std::string& hf_arch, const TinyShape& s) {
    nlohmann::json c = {{"architectures", {hf_arch}},   {"hidden_size", s.n_embd},         {"num_hidden_layers", s.n_layer},
                        {"num_attention_heads", s.n_head}, {"num_key_value_heads", s.n_head_kv}, {"head_dim", s.head_dim},
                        {"intermediate_size", s.n_ff},  {"vocab_size", s.n_vocab},        {"max_position_embeddings", 256},
                        {"rms_norm_eps", 1e-5},         {"rope_theta", 10000.0},          {"tie_word_embeddings", true}};
    if (s.n_expert) {
        c["num_experts"] = s.n_expert;
        c["num_experts_per_tok"] = s.n_expert_used;
        c["moe_intermediate_size"] = s.n_ff_exp;
    }
    return c;
}

}  // namespace hearth::test

namespace hearth::test {

// Random F16 tensors of the given shapes written one at a time (a 1B-shaped checkpoint is 2.5 GB:
// it must not be held in memory). Values ~ uniform(-scale, scale).
inline void write_random_f16_safetensors(const std::filesystem::path& p, const std::vector<std::pair<std::string, std::vector<uint64_t>>>& shapes,
                                         uint64_t seed, float scale) {
    nlohmann::json header = nlohmann::json::object();
    uint64_t offset = 0;
    for (const auto& [name, shape] : shapes) {
        uint64_t n = 1;
        for (uint64_t d : shape) n *= d;
        header[name] = {{"dtype", "F16"}, {"shape", shape}, {"data_offsets", {offset, offset + 2 * n}}};
        offset += 2 * n;
    }
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    const std::string text = header.dump();
    const uint64_t len = text.size();
    f.write(reinterpret_cast<const char*>(&len), 8);
    f.write(text.data(), static_cast<std::streamsize>(len));
    uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
    std::vector<uint16_t> buf(1 << 20);
    for (const auto& [name, shape] : shapes) {
        uint64_t n = 1;
        for (uint64_t d : shape) n *= d;
        for (uint64_t done = 0; done < n;) {
            const size_t k = static_cast<size_t>(std::min<uint64_t>(buf.size(), n - done));
            for (size_t i = 0; i < k; ++i) {
                state ^= state << 13, state ^= state >> 7, state ^= state << 17;  // xorshift64
                const float u = static_cast<float>(state >> 40) / static_cast<float>(1u << 24);
                buf[i] = kernels::fp32_to_fp16((2.0f * u - 1.0f) * scale);
            }
            f.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(2 * k));
            done += k;
        }
    }
}

}  // namespace hearth::test
