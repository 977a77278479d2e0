// `hearth quantize` on whole models: types follow the recipe, metadata is carried over, and a
// Q8_0 copy of the trained demo model still tells the same story.
#include <gtest/gtest.h>

#include <filesystem>

#include "hearth/hearth.hpp"
#include "quantize/quantize_model.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

std::filesystem::path temp_path(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("hearth-qm-" + std::to_string(::getpid()) + "-" + name);
}

std::vector<TokenId> greedy(const std::filesystem::path& path, const std::string& prompt, size_t n) {
    Model model = Model::load(path, {.threads = 1});
    Session session(model);
    GenerateOptions options;
    options.sampling.temperature = 0;
    options.max_tokens = n;
    return session.generate(prompt, options).tokens;
}

TEST(QuantizeModel, Q8CopyOfStoriesKeepsMetadataAndStory) {
    auto src = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(src);
    auto dst = temp_path("stories-q8.gguf");
    gguf::File in = gguf::File::open(src);
    size_t reported = 0;
    quant::quantize_model(in, quant::parse_recipe("q8_0"), dst, 2, [&](const quant::TensorReport&) { ++reported; });
    EXPECT_EQ(reported, in.tensors().size());
    {
        gguf::File out = gguf::File::open(dst);
        EXPECT_EQ(out.get_uint("general.file_type"), 7u);
        EXPECT_EQ(out.tensors().size(), in.tensors().size());
        EXPECT_EQ(out.get_array("tokenizer.ggml.tokens", gguf::ValueType::string).array_size(),
                  in.get_array("tokenizer.ggml.tokens", gguf::ValueType::string).array_size());
        EXPECT_EQ(out.get_string("general.architecture"), "llama");
        EXPECT_EQ(out.tensor("blk.0.attn_q.weight").type, GgmlType::q8_0);
        EXPECT_EQ(out.tensor("blk.0.attn_norm.weight").type, GgmlType::f32);
        EXPECT_LT(out.file_size(), in.file_size() / 2);
    }
    auto a = greedy(src, "Once upon a time", 12), b = greedy(dst, "Once upon a time", 12);
    EXPECT_EQ(a, b);
    std::filesystem::remove(dst);
}

TEST(QuantizeModel, MediumMixFallsBackForShortRows) {
    auto src = test::model_path("stories260K.gguf");  // rows of 64: too short for K-quant blocks
    HEARTH_REQUIRE_FILE(src);
    auto dst = temp_path("stories-q4km.gguf");
    gguf::File in = gguf::File::open(src);
    quant::quantize_model(in, quant::parse_recipe("q4_k_m"), dst, 1);
    gguf::File out = gguf::File::open(dst);
    EXPECT_EQ(out.get_uint("general.file_type"), 15u);
    EXPECT_EQ(out.tensor("blk.1.attn_q.weight").type, GgmlType::q5_0);   // Q4_K's fallback
    EXPECT_EQ(out.tensor("output.weight").type, GgmlType::q8_0);         // Q6_K's fallback
    EXPECT_EQ(out.tensor("blk.0.ffn_down.weight").type, GgmlType::f16);  // 172 columns: no 32-block fits
    std::filesystem::remove(dst);
}

}  // namespace
}  // namespace hearth
