// `hearth imatrix` and `hearth quantize --imatrix` end to end on the demo model: the file has one
// count per evaluated token and quantize uses it; a file that does not fit the model is refused
// with the tensor named and no output written.
#include <gtest/gtest.h>

#include "hearth/imatrix.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

std::filesystem::path temp(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("hearth-imatrix-" + std::to_string(::getpid()) + "-" + name);
}

std::string quoted(const std::filesystem::path& p) { return test::shell_quote(p.string()); }

TEST(CliImatrix, CountsEveryTokenAndQuantizeUsesTheFile) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const auto model = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(model);
    const auto text = std::filesystem::path(HEARTH_TEST_DATA_DIR) / "imatrix" / "calibration.txt";
    const auto imatrix = temp("stories.imatrix.gguf"), out = temp("stories-q4_0.gguf");
    const std::string cli = test::shell_quote(test::cli_path());
    auto r = test::run_command(cli + " imatrix -t 1 -c 64 --chunks 4 -m " + quoted(model) + " -f " + quoted(text) + " -o " +
                               quoted(imatrix));
    ASSERT_EQ(r.status, 0) << r.err;
    const Imatrix m = Imatrix::load(imatrix);
    EXPECT_EQ(m.chunk_count, 4u);
    EXPECT_EQ(m.chunk_size, 64u);
    ASSERT_NE(m.find("blk.0.attn_q.weight"), nullptr);
    EXPECT_EQ(m.find("blk.0.attn_q.weight")->counts, std::vector<float>{4 * 64});
    EXPECT_EQ(m.find("output.weight")->counts, std::vector<float>{4 * 64});

    r = test::run_command(cli + " quantize -q " + quoted(model) + " " + quoted(out) + " q4_0 --imatrix " + quoted(imatrix));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("used for"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("token_embd.weight: not in the imatrix"), std::string::npos) << r.err;  // never multiplied
    std::filesystem::remove(imatrix);
    std::filesystem::remove(out);
}

TEST(CliImatrix, AnImatrixOfAnotherModelIsRefused) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const auto model = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(model);
    Imatrix m;
    ImatrixEntry e;
    e.n_cols = 128;  // stories260K's attention matrices have 64 columns
    e.in_sum2.assign(128, 1.0f);
    e.counts = {1.0f};
    m.entries.emplace("blk.2.attn_k.weight", e);
    const auto imatrix = temp("wrong.imatrix.gguf"), out = temp("refused.gguf");
    m.save(imatrix);
    const std::string cli = test::shell_quote(test::cli_path());
    auto r = test::run_command(cli + " quantize -q " + quoted(model) + " " + quoted(out) + " q4_k_m --imatrix " + quoted(imatrix));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("blk.2.attn_k.weight"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
    r = test::run_command(cli + " quantize -q " + quoted(model) + " " + quoted(out) + " q4_k_m --imatrix " + quoted(temp("missing")));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
    std::filesystem::remove(imatrix);
}

}  // namespace
}  // namespace hearth
