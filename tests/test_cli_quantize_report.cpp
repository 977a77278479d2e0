// `hearth quantize --report [--kl TEXT]`: every re-encoded tensor gets a finite relative error,
// fewer bits give bigger errors, and a Q8_0 copy diverges from its F32 source a little, not at all
// or a lot.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include "hearth/gguf.hpp"
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

struct TensorLine {
    std::string type;   // what it was stored as ("(kept)" when copied)
    double error = -1;  // relative error in %, -1 when the line shows none
};

// Tensor name -> its line in the per-tensor listing of a --report run.
std::map<std::string, TensorLine> tensor_lines(const std::string& err) {
    static const std::regex line(R"(^  (\S+)\s+\S+ -> (\S+)\s+\S+ bpw\s+\S+ \S+(?:\s+error\s+(\S+) %)?$)");
    std::map<std::string, TensorLine> lines;
    std::istringstream in(err);
    for (std::string l; std::getline(in, l);)
        if (std::smatch m; std::regex_match(l, m, line))
            lines[m[1]] = {m[2], m[3].matched ? std::stod(m[3]) : -1.0};
    return lines;
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
    const auto t8 = tensor_lines(r8.err), t4 = tensor_lines(r4.err);
    ASSERT_EQ(t8.size(), gguf::File::open(test::model_path("stories260K.gguf")).tensors().size()) << r8.err;
    size_t compared = 0;
    for (const auto& [name, q8] : t8) {
        ASSERT_TRUE(t4.count(name)) << name;
        const TensorLine& q4 = t4.at(name);
        if (q8.type == "(kept)") {
            EXPECT_EQ(q8.error, -1) << name << ": a copied tensor has no error";
            continue;
        }
        EXPECT_TRUE(std::isfinite(q8.error) && q8.error > 0) << name << " " << q8.error;
        EXPECT_TRUE(std::isfinite(q4.error) && q4.error > 0) << name << " " << q4.error;
        // Rows that are not whole blocks fall back to F16 in both: only real Q4_0 vs Q8_0 compare.
        if (q8.type == "q8_0" && q4.type == "q4_0") {
            EXPECT_GT(q4.error, 2 * q8.error) << name;
            ++compared;
        }
    }
    EXPECT_GT(compared, 20u) << r4.err;
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
