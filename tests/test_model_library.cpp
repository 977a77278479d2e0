// The local model library: fake Ollama, LM Studio, Hugging Face and hearth stores in a temp
// folder, listed and resolved by name through the library and the CLI.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hearth/error.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/model_library.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

namespace fs = std::filesystem;

const std::string kDigest = "sha256:" + std::string(64, 'a');
const std::string kDigest2 = "sha256:" + std::string(63, 'b') + "c";

void write_bytes(const fs::path& p, const std::vector<std::byte>& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_text(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// A small valid GGUF of architecture arch with n_params F32 weights.
std::vector<std::byte> tiny_gguf(const std::string& arch, uint64_t n_params) {
    static std::vector<float> w(4096, 0.5f);
    gguf::Writer wr;
    wr.add_string("general.architecture", arch);
    const uint64_t ne[1] = {n_params};
    wr.add_tensor("token_embd.weight", GgmlType::f32, ne, std::as_bytes(std::span(w).first(n_params)));
    return wr.to_bytes();
}

std::string manifest(const std::string& model_digest) {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
           R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:)" + std::string(64, 'f') + R"(","size":10},)"
           R"("layers":[{"mediaType":"application/vnd.ollama.image.model","digest":")" + model_digest + R"(","size":100},)"
           R"({"mediaType":"application/vnd.ollama.image.template","digest":"sha256:)" + std::string(64, 'e') + R"(","size":5}]})";
}

std::string blob_name(const std::string& digest) { return "sha256-" + digest.substr(7); }

class ModelLibrary : public ::testing::Test {
protected:
    fs::path root = fs::temp_directory_path() / ("hearth-library-" + std::to_string(::getpid()));
    ModelStores stores;

    void SetUp() override {
        fs::remove_all(root);
        stores.hearth = root / "hearth";
        stores.ollama = root / "ollama";
        stores.lmstudio = {root / "lmstudio"};
        stores.huggingface = root / "hf";
        // hearth's own folder (nested folders allowed)
        write_bytes(stores.hearth / "mine.gguf", tiny_gguf("llama", 64));
        write_bytes(stores.hearth / "team/other.GGUF", tiny_gguf("qwen2", 32));
        write_text(stores.hearth / "notes.txt", "not a model");
        // Ollama: two library models sharing a prefix, a user model, one from another host, a broken manifest
        write_bytes(stores.ollama / "blobs" / blob_name(kDigest), tiny_gguf("llama", 128));
        write_bytes(stores.ollama / "blobs" / blob_name(kDigest2), tiny_gguf("qwen3", 96));
        write_text(stores.ollama / "manifests/registry.ollama.ai/library/llama3.2/1b", manifest(kDigest));
        write_text(stores.ollama / "manifests/registry.ollama.ai/library/llama3.2/3b", manifest(kDigest2));
        write_text(stores.ollama / "manifests/registry.ollama.ai/library/qwen3/latest", manifest(kDigest2));
        write_text(stores.ollama / "manifests/registry.ollama.ai/someone/tuned/q4", manifest(kDigest));
        write_text(stores.ollama / "manifests/hf.co/org/Repo-GGUF/Q4_K_M", manifest(kDigest));
        write_text(stores.ollama / "manifests/registry.ollama.ai/library/broken/latest", "{not json");
        write_text(stores.ollama / "manifests/registry.ollama.ai/library/escape/latest", manifest("sha256:../../../etc/passwd"));
        write_text(stores.ollama / "manifests/registry.ollama.ai/library/missing/latest", manifest("sha256:" + std::string(64, '1')));
        // LM Studio
        write_bytes(root / "lmstudio/publisher/Model-GGUF/model-Q8_0.gguf", tiny_gguf("llama", 16));
        // Hugging Face cache: snapshot files are links to blobs
        write_bytes(stores.huggingface / "models--org--Tiny-GGUF/blobs/0123", tiny_gguf("gemma3", 48));
        fs::create_directories(stores.huggingface / "models--org--Tiny-GGUF/snapshots/abc");
        fs::create_symlink("../../blobs/0123", stores.huggingface / "models--org--Tiny-GGUF/snapshots/abc/tiny-q4_0.gguf");
    }
    void TearDown() override { fs::remove_all(root); }

    std::string error_of(const std::string& arg) {
        try {
            resolve_model(arg, stores);
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
            return e.what();
        }
        ADD_FAILURE() << arg << " resolved";
        return {};
    }
};

TEST_F(ModelLibrary, ListsEveryStoreWithTheirNames) {
    const auto models = list_local_models(stores);
    std::vector<std::string> names;
    for (const LocalModel& m : models) names.push_back(m.name + " " + m.source);
    const std::vector<std::string> expected = {
        "hf.co/org/Repo-GGUF:Q4_K_M ollama",  "llama3.2:1b ollama", "llama3.2:3b ollama",    "mine hearth",
        "org/Tiny-GGUF/tiny-q4_0 huggingface", "publisher/Model-GGUF/model-Q8_0 lmstudio", "qwen3:latest ollama",
        "someone/tuned:q4 ollama",             "team/other hearth"};
    EXPECT_EQ(names, expected);
    for (const LocalModel& m : models) {
        EXPECT_TRUE(fs::is_regular_file(m.path)) << m.path;
        EXPECT_EQ(m.size_bytes, fs::file_size(m.path)) << m.name;
    }
}

TEST_F(ModelLibrary, ResolvesNamesPrefixesAndPaths) {
    EXPECT_EQ(resolve_model("llama3.2:1b", stores), stores.ollama / "blobs" / blob_name(kDigest));
    EXPECT_EQ(resolve_model("qwen3", stores), stores.ollama / "blobs" / blob_name(kDigest2));  // ":latest" implied
    EXPECT_EQ(resolve_model("mine", stores), stores.hearth / "mine.gguf");
    EXPECT_EQ(resolve_model("publisher/", stores), root / "lmstudio/publisher/Model-GGUF/model-Q8_0.gguf");  // unique prefix
    EXPECT_EQ(resolve_model("org/Tiny", stores), stores.huggingface / "models--org--Tiny-GGUF/snapshots/abc/tiny-q4_0.gguf");
    const fs::path file = stores.hearth / "mine.gguf";
    EXPECT_EQ(resolve_model(file.string(), stores), file);  // a path is itself
    // The name a model goes by (what `hearth serve` lists): the store's full name, or the stem.
    EXPECT_EQ(resolve_local_model("qwen3", stores).name, "qwen3:latest");
    EXPECT_EQ(resolve_local_model("llama3.2:1b", stores).name, "llama3.2:1b");
    EXPECT_EQ(resolve_local_model("org/Tiny", stores).name, "org/Tiny-GGUF/tiny-q4_0");
    EXPECT_EQ(resolve_local_model(file.string(), stores).name, file.stem().string());
    EXPECT_EQ(resolve_local_model(file.string(), stores).source, "file");
}

TEST_F(ModelLibrary, AmbiguousAndUnknownNamesListWhatTheyCould) {
    const std::string amb = error_of("llama3.2");
    EXPECT_NE(amb.find("ambiguous"), std::string::npos) << amb;
    EXPECT_NE(amb.find("llama3.2:1b"), std::string::npos) << amb;
    EXPECT_NE(amb.find("llama3.2:3b"), std::string::npos) << amb;
    const std::string none = error_of("no-such-model");
    EXPECT_NE(none.find("hearth list"), std::string::npos) << none;
    EXPECT_NE(none.find((root / "ollama").string()), std::string::npos) << none;
    error_of("broken");   // malformed manifest: skipped
    error_of("escape");   // digest with a path in it: skipped
    error_of("missing");  // blob absent: skipped
}

TEST_F(ModelLibrary, CliListsAndRunsModelsByName) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const std::string env = "env -u HF_HOME HOME=" + test::shell_quote((root / "home").string()) +
                            " HEARTH_MODELS=" + test::shell_quote(stores.hearth.string()) +
                            " OLLAMA_MODELS=" + test::shell_quote(stores.ollama.string()) +
                            " HF_HUB_CACHE=" + test::shell_quote(stores.huggingface.string()) + " " + test::shell_quote(test::cli_path());
    const auto list = test::run_command(env + " list");
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_NE(list.out.find("llama3.2:1b"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("qwen3"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("128"), std::string::npos) << list.out;  // parameters of llama3.2:1b
    EXPECT_NE(list.out.find("huggingface"), std::string::npos) << list.out;
    EXPECT_EQ(list.out.find("publisher/"), std::string::npos) << "LM Studio's store lives under $HOME here: empty";

    const auto show = test::run_command(env + " show llama3.2:1b");
    ASSERT_EQ(show.status, 0) << show.err;
    EXPECT_NE(show.out.find("architecture:    llama"), std::string::npos) << show.out;

    const auto amb = test::run_command(env + " info llama3.2");
    EXPECT_EQ(amb.status, 1);
    EXPECT_NE(amb.err.find("ambiguous"), std::string::npos) << amb.err;

    // Nothing in the stores was changed.
    EXPECT_EQ(fs::file_size(stores.ollama / "blobs" / blob_name(kDigest)), tiny_gguf("llama", 128).size());
}

}  // namespace
}  // namespace hearth
