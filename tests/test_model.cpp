// Model loading: hyper-parameters read from GGUF metadata, and the clear errors for files hearth
// cannot run (unknown architecture, a tensor of the wrong shape, a missing key).
#include <filesystem>
#include <functional>

#include "hearth/gguf_writer.hpp"
#include "hearth/hearth.hpp"
#include "hearth/memory.hpp"
#include "hearth/synth.hpp"
#include "test_gguf_rewrite.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

ErrorCode load_error(const std::filesystem::path& p, std::string& message) {
    try {
        (void)Model::load(p, {.threads = 1});
    } catch (const Error& e) {
        message = e.what();
        return e.code();
    }
    message = "(loaded without error)";
    return ErrorCode::internal;
}

TEST(Model, ConfigFromMetadata) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    const ModelConfig& c = model.config();
    EXPECT_EQ(c.arch, "llama");
    EXPECT_EQ(c.n_embd, 64u);
    EXPECT_EQ(c.n_layer, 5u);
    EXPECT_EQ(c.n_head, 8u);
    EXPECT_EQ(c.n_head_kv, 4u);
    EXPECT_EQ(c.head_dim, 8u);
    EXPECT_EQ(c.n_rot, 8u);
    EXPECT_EQ(c.n_ff, 172u);
    EXPECT_EQ(c.n_vocab, 512u);
    EXPECT_EQ(c.n_ctx_train, 512u);
    EXPECT_EQ(c.rope_style, RopeStyle::normal);
    EXPECT_FLOAT_EQ(c.rope_freq_base, 10000.0f);
    EXPECT_NEAR(c.rms_eps, 1e-5f, 1e-9f);
    EXPECT_FALSE(c.tied_embeddings);
    EXPECT_EQ(model.threads(), 1u);
}

TEST(Model, Qwen3ConfigTiedNeox) {
    const auto path = model_path("tiny-qwen3-q4_k_m.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    EXPECT_EQ(model.config().arch, "qwen3");
    EXPECT_EQ(model.config().head_dim, 64u);
    EXPECT_EQ(model.config().rope_style, RopeStyle::neox);
    EXPECT_TRUE(model.config().tied_embeddings);
    EXPECT_EQ(model.config().n_vocab, model.tokenizer().n_vocab());
}

TEST(Model, UnknownArchitectureIsUnsupported) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const auto bad = rewrite(path, "mamba.gguf", {.key = [](std::string_view k, gguf::Writer& w) {
        if (k != "general.architecture") return false;
        w.add_string(k, "mamba");
        return true;
    }});
    std::string msg;
    EXPECT_EQ(load_error(bad, msg), ErrorCode::unsupported) << msg;
    EXPECT_NE(msg.find("'mamba'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("llama"), std::string::npos) << msg;  // lists what is supported
}

TEST(Model, WrongTensorShapeNamesTensorAndShapes) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    // blk.0.attn_q.weight gets attn_k's [64, 32] data instead of [64, 64].
    const auto bad = rewrite(path, "bad_shape.gguf", {.tensor = [](const gguf::TensorInfo& t, const gguf::File& f, gguf::Writer& w) {
        if (t.name != "blk.0.attn_q.weight") return false;
        const gguf::TensorInfo& k = f.tensor("blk.0.attn_k.weight");
        w.add_tensor(t.name, k.type, std::span<const uint64_t>(k.ne.data(), k.n_dims), k.bytes());
        return true;
    }});
    std::string msg;
    EXPECT_EQ(load_error(bad, msg), ErrorCode::invalid_file) << msg;
    EXPECT_NE(msg.find("blk.0.attn_q.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[64, 32]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[64, 64]"), std::string::npos) << msg;
}

TEST(Model, MissingHyperParameterNamesKey) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const auto bad = rewrite(path, "no_heads.gguf", {.key = [](std::string_view k, gguf::Writer&) {
        return k == "llama.attention.head_count";  // dropped
    }});
    std::string msg;
    EXPECT_EQ(load_error(bad, msg), ErrorCode::invalid_file) << msg;
    EXPECT_NE(msg.find("llama.attention.head_count"), std::string::npos) << msg;
}

TEST(Model, InconsistentHeadCountsAreRejected) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const auto bad = rewrite(path, "kv3.gguf", {.key = [](std::string_view k, gguf::Writer& w) {
        if (k != "llama.attention.head_count_kv") return false;
        w.add_u32(k, 3);  // 8 heads cannot share 3 KV heads
        return true;
    }});
    std::string msg;
    EXPECT_EQ(load_error(bad, msg), ErrorCode::invalid_file) << msg;
    EXPECT_NE(msg.find("head_count_kv"), std::string::npos) << msg;
}

// A small qwen3moe (8 experts of [256, 256], 2 used) to break in the tests below; one file per
// test, as ctest runs tests in parallel processes.
std::filesystem::path tiny_moe() {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    const auto path = std::filesystem::path(::testing::TempDir()) / ("tiny_moe_" + test + ".gguf");
    synth::write_model(synth::find_shape("qwen3moe", "tiny"), quant::parse_recipe("q4_k_m"), 4, path, 1);
    return path;
}

TEST(Model, Qwen3MoeConfigAndExperts) {
    const Model model = Model::load(tiny_moe(), {.threads = 1});
    EXPECT_EQ(model.config().arch, "qwen3moe");
    EXPECT_EQ(model.config().n_expert, 8u);
    EXPECT_EQ(model.config().n_expert_used, 2u);
    EXPECT_EQ(model.config().n_ff_exp, 256u);
    // Decoding reads 2 of the 8 experts (and all of the tied embedding table): the report says so.
    uint64_t all = 0, experts = 0;
    for (const gguf::TensorInfo& t : model.file().tensors()) {
        all += t.n_bytes;
        if (t.name.ends_with("_exps.weight")) experts += t.n_bytes;
    }
    EXPECT_EQ(memory_report(model).weights_read_per_token, all - experts / 8 * 6);
}

TEST(Model, MissingExpertTensorNamesIt) {
    const auto bad = rewrite(tiny_moe(), "moe_no_up.gguf", {.tensor = [](const gguf::TensorInfo& t, const gguf::File&, gguf::Writer&) {
        return t.name == "blk.1.ffn_up_exps.weight";  // dropped
    }});
    std::string msg;
    EXPECT_EQ(load_error(bad, msg), ErrorCode::invalid_file) << msg;
    EXPECT_NE(msg.find("blk.1.ffn_up_exps.weight"), std::string::npos) << msg;
}

TEST(Model, ExpertTensorOfWrongShapeNamesTensorAndShapes) {
    // blk.0.ffn_down_exps.weight keeps only its first 4 experts.
    const auto bad = rewrite(tiny_moe(), "moe_4_experts.gguf", {.tensor = [](const gguf::TensorInfo& t, const gguf::File&, gguf::Writer& w) {
        if (t.name != "blk.0.ffn_down_exps.weight") return false;
        const std::vector<uint64_t> ne = {t.ne[0], t.ne[1], 4};
        w.add_tensor(t.name, t.type, ne, t.bytes().first(t.bytes().size() / 2));
        return true;
    }});
    std::string msg;
    EXPECT_EQ(load_error(bad, msg), ErrorCode::invalid_file) << msg;
    EXPECT_NE(msg.find("blk.0.ffn_down_exps.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[256, 256, 4]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[256, 256, 8]"), std::string::npos) << msg;
}

TEST(Model, ExpertCountsAreChecked) {
    const auto too_many = rewrite(tiny_moe(), "moe_9_used.gguf", {.key = [](std::string_view k, gguf::Writer& w) {
        if (k != "qwen3moe.expert_used_count") return false;
        w.add_u32(k, 9);  // of 8 experts
        return true;
    }});
    std::string msg;
    EXPECT_EQ(load_error(too_many, msg), ErrorCode::invalid_file) << msg;
    EXPECT_NE(msg.find("qwen3moe.expert_used_count"), std::string::npos) << msg;
    const auto missing = rewrite(tiny_moe(), "moe_no_count.gguf", {.key = [](std::string_view k, gguf::Writer&) {
        return k == "qwen3moe.expert_count";
    }});
    EXPECT_EQ(load_error(missing, msg), ErrorCode::invalid_file) << msg;
    EXPECT_NE(msg.find("qwen3moe.expert_count"), std::string::npos) << msg;
}

TEST(Model, MissingFileIsIoError) {
    std::string msg;
    EXPECT_EQ(load_error("/nonexistent/model.gguf", msg), ErrorCode::io) << msg;
}

}  // namespace
}  // namespace hearth::test
