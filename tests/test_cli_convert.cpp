// `hearth convert` from the command line: usage mistakes exit 2, bad input exits 1 with the
// library's message, and no output file is left behind.
#include <gtest/gtest.h>

#include "hf_test_model.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

class CliConvert : public ::testing::Test {
protected:
    std::filesystem::path root = std::filesystem::temp_directory_path() / ("hearth_cli_cv_" + std::to_string(::getpid()));
    std::filesystem::path out = root / "out.gguf";
    void SetUp() override {
        if (cli_path().empty()) GTEST_SKIP() << "CLI not built";
        std::filesystem::create_directories(root);
    }
    void TearDown() override { std::filesystem::remove_all(root); }
    CommandResult convert(const std::filesystem::path& dir, const std::string& extra = "") {
        return run_command(shell_quote(cli_path()) + " convert " + shell_quote(dir.string()) + " " + shell_quote(out.string()) + extra);
    }
};

TEST_F(CliConvert, UsageErrorsExitTwo) {
    EXPECT_EQ(convert(root / "absent").status, 2);
    const TinyShape s;
    write_hf_model(root / "m", tiny_config("LlamaForCausalLM", s), tiny_weights(s, {}, 1));
    const CommandResult r = convert(root / "m", " --type q9_9");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("q4_k_m"), std::string::npos) << r.err;  // lists the recipes
    EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(CliConvert, UnknownArchitectureExitsOneWithoutOutput) {
    const TinyShape s;
    write_hf_model(root / "m", tiny_config("RwkvForCausalLM", s), tiny_weights(s, {}, 1));
    const CommandResult r = convert(root / "m");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("architecture 'RwkvForCausalLM' is not supported"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace hearth::test
