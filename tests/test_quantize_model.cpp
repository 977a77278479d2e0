// `hearth quantize` on whole models: types follow the recipe, metadata is carried over, and a
// Q8_0 copy of the trained demo model still tells the same story.
#include <gtest/gtest.h>

#include <filesystem>

#include "hearth/hearth.hpp"
#include "hearth/quantize.hpp"
#include "quantize/mix.hpp"
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

// llama-quantize's per-tensor rules for the K-quant file types (llama-quant.cpp), on a 32-layer
// model: the type each recipe gives each kind of matrix.
GgmlType type_for(std::string_view recipe, std::string_view name, size_t n_gqa = 1, size_t n_expert = 0, size_t n_cols = 4096) {
    const quant::TensorRole role{name, 2, n_cols, 32, false, n_gqa, n_expert};
    return quant::choose_type(quant::parse_recipe(recipe), role)->type;
}

struct RecipeCase {
    std::string_view recipe, tensor;
    size_t n_gqa, n_expert;
    GgmlType type;
};

TEST(QuantizeRecipes, KQuantMixesFollowLlamaCpp) {
    using enum GgmlType;
    const RecipeCase cases[] = {
        {"q2_k", "output.weight", 1, 0, q6_k},
        {"q2_k", "blk.3.attn_q.weight", 1, 0, q2_k},
        {"q2_k", "blk.3.attn_v.weight", 1, 0, q3_k},
        {"q2_k", "blk.3.attn_v.weight", 4, 0, q4_k},  // grouped-query attention: v is small
        {"q2_k", "blk.3.ffn_down.weight", 1, 0, q3_k},
        {"q2_k", "blk.3.attn_output.weight", 1, 0, q3_k},
        {"q3_k_s", "blk.0.attn_v.weight", 1, 0, q3_k},
        {"q3_k_s", "blk.0.ffn_down.weight", 1, 0, q3_k},
        {"q3_k_m", "blk.1.attn_v.weight", 1, 0, q5_k},
        {"q3_k_m", "blk.2.attn_v.weight", 1, 0, q4_k},
        {"q3_k_m", "blk.1.ffn_down.weight", 1, 0, q5_k},  // the first sixteenth
        {"q3_k_m", "blk.2.ffn_down.weight", 1, 0, q4_k},
        {"q3_k_m", "blk.9.attn_output.weight", 1, 0, q4_k},
        {"q3_k_m", "blk.9.ffn_up.weight", 1, 0, q3_k},
        {"q3_k_l", "blk.9.attn_v.weight", 1, 0, q5_k},
        {"q3_k_l", "blk.9.ffn_down.weight", 1, 0, q5_k},
        {"q3_k_l", "blk.9.attn_output.weight", 1, 0, q5_k},
        {"q4_k_s", "blk.3.attn_v.weight", 1, 0, q5_k},
        {"q4_k_s", "blk.4.attn_v.weight", 1, 0, q4_k},
        {"q4_k_s", "blk.3.ffn_down.weight", 1, 0, q5_k},  // the first eighth
        {"q4_k_s", "blk.4.ffn_down.weight", 1, 0, q4_k},
        {"q4_k_m", "blk.0.attn_v.weight", 1, 0, q6_k},  // use_more_bits: first eighth,
        {"q4_k_m", "blk.5.attn_v.weight", 1, 0, q4_k},
        {"q4_k_m", "blk.6.attn_v.weight", 1, 0, q6_k},  // every third after it,
        {"q4_k_m", "blk.7.ffn_down.weight", 1, 0, q4_k},
        {"q4_k_m", "blk.9.ffn_down.weight", 1, 0, q6_k},
        {"q4_k_m", "blk.28.ffn_down.weight", 1, 0, q6_k},  // and the last eighth
        {"q5_k_s", "blk.0.ffn_down.weight", 1, 0, q5_k},
        {"q6_k", "blk.0.attn_v.weight", 1, 0, q6_k},
        // Eight experts (Mixtral-like): attention gets the bits the experts save.
        {"q4_k_m", "blk.9.attn_v.weight", 4, 8, q8_0},
        {"q4_k_m", "blk.9.attn_k.weight", 4, 8, q8_0},
        {"q4_k_m", "blk.9.attn_output.weight", 4, 8, q5_k},
        {"q4_k_m", "blk.9.ffn_up_exps.weight", 4, 8, q4_k},
    };
    for (const RecipeCase& c : cases)
        EXPECT_EQ(type_for(c.recipe, c.tensor, c.n_gqa, c.n_expert), c.type) << c.recipe << " " << c.tensor;

    // The legacy and float recipes give every matrix the one type; 1-D tensors and the router stay.
    EXPECT_EQ(type_for("q4_0", "output.weight"), q4_0);
    EXPECT_EQ(type_for("f16", "blk.0.attn_v.weight"), f16);
    EXPECT_FALSE(quant::choose_type(quant::parse_recipe("q4_k_m"), {"blk.0.ffn_gate_inp.weight", 2, 4096, 32}));
    EXPECT_FALSE(quant::choose_type(quant::parse_recipe("q4_k_m"), {"blk.0.attn_norm.weight", 1, 4096, 32}));
}

TEST(QuantizeRecipes, RowsThatAreNotWholeBlocksFallBackAsLlamaCpp) {
    const quant::Recipe q2 = quant::parse_recipe("q2_k");
    const auto a = quant::choose_type(q2, {"blk.0.attn_q.weight", 2, 4544, 32});  // 4544 = 17.75 x 256
    EXPECT_EQ(a->wanted, GgmlType::q2_k);
    EXPECT_EQ(a->type, GgmlType::q4_0);
    const auto b = quant::choose_type(q2, {"blk.0.attn_q.weight", 2, 100, 32});  // not even 32s
    EXPECT_EQ(b->type, GgmlType::f16);
    const auto out = quant::choose_type(quant::parse_recipe("q4_k_m"), {"output.weight", 2, 4544, 32});
    EXPECT_EQ(out->type, GgmlType::q8_0);
}

TEST(QuantizeRecipes, NamesAndAliases) {
    EXPECT_EQ(quant::parse_recipe("Q4_K").name, "Q4_K_M");  // llama-quantize's aliases
    EXPECT_EQ(quant::parse_recipe("q3_k").name, "Q3_K_M");
    EXPECT_EQ(quant::file_type_id(quant::parse_recipe("q2_k")), 10u);
    EXPECT_EQ(quant::file_type_id(quant::parse_recipe("q3_k_l")), 13u);
    EXPECT_EQ(quant::file_type_id(quant::parse_recipe("q5_k_s")), 16u);
    try {
        quant::parse_recipe("iq2_xxs");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("q3_k_m"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace hearth
