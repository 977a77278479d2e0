// `hearth quantize --report [--kl TEXT]`: every re-encoded tensor gets a finite relative error,
// fewer bits give bigger errors, and a Q8_0 copy diverges from its F32 source a little, not at all
// or a lot.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>

#include "test_support.hpp"

namespace hearth {
namespace {

std::filesystem::path temp_path(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("hearth-qr-" + std::to_string(::getpid()) + "-" + name);
}

test::CommandResult quantize(const std::filesystem::path& out, const std::string& type, const std::string& extra = "") {
    return test::run_command(test::shell_quote(test::cli_path()) + " quantize -t 2 --report " + extra + " " +
                             test::shell_quote(test::model_path("stories260K.gguf").string()) + " " +
                             test::shell_quote(out.string()) + " " + type);
}

// Tensor name -> relative error (in %) from the per-tensor lines of a --report run.
std::map<std::string, double> tensor_errors(const std::string& err) {
    static const std::regex line(R"(^\s+(\S+)\s+\S+ -> (\S+).*error\s+(\S+) %$)");
    std::map<std::string, double> errors;
    std::istringstream in(err);
    for (std::string l; std::getline(in, l);)
        if (std::smatch m; std::regex_match(l, m, line)) errors[m[1]] = std::stod(m[3]);
    return errors;
}

size_t reencoded_lines(const std::string& err) {
    size_t n = 0;
    std::istringstream in(err);
    for (std::string l; std::getline(in, l);) n += l.find(" -> ") != std::string::npos && l.find("(kept)") == std::string::npos;
    return n;
}

TEST(CliQuantizeReport, EveryTensorHasAnErrorAndFewerBitsCostMore) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    HEARTH_REQUIRE_FILE(test::model_path("stories260K.gguf"));
    const auto q8 = temp_path("q8.gguf"), q4 = temp_path("q4.gguf");
    auto r8 = quantize(q8, "q8_0"), r4 = quantize(q4, "q4_0");
    std::filesystem::remove(q8);
    std::filesystem::remove(q4);
    ASSERT_EQ(r8.status, 0) << r8.err;
    ASSERT_EQ(r4.status, 0) << r4.err;
    const auto e8 = tensor_errors(r8.err), e4 = tensor_errors(r4.err);
    ASSERT_GT(e8.size(), 0u) << r8.err;
    EXPECT_EQ(e8.size(), reencoded_lines(r8.err)) << r8.err;
    EXPECT_EQ(e4.size(), reencoded_lines(r4.err)) << r4.err;
    for (const auto& [name, error] : e8) {
        EXPECT_TRUE(std::isfinite(error) && error > 0) << name << " " << error;
        ASSERT_TRUE(e4.count(name)) << name;
        EXPECT_GT(e4.at(name), 2 * error) << name;
    }
    EXPECT_NE(r8.out.find("costliest"), std::string::npos) << r8.out;
}

TEST(CliQuantizeReport, Q8KlAgainstF32IsSmallButNotZero) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    HEARTH_REQUIRE_FILE(test::model_path("stories260K.gguf"));
    const auto q8 = temp_path("q8kl.gguf");
    const std::string story = (std::filesystem::path(HEARTH_TEST_DATA_DIR) / "perplexity" / "story.txt").string();
    auto r = quantize(q8, "q8_0", "-q -c 128 --chunks 4 --kl " + test::shell_quote(story));
    std::filesystem::remove(q8);
    ASSERT_EQ(r.status, 0) << r.err;
    auto value = [&](const std::string& label) {
        auto at = r.out.find(label);
        return at == std::string::npos ? -1.0 : std::stod(r.out.substr(at + label.size()));
    };
    const double kl = value("mean KL(base || model)");
    EXPECT_GT(kl, 0.0) << r.out;
    EXPECT_LT(kl, 0.01) << r.out;
    EXPECT_GT(value("top-1 agreement"), 90.0) << r.out;
    EXPECT_NEAR(value("PPL(model)") / value("PPL(base)"), 1.0, 0.01) << r.out;
}

TEST(CliQuantizeReport, KlWithoutReportIsAUsageError) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    auto r = test::run_command(test::shell_quote(test::cli_path()) + " quantize --kl x.txt in.gguf out.gguf q8_0");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--kl needs --report"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hearth
