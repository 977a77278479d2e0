// The CLI against model "files" that are not what they seem: a FIFO must not block, and a model
// truncated on disk while mapped must give a message and exit 1 instead of a bus error.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "test_support.hpp"

namespace hearth {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
    return fs::temp_directory_path() / ("hearth-hostile-" + std::to_string(::getpid()) + "-" + name);
}

TEST(CliHostileFiles, FifoAsModelIsRefusedWithoutBlocking) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const fs::path fifo = scratch("fifo.gguf");
    fs::remove(fifo);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // timeout: a regression (open blocking for a writer) fails instead of hanging the suite.
    const auto r = test::run_command("timeout 20 " + test::shell_quote(test::cli_path()) + " info " + test::shell_quote(fifo.string()));
    fs::remove(fifo);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
}

TEST(CliHostileFiles, ModelTruncatedWhileMappedExitsWithAMessage) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const fs::path src = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(src);
    const fs::path copy = scratch("truncated.gguf"), err = scratch("chat.err");
    fs::copy_file(src, copy, fs::copy_options::overwrite_existing);
    // The writer waits until chat has loaded the model (its banner on stderr), cuts the file to one
    // page, then sends a line: evaluating it reads weights from pages that no longer exist.
    const std::string writer = "( i=0; while ! grep -q loaded " + test::shell_quote(err.string()) +
                               " 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; truncate -s 4096 " +
                               test::shell_quote(copy.string()) + "; echo hello )";
    const auto r = test::run_command("{ " + writer + " | timeout 60 " + test::shell_quote(test::cli_path()) + " chat --mmap -m " +
                                     test::shell_quote(copy.string()) + " 2>" + test::shell_quote(err.string()) +
                                     "; s=$?; cat " + test::shell_quote(err.string()) + " >&2; exit $s; }");
    fs::remove(copy);
    fs::remove(err);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("changed on disk"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hearth
