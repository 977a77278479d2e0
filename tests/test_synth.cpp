// `hearth synth` models: valid GGUF of the requested shape and types, loadable by hearth, and the
// same bytes whatever the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "hearth/gguf.hpp"
#include "hearth/hearth.hpp"
#include "hearth/synth.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

std::filesystem::path temp_model(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("hearth-test-" + std::to_string(::getpid()) + "-" + name);
}

TEST(Synth, TinyModelsOfEveryArchLoadAndRun) {
    for (const char* arch : {"llama", "qwen2", "qwen3", "gemma3"}) {
        SCOPED_TRACE(arch);
        auto path = temp_model(std::string(arch) + ".gguf");
        synth::write_model(synth::find_shape(arch, "tiny"), quant::parse_recipe("q8_0"), 5, path, 1);
        {
            Model model = Model::load(path, {.threads = 1});
            EXPECT_EQ(model.config().arch, arch);
            EXPECT_EQ(model.config().n_embd, 64u);
            Session session(model, {.n_ctx = 64});
            std::vector<TokenId> prompt = model.tokenizer().encode("hello world", true, false);
            ASSERT_FALSE(prompt.empty());
            session.eval(prompt);
            for (float v : session.logits()) ASSERT_TRUE(std::isfinite(v));
        }
        std::filesystem::remove(path);
    }
}

TEST(Synth, RepeatLayersCopiesTheFirstLayersTensorsOfTheSameType) {
    const synth::Shape& shape = synth::find_shape("gemma3-tiny");
    auto own = temp_model("own.gguf"), repeated = temp_model("repeated.gguf");
    synth::write_model(shape, quant::parse_recipe("q4_k_m"), 5, own, 1);
    synth::write_model(shape, quant::parse_recipe("q4_k_m"), 5, repeated, 1, true);
    {
        const gguf::File a = gguf::File::open(own), b = gguf::File::open(repeated);
        EXPECT_EQ(a.file_size(), b.file_size());
        auto bytes = [](const gguf::File& f, const std::string& name) {
            const gguf::TensorInfo& t = f.tensor(name);
            return std::vector<std::byte>(t.bytes().begin(), t.bytes().end());
        };
        EXPECT_EQ(bytes(a, "blk.0.ffn_up.weight"), bytes(b, "blk.0.ffn_up.weight"));
        EXPECT_EQ(bytes(b, "blk.0.ffn_up.weight"), bytes(b, "blk.4.ffn_up.weight"));
        EXPECT_NE(bytes(a, "blk.0.ffn_up.weight"), bytes(a, "blk.4.ffn_up.weight"));
        EXPECT_EQ(bytes(a, "token_embd.weight"), bytes(b, "token_embd.weight"));
        Model model = Model::load(repeated, {.threads = 1});
        EXPECT_EQ(model.config().n_swa, 16u);
    }
    std::filesystem::remove(own);
    std::filesystem::remove(repeated);
}

TEST(Synth, KMediumMixUsesQ6KWhereLlamaCppDoes) {
    auto path = temp_model("mix.gguf");
    synth::Shape shape = synth::find_shape("llama", "tiny");
    shape.n_embd = 256;  // K-quants need 256-element rows
    shape.n_ff = 256;
    shape.n_layer = 8;
    shape.head_dim = 64;
    synth::write_model(shape, quant::parse_recipe("q4_k_m"), 1, path, 2);
    gguf::File f = gguf::File::open(path);
    EXPECT_EQ(f.get_uint("general.file_type"), 15u);
    EXPECT_EQ(f.tensor("blk.0.attn_v.weight").type, GgmlType::q6_k);   // first eighth
    EXPECT_EQ(f.tensor("blk.1.attn_v.weight").type, GgmlType::q4_k);
    EXPECT_EQ(f.tensor("blk.3.ffn_down.weight").type, GgmlType::q6_k); // (3 - 1) % 3 == 2
    EXPECT_EQ(f.tensor("blk.7.ffn_down.weight").type, GgmlType::q6_k); // last eighth
    EXPECT_EQ(f.tensor("blk.2.attn_q.weight").type, GgmlType::q4_k);
    EXPECT_EQ(f.tensor("output.weight").type, GgmlType::q6_k);
    EXPECT_EQ(f.tensor("blk.0.attn_norm.weight").type, GgmlType::f32);
    std::filesystem::remove(path);
}

TEST(Synth, BytesDoNotDependOnThreadCount) {
    auto a = temp_model("t1.gguf"), b = temp_model("t3.gguf");
    const synth::Shape& shape = synth::find_shape("qwen2", "tiny");
    synth::write_model(shape, quant::parse_recipe("q4_0"), 9, a, 1);
    synth::write_model(shape, quant::parse_recipe("q4_0"), 9, b, 3);
    EXPECT_EQ(test::read_text(a), test::read_text(b));
    std::filesystem::remove(a);
    std::filesystem::remove(b);
}

TEST(Synth, RejectsUnknownShapeAndType) {
    EXPECT_THROW(synth::find_shape("llama", "70b"), Error);
    EXPECT_THROW(synth::find_shape("gpt9", "1b"), Error);
    EXPECT_THROW(quant::parse_recipe("iq2_xxs"), Error);
    EXPECT_EQ(quant::parse_recipe("Q4_K_M").type, GgmlType::q4_k);
}

TEST(Synth, ShapeNamesMayHoldDashes) {
    const synth::Shape& moe = synth::find_shape("qwen3moe-30b-a3b");  // ARCH-NAME, NAME with a dash
    EXPECT_EQ(moe.arch, "qwen3moe");
    EXPECT_EQ(moe.name, "30b-a3b");
    EXPECT_EQ(&synth::find_shape("gemma3-12b"), &synth::find_shape("gemma3", "12b"));
    EXPECT_THROW(synth::find_shape("qwen3moe-30b"), Error);
}

}  // namespace
}  // namespace hearth
