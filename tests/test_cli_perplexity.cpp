// `hearth perplexity`: chunk by chunk the numbers llama.cpp's perplexity computes from its own
// logits (tests/data/perplexity, made by make_expected.mjs there), a story in the demo model's
// style scores far better than shuffled words, --kl-base compares two models on the same
// positions, and bad input fails clearly.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

#include "test_support.hpp"

namespace hearth {
namespace {

double final_ppl(const std::string& out) {
    auto at = out.find("PPL = ");
    if (at == std::string::npos) return -1;
    return std::stod(out.substr(at + 6));
}

// The running perplexities "[1]2.6561,[2]3.3627,..." in order.
std::vector<double> chunk_ppls(const std::string& out) {
    static const std::regex entry(R"(\[(\d+)\]([0-9.]+),)");
    std::vector<double> v;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), entry); it != std::sregex_iterator(); ++it)
        if (std::stoul((*it)[1]) == v.size() + 1) v.push_back(std::stod((*it)[2]));
    return v;
}

// The number after `label` in a --kl-base summary line ("  mean KL(base || model)  0.000123 nats").
double summary_value(const std::string& out, const std::string& label) {
    auto at = out.find(label);
    if (at == std::string::npos) return -1;
    return std::stod(out.substr(at + label.size()));
}

const std::filesystem::path kData = std::filesystem::path(HEARTH_TEST_DATA_DIR) / "perplexity";

std::string perplexity_command(const std::filesystem::path& model, const std::string& args) {
    return test::shell_quote(test::cli_path()) + " perplexity -t 2 -m " + test::shell_quote(model.string()) + " -f " +
           test::shell_quote((kData / "story.txt").string()) + " " + args;
}

std::string write_temp(const std::string& name, const std::string& text) {
    auto p = std::filesystem::temp_directory_path() / ("hearth-ppl-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(p) << text;
    return p.string();
}

TEST(CliPerplexity, StoryBeatsShuffledWords) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    auto model = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(model);
    const std::string story =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
        "One day, she saw a big red ball. She ran to the ball and picked it up. She was very happy. ";
    const std::string shuffled =
        "ball park she big upon Lily time. a outside red happy loved One was named girl there picked day "
        "ran up the very play in to it saw She little Once she a was She, to the. the. ";
    auto cmd = [&](const std::string& file) {
        return test::run_command(test::shell_quote(test::cli_path()) + " perplexity -t 1 -c 32 -m " +
                                 test::shell_quote(model.string()) + " -f " + test::shell_quote(file));
    };
    const std::string story_file = write_temp("story.txt", story), shuffled_file = write_temp("shuffled.txt", shuffled);
    auto good = cmd(story_file), bad = cmd(shuffled_file);
    std::filesystem::remove(story_file);
    std::filesystem::remove(shuffled_file);
    ASSERT_EQ(good.status, 0) << good.err;
    ASSERT_EQ(bad.status, 0) << bad.err;
    const double p_good = final_ppl(good.out), p_bad = final_ppl(bad.out);
    EXPECT_GT(p_good, 1.0);
    EXPECT_LT(p_good, 6.0) << good.out;
    EXPECT_GT(p_bad, 3 * p_good) << bad.out;
}

TEST(CliPerplexity, TooShortTextIsAClearError) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    auto model = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(model);
    const std::string file = write_temp("short.txt", "Hi.");
    auto r = test::run_command(test::shell_quote(test::cli_path()) + " perplexity -c 512 -m " +
                               test::shell_quote(model.string()) + " -f " + test::shell_quote(file));
    std::filesystem::remove(file);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("less than one chunk"), std::string::npos) << r.err;
}

TEST(CliPerplexity, MatchesLlamaCppChunkByChunk) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const nlohmann::json expected = nlohmann::json::parse(test::read_text(kData / "expected.json"));
    auto model = test::model_path(expected["model"].get<std::string>());
    HEARTH_REQUIRE_FILE(model);
    const size_t n_ctx = expected["n_ctx"];
    auto r = test::run_command(perplexity_command(model, "-c " + std::to_string(n_ctx)));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find(std::to_string(expected["n_tokens"].get<size_t>()) + " tokens"), std::string::npos)
        << "tokenized differently from llama.cpp: " << r.err;
    const std::vector<double> got = chunk_ppls(r.out);
    const std::vector<double> want = expected["chunks"];
    ASSERT_EQ(got.size(), want.size()) << r.out;
    // 0.01 %: the printed 4 decimals round by at most 0.002 % at these values.
    for (size_t c = 0; c < want.size(); ++c) EXPECT_NEAR(got[c] / want[c], 1.0, 1e-4) << "chunk " << c + 1;
    EXPECT_NEAR(final_ppl(r.out) / expected["final"].get<double>(), 1.0, 1e-4) << r.out;
}

TEST(CliPerplexity, KlBaseOfTheModelItselfIsZero) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    auto model = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(model);
    auto r = test::run_command(perplexity_command(model, "-c 128 --chunks 3 --kl-base " + test::shell_quote(model.string())));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(summary_value(r.out, "mean KL(base || model)"), 0.0) << r.out;
    EXPECT_EQ(summary_value(r.out, "p99 KL"), 0.0) << r.out;
    EXPECT_EQ(summary_value(r.out, "top-1 agreement"), 100.0) << r.out;
    EXPECT_EQ(summary_value(r.out, "PPL(base)"), summary_value(r.out, "PPL(model)")) << r.out;
    EXPECT_EQ(chunk_ppls(r.out).size(), 3u) << r.out;
}

TEST(CliPerplexity, KlBaseWithAnotherVocabularyIsAClearError) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    auto model = test::model_path("stories260K.gguf"), other = test::model_path("tiny-llama3-q8_0.gguf");
    HEARTH_REQUIRE_FILE(model);
    HEARTH_REQUIRE_FILE(other);
    auto r = test::run_command(perplexity_command(model, "-c 128 --kl-base " + test::shell_quote(other.string())));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("different vocabularies"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hearth
