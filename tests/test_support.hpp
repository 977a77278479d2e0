// Helpers shared by the tests: where ../shared lives, and skipping cleanly when a file is absent.
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hearth/error.hpp"

namespace hearth::test {

// HEARTH_SHARED_DIR from the environment, else the directory configured at build time.
inline std::filesystem::path shared_dir() {
    if (const char* env = std::getenv("HEARTH_SHARED_DIR"); env && *env) return env;
    return HEARTH_DEFAULT_SHARED_DIR;
}

inline std::filesystem::path model_path(const std::string& file) { return shared_dir() / "models" / file; }
inline std::filesystem::path reference_dir(const std::string& stem) { return shared_dir() / "reference" / stem; }

// The model files the shared README lists, by file name.
inline const std::vector<std::string>& shared_models() {
    static const std::vector<std::string> models = {
        "stories260K.gguf",        "tiny-llama2-spm-q8_0.gguf", "tiny-llama3-q4_0.gguf", "tiny-llama3-q4_k_m.gguf",
        "tiny-llama3-q8_0.gguf",   "tiny-qwen2-q8_0.gguf",      "tiny-qwen3-q4_k_m.gguf",    "tiny-qwen3moe-q4_k_m.gguf", "tiny-gemma3-q4_0.gguf",
    };
    return models;
}

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// ||x - y|| / ||x||: y's error relative to the reference x (normalised RMS error).
inline double rel_rms(const std::vector<float>& x, const std::vector<float>& y) {
    double e = 0, s = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        e += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
        s += double(x[i]) * x[i];
    }
    return std::sqrt(e / s);
}

// Path to the hearth CLI built alongside the tests (empty when tools are not built).
inline std::string cli_path() { return HEARTH_CLI_PATH; }

// The code of the hearth::Error fn() throws; ErrorCode::internal when it throws none.
template <typename Fn>
ErrorCode error_code_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.code();
    }
    return ErrorCode::internal;
}

// The message of the hearth::Error fn() throws; empty when it throws none.
template <typename Fn>
std::string error_message_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

}  // namespace hearth::test

// Skips the current test (with the path in the message) when a shared file is missing.
#define HEARTH_REQUIRE_FILE(path)                                                         \
    do {                                                                                  \
        if (!std::filesystem::exists(path))                                               \
            GTEST_SKIP() << "shared file not found: " << (path).string()                  \
                         << " (set HEARTH_SHARED_DIR to the folder holding models/)";     \
    } while (0)

namespace hearth::test {

struct CommandResult {
    int status = -1;     // exit status (or -1 when it did not exit normally)
    std::string out;     // standard output
    std::string err;     // standard error
};

// Runs a shell command line (arguments must already be quoted), capturing stdout and stderr.
inline CommandResult run_command(const std::string& command_line, const std::string& stdin_text = "") {
    namespace fs = std::filesystem;
    static int counter = 0;
    fs::path base = fs::temp_directory_path() / ("hearth-cmd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::string in = base.string() + ".in", out = base.string() + ".out", err = base.string() + ".err";
    { std::ofstream(in, std::ios::binary) << stdin_text; }
    int raw = std::system((command_line + " <" + in + " >" + out + " 2>" + err).c_str());
    CommandResult r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    fs::remove(in);
    fs::remove(out);
    fs::remove(err);
    return r;
}

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

}  // namespace hearth::test

namespace hearth::test {

// Base of the fixtures that drive the `hearth` CLI on one shared model: skips when the CLI is not
// built or the model is absent, and keeps the quoted paths every command line needs.
class CliTest : public ::testing::Test {
protected:
    explicit CliTest(const std::string& model_name) : model_file(model_path(model_name)) {}
    void SetUp() override {
        if (cli_path().empty()) GTEST_SKIP() << "CLI not built";
        HEARTH_REQUIRE_FILE(model_file);
        cli = shell_quote(cli_path());
        model = shell_quote(model_file.string());
    }
    // Runs `hearth ARGS` (ARGS already quoted).
    CommandResult hearth(const std::string& args, const std::string& stdin_text = "") const {
        return run_command(cli + " " + args, stdin_text);
    }
    // Writes text to a file in the test's temporary folder and returns its quoted path.
    static std::string write_temp(const std::string& name, const std::string& text) {
        const std::filesystem::path p = std::filesystem::path(::testing::TempDir()) / name;
        std::ofstream(p) << text;
        return shell_quote(p.string());
    }

    std::filesystem::path model_file;
    std::string cli, model;  // shell-quoted
};

}  // namespace hearth::test
