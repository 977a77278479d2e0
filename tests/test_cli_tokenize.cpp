// `hearth tokenize --jsonl`: llama.cpp's tokenize.jsonl lines in, the same ids back, one line
// for every input line (blank and bad ones as {"error": ...}).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.hpp"

namespace hearth {
namespace {

TEST(CliTokenize, JsonlGivesLlamaCppsIdsLineForLine) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const auto model = test::model_path("tiny-qwen3-q4_k_m.gguf");
    const auto ref = test::reference_dir("tiny-qwen3-q4_k_m") / "tokenize.jsonl";
    HEARTH_REQUIRE_FILE(model);
    HEARTH_REQUIRE_FILE(ref);
    std::string input = test::read_text(ref);
    input += "\nnot json\n{\"text\": 5}\n";  // a blank line and two bad ones after the reference lines
    const auto r = test::run_command(test::shell_quote(test::cli_path()) + " tokenize -m " + test::shell_quote(model.string()) + " --jsonl", input);
    EXPECT_EQ(r.status, 1) << "bad lines make the status 1";
    std::vector<nlohmann::json> in, out;
    std::istringstream ins(input), outs(r.out);
    for (std::string l; std::getline(ins, l);) in.push_back(l.empty() || l[0] != '{' ? nlohmann::json() : nlohmann::json::parse(l));
    for (std::string l; std::getline(outs, l);) out.push_back(nlohmann::json::parse(l));
    ASSERT_EQ(out.size(), in.size()) << r.err;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i].is_object() && in[i].contains("ids"))
            EXPECT_EQ(out[i]["ids"], in[i]["ids"]) << in[i]["text"];
        else
            EXPECT_TRUE(out[i].contains("error")) << i << ": " << out[i];
    }
}

}  // namespace
}  // namespace hearth
