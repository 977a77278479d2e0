// `hearth embed`: one JSON line per TEXT (or per --jsonl request line) holding the library's
// vector, --pooling and --normalize, and usage mistakes exiting 2.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hearth/hearth.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {


class CliEmbed : public test::CliTest {
protected:
    CliEmbed() : CliTest("stories260K.gguf") {}
    // `hearth embed` on the fixture's model with a small context.
    test::CommandResult embed(const std::string& args, const std::string& stdin_text = "") const {
        return hearth("embed -m " + model + " -c 128 " + args, stdin_text);
    }
    static std::vector<nlohmann::json> lines(const std::string& out) {
        std::vector<nlohmann::json> v;
        std::istringstream in(out);
        for (std::string l; std::getline(in, l);) v.push_back(nlohmann::json::parse(l));
        return v;
    }
};

TEST_F(CliEmbed, OneLinePerTextWithTheLibrarysVector) {
    const auto r = embed("'Once upon a time' 'A cat sat.' --pooling mean");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto out = lines(r.out);
    ASSERT_EQ(out.size(), 2u) << r.out;
    const Model m = Model::load(model_file, {.threads = 1});
    Session s(m, {.n_ctx = 128, .ggml_order = true});  // as hearth embed
    EXPECT_EQ(out[0]["embedding"].get<std::vector<float>>(), s.embed("Once upon a time", {.pooling = Pooling::mean}));
    EXPECT_EQ(out[1]["embedding"].get<std::vector<float>>(), s.embed("A cat sat.", {.pooling = Pooling::mean}));

    const auto unit = embed("'Once upon a time' --normalize");
    ASSERT_EQ(unit.status, 0) << unit.err;
    double norm2 = 0;
    for (float x : lines(unit.out).at(0)["embedding"].get<std::vector<float>>()) norm2 += double(x) * x;
    EXPECT_NEAR(std::sqrt(norm2), 1.0, 1e-6);
}

TEST_F(CliEmbed, JsonlAnswersEveryLine) {
    const auto r = embed("--jsonl --pooling last", "{\"text\": \"Once upon a time\"}\n\nnot json\n{\"text\": \"\"}\n{\"text\": \"Once upon a time\"}\n");
    EXPECT_EQ(r.status, 1) << "some lines failed";
    const auto out = lines(r.out);
    ASSERT_EQ(out.size(), 5u) << r.out;
    EXPECT_EQ(out[0]["embedding"].size(), 64u);
    for (size_t i : {1, 2, 3}) EXPECT_TRUE(out[i].contains("error")) << out[i];
    EXPECT_NE(out[3]["error"].get<std::string>().find("empty"), std::string::npos) << out[3];
    EXPECT_EQ(out[4], out[0]);
}

TEST_F(CliEmbed, UsageMistakesExit2) {
    for (const char* args : {"", "'x' --pooling max", "--jsonl 'x'", "''", "'x' --bogus"}) {
        const auto r = embed(args);
        EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
        EXPECT_TRUE(r.out.empty()) << args;
    }
    const auto too_long = test::run_command(cli + " embed -m " + model + " -c 8 'Once upon a time there was a little girl named Lily'");
    EXPECT_EQ(too_long.status, 1);
    EXPECT_NE(too_long.err.find("context holds 8"), std::string::npos) << too_long.err;
}

}  // namespace
}  // namespace hearth
