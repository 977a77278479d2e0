// `hearth perplexity`: a story in the demo model's own style scores far better than shuffled
// words, and the command fails clearly on text shorter than one chunk.
#include <gtest/gtest.h>

#include <fstream>

#include "test_support.hpp"

namespace hearth {
namespace {

double final_ppl(const std::string& out) {
    auto at = out.find("PPL = ");
    if (at == std::string::npos) return -1;
    return std::stod(out.substr(at + 6));
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

}  // namespace
}  // namespace hearth
