// `hearth info`: text and --json output agree with what the GGUF file holds, for every shared
// model; errors go to stderr with exit status 1, usage errors exit 2.
#include <gtest/gtest.h>

#include "hearth/gguf.hpp"
#include <nlohmann/json.hpp>
#include "test_support.hpp"

namespace hearth {
namespace {


test::CommandResult hearth_cli(const std::string& args) {
    return test::run_command(test::shell_quote(test::cli_path()) + " " + args);
}

TEST(CliInfo, JsonMatchesFileForEverySharedModel) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    for (const std::string& name : test::shared_models()) {
        auto path = test::model_path(name);
        HEARTH_REQUIRE_FILE(path);
        SCOPED_TRACE(name);
        auto r = hearth_cli("info --json " + test::shell_quote(path.string()));
        ASSERT_EQ(r.status, 0) << r.err;
        const nlohmann::json j = nlohmann::json::parse(r.out);
        gguf::File f = gguf::File::open(path);
        std::string arch(f.get_string("general.architecture"));
        EXPECT_EQ(j["architecture"].get<std::string>(), arch);
        EXPECT_EQ(j["context_length"].get<double>(), double(f.get_uint(arch + ".context_length")));
        EXPECT_EQ(j["vocab_size"].get<double>(), double(f.get_array("tokenizer.ggml.tokens", gguf::ValueType::string).array_size()));
        EXPECT_EQ(j["tokenizer_model"].get<std::string>(), f.get_string("tokenizer.ggml.model"));
        EXPECT_EQ(j["metadata"][arch + ".embedding_length"].get<double>(), double(f.get_uint(arch + ".embedding_length")));
        EXPECT_EQ(j["metadata"]["general.architecture"].get<std::string>(), arch);
        uint64_t params = 0;
        ASSERT_EQ(j["tensors"].size(), f.tensors().size());
        for (size_t i = 0; i < f.tensors().size(); ++i) {
            const gguf::TensorInfo& t = f.tensors()[i];
            const nlohmann::json& jt = j["tensors"][i];
            EXPECT_EQ(jt["name"].get<std::string>(), t.name);
            EXPECT_EQ(jt["type"].get<std::string>(), ggml_type_name(t.type));
            ASSERT_EQ(jt["shape"].size(), t.n_dims);
            for (uint32_t d = 0; d < t.n_dims; ++d) EXPECT_EQ(jt["shape"][d].get<double>(), double(t.ne[d]));
            EXPECT_EQ(jt["bytes"].get<double>(), double(t.n_bytes));
            params += t.n_elements;
        }
        EXPECT_EQ(j["parameters"].get<double>(), double(params));
    }
}

TEST(CliInfo, TextSummaryNamesTheEssentials) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    auto path = test::model_path("tiny-llama3-q4_k_m.gguf");
    HEARTH_REQUIRE_FILE(path);
    auto r = hearth_cli("info " + test::shell_quote(path.string()));
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char* s : {"architecture:    llama", "file type:       Q4_K_M", "context length:  2048", "vocab size:      128256",
                          "tokenizer:       gpt2 / pre llama-bpe", "blk.0.attn_v.weight", "q6_K"})
        EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out.substr(0, 800);
}

TEST(CliInfo, ErrorsAndUsage) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    auto missing = hearth_cli("info /nonexistent/model.gguf");
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("error: /nonexistent/model.gguf: cannot open"), std::string::npos) << missing.err;
    EXPECT_EQ(hearth_cli("info").status, 2);
    EXPECT_EQ(hearth_cli("info --bogus x.gguf").status, 2);
    EXPECT_EQ(hearth_cli("no-such-command").status, 2);
    EXPECT_EQ(hearth_cli("--help").status, 0);
    // A file that is not GGUF.
    auto not_gguf = hearth_cli("info " + test::shell_quote((test::shared_dir() / "models" / "README.md").string()));
    if (std::filesystem::exists(test::shared_dir() / "models" / "README.md")) {
        EXPECT_EQ(not_gguf.status, 1);
        EXPECT_NE(not_gguf.err.find("not a GGUF file"), std::string::npos) << not_gguf.err;
    }
}

}  // namespace
}  // namespace hearth
