// hearth::convert: small Hugging Face folders written by the test (hf_test_model.hpp) converted to
// GGUF; names, shapes, values, metadata, that hearth runs the result, and that bad input leaves
// no output file. The tokenizer is hearth's synthetic vocabulary (tokenizer.json is another
// module's job), so these tests depend on nothing in ../shared.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "hearth/convert.hpp"
#include "hearth/gguf.hpp"
#include "hearth/hearth.hpp"
#include "hf_export.hpp"
#include "hf_test_model.hpp"
#include "kernels/kernels.hpp"
#include "synth/synth_vocab.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

class ConvertTest : public ::testing::Test {
protected:
    std::filesystem::path root = std::filesystem::temp_directory_path() /
                                 ("hearth_cv_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::path dir = root / "Tiny-Model";
    std::filesystem::path out = root / "out.gguf";
    TinyShape shape;
    void TearDown() override { std::filesystem::remove_all(root); }

    void convert(const std::filesystem::path& from, const std::filesystem::path& to, std::string_view type = "f32") {
        convert::Options o;
        o.recipe = quant::parse_recipe(type);
        o.threads = 2;
        o.add_tokenizer = [this](const std::filesystem::path&, std::string_view, gguf::Writer& w) {
            synth::add_synthetic_vocab(w, shape.n_vocab);
        };
        convert::convert_hf_model(from, to, o);
    }

    // Every float of a GGUF tensor, decoded.
    static std::vector<float> values(const gguf::File& f, const std::string& name) {
        return tensor_values(f.tensor(name));
    }

    // The logits hearth computes for a few tokens.
    static std::vector<float> logits(const std::filesystem::path& model_path) {
        const Model m = Model::load(model_path, {.threads = 1});
        Session s(m);
        const std::vector<TokenId> tokens = {1, 300, 301, 420, 7, 388, 299, 500};
        std::vector<float> all(tokens.size() * m.config().n_vocab);
        s.eval(tokens, all);
        return all;
    }
};

TEST_F(ConvertTest, LlamaShardedNamesShapesValuesAndMetadata) {
    const HfTensors w = tiny_weights(shape, {}, 1);
    write_hf_model(dir, tiny_config("LlamaForCausalLM", shape), w, 3);
    convert(dir, out);
    const gguf::File f = gguf::File::open(out);
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(f.get_string("general.name"), "Tiny-Model");
    EXPECT_EQ(f.get_uint("llama.block_count"), shape.n_layer);
    EXPECT_EQ(f.get_uint("llama.embedding_length"), shape.n_embd);
    EXPECT_EQ(f.get_uint("llama.attention.head_count_kv"), shape.n_head_kv);
    EXPECT_EQ(f.get_uint("llama.rope.dimension_count"), shape.head_dim);
    EXPECT_EQ(f.get_uint("llama.vocab_size"), shape.n_vocab);
    EXPECT_FLOAT_EQ(static_cast<float>(f.get_float("llama.attention.layer_norm_rms_epsilon")), 1e-5f);
    EXPECT_EQ(f.get_uint("general.file_type"), 0u);  // ALL_F32
    EXPECT_EQ(f.tensors().size(), 2 + 9 * shape.n_layer);
    EXPECT_EQ(f.tensors()[0].name, "token_embd.weight");
    EXPECT_EQ(f.find_tensor("output.weight"), nullptr);  // tied
    const gguf::TensorInfo& down = f.tensor("blk.1.ffn_down.weight");
    EXPECT_EQ(down.ne[0], shape.n_ff);
    EXPECT_EQ(down.ne[1], shape.n_embd);
    EXPECT_EQ(values(f, "blk.1.ffn_down.weight"), w.at("model.layers.1.mlp.down_proj.weight").values);
    EXPECT_EQ(values(f, "output_norm.weight"), w.at("model.norm.weight").values);

    // q/k rows: HF keeps each head's rotated pairs as halves (i, i + d/2); llama.cpp interleaves them.
    const std::vector<float> q = values(f, "blk.0.attn_q.weight"), k = values(f, "blk.0.attn_k.weight");
    const std::vector<float>& hq = w.at("model.layers.0.self_attn.q_proj.weight").values;
    const std::vector<float>& hk = w.at("model.layers.0.self_attn.k_proj.weight").values;
    const size_t d = shape.head_dim, n = shape.n_embd;
    for (size_t h = 0; h < shape.n_head; ++h)
        for (size_t i = 0; i < d / 2; ++i)
            for (size_t half = 0; half < 2; ++half) {
                const size_t gguf_row = h * d + 2 * i + half, hf_row = h * d + half * d / 2 + i;
                ASSERT_EQ(q[gguf_row * n + 5], hq[hf_row * n + 5]) << "head " << h << " pair " << i;
                if (h < shape.n_head_kv) {
                    ASSERT_EQ(k[gguf_row * n + 7], hk[hf_row * n + 7]);
                }
            }
    EXPECT_NE(q, hq);
}

// The permutation checked by behaviour, not by its formula: the same checkpoint as llama
// (permuted q/k, llama.cpp's pairwise RoPE) and as qwen2 (as stored, NeoX RoPE like HF's
// rotate_half) must compute the same logits.
TEST_F(ConvertTest, LlamaPermutationGivesTheSameModelAsNeoxRope) {
    const HfTensors w = tiny_weights(shape, {"bias"}, 2);
    write_hf_model(dir, tiny_config("LlamaForCausalLM", shape), w);
    write_hf_model(root / "as-qwen2", tiny_config("Qwen2ForCausalLM", shape), w);
    convert(dir, out);
    convert(root / "as-qwen2", root / "qwen2.gguf");
    const std::vector<float> a = logits(out), b = logits(root / "qwen2.gguf");
    EXPECT_LT(rel_rms(b, a), 1e-5);
    // And it matters: without the permutation the llama graph computes something else.
    const gguf::File f = gguf::File::open(out);
    EXPECT_NE(values(f, "blk.0.attn_q.bias"), w.at("model.layers.0.self_attn.q_proj.bias").values);
}

TEST_F(ConvertTest, Qwen3KeepsRowOrderAndAddsQkNorms) {
    const HfTensors w = tiny_weights(shape, {"qk_norm"}, 3, "BF16");
    write_hf_model(dir, tiny_config("Qwen3ForCausalLM", shape), w, 2);
    convert(dir, out, "f16");
    const gguf::File f = gguf::File::open(out);
    EXPECT_EQ(f.get_string("general.architecture"), "qwen3");
    EXPECT_EQ(f.get_uint("qwen3.attention.key_length"), shape.head_dim);
    EXPECT_EQ(f.tensor("blk.0.attn_q.weight").type, GgmlType::f16);
    EXPECT_EQ(f.tensor("blk.0.attn_q_norm.weight").type, GgmlType::f32);  // vectors are F32 whatever the source
    EXPECT_EQ(f.tensor("blk.0.attn_q_norm.weight").ne[0], shape.head_dim);
    // BF16 -> F16 of values that are exact in both.
    const std::vector<float> q = values(f, "blk.1.attn_q.weight");
    const HfTensor& hq = w.at("model.layers.1.self_attn.q_proj.weight");
    for (size_t i = 0; i < q.size(); i += 97) EXPECT_NEAR(q[i], kernels::bf16_to_fp32(kernels::fp32_to_bf16(hq.values[i])), 1e-3 * std::fabs(q[i]) + 1e-6);
    EXPECT_EQ(logits(out).size(), 8 * shape.n_vocab);
}

TEST_F(ConvertTest, Gemma3TextOfMultimodalCheckpointWithShiftedNorms) {
    HfTensors w = tiny_weights(shape, {"qk_norm", "gemma_norms"}, 4, "F32", "model.language_model.");
    w["model.vision_tower.vision_model.embeddings.patch_embedding.weight"] = {"F32", {4, 3}, std::vector<float>(12, 0.5f)};
    w["model.multi_modal_projector.mm_soft_emb_norm.weight"] = {"F32", {4}, std::vector<float>(4, 0.5f)};
    nlohmann::json text = tiny_config("Gemma3ForConditionalGeneration", shape);
    text.erase("architectures");
    text["sliding_window"] = 4;
    write_hf_model(dir, {{"architectures", {"Gemma3ForConditionalGeneration"}}, {"text_config", text}, {"vision_config", {{"hidden_size", 4}}}}, w);
    convert(dir, out);
    const gguf::File f = gguf::File::open(out);
    EXPECT_EQ(f.get_string("general.architecture"), "gemma3");
    EXPECT_EQ(f.get_uint("gemma3.attention.sliding_window"), 4u);
    EXPECT_EQ(f.tensors().size(), 2 + 13 * shape.n_layer);  // vision tensors left out
    // Gemma's RMSNorm scales by (1 + w); llama.cpp's graph multiplies by the stored weight.
    const std::vector<float> post = values(f, "blk.1.post_ffw_norm.weight");
    const std::vector<float>& hf = w.at("model.language_model.layers.1.post_feedforward_layernorm.weight").values;
    for (size_t i = 0; i < post.size(); ++i) EXPECT_FLOAT_EQ(post[i], hf[i] + 1.0f);
    EXPECT_EQ(values(f, "blk.1.ffn_norm.weight")[3], w.at("model.language_model.layers.1.pre_feedforward_layernorm.weight").values[3] + 1.0f);
    EXPECT_EQ(values(f, "blk.1.post_attention_norm.weight")[0],
              w.at("model.language_model.layers.1.post_attention_layernorm.weight").values[0] + 1.0f);
    EXPECT_EQ(values(f, "blk.0.attn_q.weight"), w.at("model.language_model.layers.0.self_attn.q_proj.weight").values);
    EXPECT_EQ(logits(out).size(), 8 * shape.n_vocab);
}

TEST_F(ConvertTest, Qwen3MoeStacksExperts) {
    shape.n_expert = 4;
    shape.n_expert_used = 2;
    shape.n_ff_exp = 32;
    const HfTensors w = tiny_weights(shape, {"qk_norm", "moe"}, 5, "F16");
    write_hf_model(dir, tiny_config("Qwen3MoeForCausalLM", shape), w, 2);
    convert(dir, out, "q8_0");
    const gguf::File f = gguf::File::open(out);
    EXPECT_EQ(f.get_uint("qwen3moe.expert_count"), 4u);
    EXPECT_EQ(f.get_uint("qwen3moe.expert_feed_forward_length"), 32u);
    const gguf::TensorInfo& down = f.tensor("blk.1.ffn_down_exps.weight");
    EXPECT_EQ(down.n_dims, 3u);
    EXPECT_EQ(down.ne[0], 32u);
    EXPECT_EQ(down.ne[1], shape.n_embd);
    EXPECT_EQ(down.ne[2], 4u);
    EXPECT_EQ(down.type, GgmlType::q8_0);
    EXPECT_EQ(f.tensor("blk.1.ffn_gate_inp.weight").type, GgmlType::f32);  // the router stays F32
    // Expert 2's matrix is the third slice, row for row.
    const std::vector<float> gate = values(f, "blk.0.ffn_gate_exps.weight");
    const std::vector<float>& hf = w.at("model.layers.0.mlp.experts.2.gate_proj.weight").values;
    const size_t slice = shape.n_ff_exp * shape.n_embd;
    for (size_t i = 0; i < slice; i += 31) EXPECT_NEAR(gate[2 * slice + i], hf[i], 0.01f);
    EXPECT_EQ(logits(out).size(), 8 * shape.n_vocab);
}

TEST_F(ConvertTest, Llama3RopeScalingBecomesRopeFreqs) {
    nlohmann::json c = tiny_config("LlamaForCausalLM", shape);
    c["rope_theta"] = 500000.0;
    c["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                         {"original_max_position_embeddings", 8192}};
    write_hf_model(dir, c, tiny_weights(shape, {}, 6));
    convert(dir, out);
    const gguf::File f = gguf::File::open(out);
    EXPECT_FALSE(f.find("llama.rope.scaling.type"));
    const std::vector<float> ff = values(f, "rope_freqs.weight");
    ASSERT_EQ(ff.size(), shape.head_dim / 2);
    // head_dim 16, theta 5e5: pair i's wavelength is 2π·θ^(i/8). Below 8192/4 = 2048 it keeps its
    // frequency (1), above 8192 it is divided by the factor 32, between it is blended.
    EXPECT_EQ(ff[0], 1.0f);   // wavelength 6.3
    EXPECT_EQ(ff[3], 1.0f);   // 861
    EXPECT_NEAR(ff[4], 3.2922f, 1e-3f);  // 4443: smooth = (8192/4443 - 1)/3, 1/((1 - smooth)/32 + smooth)
    EXPECT_EQ(ff[5], 32.0f);  // 23087
    EXPECT_EQ(ff[7], 32.0f);
    EXPECT_EQ(logits(out).size(), 8 * shape.n_vocab);  // hearth reads rope_freqs
}

TEST_F(ConvertTest, LinearRopeScalingKeys) {
    nlohmann::json c = tiny_config("LlamaForCausalLM", shape);
    c["rope_scaling"] = {{"type", "linear"}, {"factor", 4.0}};
    write_hf_model(dir, c, tiny_weights(shape, {}, 7));
    convert(dir, out);
    const gguf::File f = gguf::File::open(out);
    EXPECT_EQ(f.get_string("llama.rope.scaling.type"), "linear");
    EXPECT_EQ(f.get_float("llama.rope.scaling.factor"), 4.0);
}

// Errors: the message names the problem and no output (nor its temporary file) is left.
class ConvertErrorTest : public ConvertTest {
protected:
    void expect_error(ErrorCode code, const std::string& fragment) {
        try {
            convert(dir, out);
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), code) << e.what();
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
        }
        EXPECT_FALSE(std::filesystem::exists(out));
        EXPECT_FALSE(std::filesystem::exists(root / "out.gguf.partial"));
    }
};

TEST_F(ConvertErrorTest, UnknownArchitecture) {
    write_hf_model(dir, tiny_config("MambaForCausalLM", shape), tiny_weights(shape, {}, 1));
    expect_error(ErrorCode::unsupported, "architecture 'MambaForCausalLM' is not supported");
}

TEST_F(ConvertErrorTest, MissingShard) {
    write_hf_model(dir, tiny_config("LlamaForCausalLM", shape), tiny_weights(shape, {}, 1), 2);
    std::filesystem::remove(dir / "model-00001-of-00002.safetensors");
    expect_error(ErrorCode::io, "shard 'model-00001-of-00002.safetensors'");
}

TEST_F(ConvertErrorTest, LyingHeaderInShard) {
    write_hf_model(dir, tiny_config("LlamaForCausalLM", shape), tiny_weights(shape, {}, 1));
    write_raw_safetensors(dir / "model.safetensors", R"({"model.norm.weight": {"dtype": "F32", "shape": [64], "data_offsets": [0, 256]}})",
                          std::vector<std::byte>(100));
    expect_error(ErrorCode::invalid_file, "model.norm.weight");
}

TEST_F(ConvertErrorTest, TensorTheArchitectureDoesNotHave) {
    HfTensors w = tiny_weights(shape, {}, 1);
    w["model.layers.0.mlp.shared_expert.up_proj.weight"] = w.at("model.layers.0.mlp.up_proj.weight");
    write_hf_model(dir, tiny_config("LlamaForCausalLM", shape), w);
    expect_error(ErrorCode::invalid_file, "'model.layers.0.mlp.shared_expert.up_proj.weight' is not part of a llama model");
}

TEST_F(ConvertErrorTest, MissingLayerTensor) {
    HfTensors w = tiny_weights(shape, {}, 1);
    w.erase("model.layers.1.self_attn.k_proj.weight");
    write_hf_model(dir, tiny_config("LlamaForCausalLM", shape), w);
    expect_error(ErrorCode::invalid_file, "no tensor for 'blk.1.attn_k.weight'");
}

TEST_F(ConvertErrorTest, RefusesToOverwriteItsInput) {
    write_hf_model(dir, tiny_config("LlamaForCausalLM", shape), tiny_weights(shape, {}, 1));
    const auto size = std::filesystem::file_size(dir / "model.safetensors");
    out = dir / "model.safetensors";
    try {
        convert(dir, out);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    }
    EXPECT_EQ(std::filesystem::file_size(dir / "model.safetensors"), size);
}

}  // namespace
}  // namespace hearth::test

namespace hearth::test {
namespace {

// Not part of the suite (2.5 GB of input): the issue's speed target, converting a Llama 3.2
// 1B-shaped F16 checkpoint to Q4_K_M with 2 threads in under 60 s. Run with
//   hearth_tests --gtest_also_run_disabled_tests --gtest_filter='*Llama1BShaped*'
// HEARTH_CONVERT_BENCH_DIR keeps the input (and out.gguf) there between runs.
TEST(ConvertSpeed, DISABLED_Llama1BShapedF16ToQ4KM) {
    const char* env = std::getenv("HEARTH_CONVERT_BENCH_DIR");
    const std::filesystem::path dir = env ? env : std::filesystem::temp_directory_path() / "hearth_convert_1b";
    TinyShape s{2048, 16, 32, 8, 64, 8192, 128256};
    if (!std::filesystem::exists(dir / "model.safetensors")) {
        std::vector<std::pair<std::string, std::vector<uint64_t>>> shapes = {{"model.embed_tokens.weight", {s.n_vocab, s.n_embd}},
                                                                             {"model.norm.weight", {s.n_embd}}};
        for (size_t l = 0; l < s.n_layer; ++l) {
            const std::string p = "model.layers." + std::to_string(l) + ".";
            for (const auto& [n, shape] : std::vector<std::pair<std::string, std::vector<uint64_t>>>{
                     {"input_layernorm.weight", {s.n_embd}}, {"post_attention_layernorm.weight", {s.n_embd}},
                     {"self_attn.q_proj.weight", {2048, 2048}}, {"self_attn.k_proj.weight", {512, 2048}},
                     {"self_attn.v_proj.weight", {512, 2048}}, {"self_attn.o_proj.weight", {2048, 2048}},
                     {"mlp.gate_proj.weight", {8192, 2048}}, {"mlp.up_proj.weight", {8192, 2048}}, {"mlp.down_proj.weight", {2048, 8192}}})
                shapes.emplace_back(p + n, shape);
        }
        nlohmann::json c = tiny_config("LlamaForCausalLM", s);
        c["rope_theta"] = 500000.0;
        c["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                             {"original_max_position_embeddings", 8192}};
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "config.json") << c.dump(2);
        write_random_f16_safetensors(dir / "model.safetensors", shapes, 1, 0.03f);
    }
    convert::Options o;
    o.recipe = quant::parse_recipe("q4_k_m");
    o.threads = 2;
    o.add_tokenizer = [&](const std::filesystem::path&, std::string_view, gguf::Writer& w) { synth::add_synthetic_vocab(w, s.n_vocab); };
    const auto t0 = std::chrono::steady_clock::now();
    convert::convert_hf_model(dir, dir / "out.gguf", o);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("converted + quantized to Q4_K_M in %.1f s\n", secs);
    EXPECT_LT(secs, 60.0);
    if (!env) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::test
