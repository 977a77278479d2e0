// Golden tests: hearth's logits and greedy tokens against llama.cpp's, for every shared model.
#include <cstdio>
#include <cstring>

#include "hearth/hearth.hpp"
#include "kernels/kernels.hpp"
#include "test_golden_data.hpp"

namespace hearth::test {
namespace {

class Golden : public ::testing::TestWithParam<std::string> {
protected:
    std::string stem() const { return GetParam().substr(0, GetParam().size() - 5); }
};

TEST_P(Golden, LogitsMatchLlamaCpp) {
    const auto model_file = model_path(GetParam());
    const auto ref = reference_dir(stem());
    HEARTH_REQUIRE_FILE(model_file);
    HEARTH_REQUIRE_FILE(ref / "logits.f32");
    const Model model = Model::load(model_file, {.threads = 2});
    const std::vector<int32_t> ids = json_int_array(read_text(ref / "logits.json"), "prompt_ids");
    const std::vector<float> expected = read_f32(ref / "logits.f32");
    const size_t n_vocab = model.config().n_vocab;
    ASSERT_EQ(expected.size(), ids.size() * n_vocab);

    Session session(model, {.n_ctx = 256, .n_batch = 512});
    std::vector<float> logits(ids.size() * n_vocab);
    session.eval(ids, logits);
    const Agreement a = compare_logits(logits, expected, n_vocab);
    std::printf("[golden] %-24s rows %zu  top-1 %zu/%zu  max NRMSE %.3g  mean KL %.3g\n", stem().c_str(), a.rows,
                a.top1_same, a.rows, a.max_nrmse, a.mean_kl);
    EXPECT_EQ(a.top1_same, a.rows);
    EXPECT_LE(a.max_nrmse, 0.02);
    EXPECT_LE(a.mean_kl, 1e-3);
}

// In the ggml order (hearth eval's), every logit of the reference prompt is llama.cpp's float,
// bit for bit, on every model. That holds where hearth emulates llama.cpp's x86 kernels (its
// AVX-512 builds, which made the reference files); the scalar ref level and NEON sum Q8_0 and
// Q4_0 dot products in other lane orders, so there the bound is the one above.
TEST_P(Golden, GgmlOrderGivesLlamaCppsLogitsBitForBit) {
    const kernels::Isa isa = kernels::active_isa();
    if (isa == kernels::Isa::ref || isa == kernels::Isa::neon)
        GTEST_SKIP() << "llama.cpp's x86 orders are emulated at the x86 SIMD levels, not at " << kernels::isa_name(isa);
    const auto model_file = model_path(GetParam());
    const auto ref = reference_dir(stem());
    HEARTH_REQUIRE_FILE(model_file);
    HEARTH_REQUIRE_FILE(ref / "logits.f32");
    const std::vector<int32_t> ids = json_int_array(read_text(ref / "logits.json"), "prompt_ids");
    const std::vector<float> expected = read_f32(ref / "logits.f32");
    for (size_t threads : {1u, 2u}) {
        const Model model = Model::load(model_file, {.threads = threads});
        ASSERT_EQ(expected.size(), ids.size() * model.config().n_vocab);
        Session session(model, {.n_ctx = 256, .n_batch = 512, .ggml_order = true});
        std::vector<float> logits(expected.size());
        session.eval(ids, logits);
        size_t differing = 0;
        for (size_t i = 0; i < logits.size(); ++i) differing += std::memcmp(&logits[i], &expected[i], sizeof(float)) != 0;
        EXPECT_EQ(differing, 0u) << threads << " thread(s): " << differing << " of " << logits.size() << " logits differ";
    }
}

TEST_P(Golden, GreedyMatchesLlamaCpp) {
    const auto model_file = model_path(GetParam());
    const auto ref = reference_dir(stem());
    HEARTH_REQUIRE_FILE(model_file);
    HEARTH_REQUIRE_FILE(ref / "greedy.jsonl");
    // llama.cpp decodes single Q4_0 tokens in its repacked block order (rows in eights), bit for
    // bit its batch result. hearth does too where the level has a single-token block-order kernel
    // (FewTokenGemm::one); elsewhere it takes vec_dot's order (logits NRMSE ~1e-2 on this model),
    // and prompt 2's 1.15e-3 logit near-tie at step 7 flips. Gemma3.TeacherForcedGreedyMatchesLlamaCpp
    // checks every greedy step of both prompts in the block order at any level.
    if (stem() == "tiny-gemma3-q4_0" && kernels::type_kernels(GgmlType::q4_0)->gemm.few.one == nullptr)
        GTEST_SKIP() << "no single-token block-order Q4_0 kernel at " << kernels::isa_name(kernels::active_isa())
                     << ": decode order differs from llama.cpp's; see the comment";
    const Model model = Model::load(model_file, {.threads = 2});
    Session session(model, {.n_ctx = 256});
    GenerateOptions greedy;
    greedy.sampling.temperature = 0;
    for (const std::string& line : read_lines(ref / "greedy.jsonl")) {
        const std::vector<int32_t> prompt = json_int_array(line, "prompt_ids");
        const std::vector<int32_t> expected = json_int_array(line, "ids");
        greedy.max_tokens = expected.size();
        session.reset();
        const GenerateResult r = session.generate(std::span<const TokenId>(prompt), greedy);
        size_t same = 0;
        while (same < std::min(r.tokens.size(), expected.size()) && r.tokens[same] == expected[same]) ++same;
        std::printf("[golden] %-24s greedy %zu/%zu ids equal\n", stem().c_str(), same, expected.size());
        EXPECT_EQ(r.tokens, expected) << "prompt_ids " << line.substr(0, 120);
    }
}

INSTANTIATE_TEST_SUITE_P(SharedModels, Golden, ::testing::ValuesIn(shared_models()),
                         [](const auto& info) {
                             std::string n = info.param.substr(0, info.param.size() - 5);
                             for (char& ch : n)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return n;
                         });

}  // namespace
}  // namespace hearth::test
