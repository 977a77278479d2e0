// Habits people bring from Ollama and llama-cli: random seeds that can be repeated, several
// --stop strings, prompts from files and stdin, positional models, one-shot and scripted chat,
// chat commands, context trimming, --version, and llama-cli flags that do not apply to a CPU engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "test_support.hpp"

namespace hearth {
namespace {

namespace fs = std::filesystem;

class CliHabits : public test::CliTest {
protected:
    CliHabits() : CliTest("stories260K.gguf") {}
};

constexpr const char* kGreedy = " --temp 0 -n 24";

TEST_F(CliHabits, RandomSeedIsPrintedAndRepeatable) {
    const auto a = hearth("run -m " + model + " -p 'Once upon a time' -n 16 --temp 1");
    ASSERT_EQ(a.status, 0) << a.err;
    std::smatch seed;
    ASSERT_TRUE(std::regex_search(a.err, seed, std::regex("seed ([0-9]+)"))) << a.err;
    const auto again = hearth("run -m " + model + " -p 'Once upon a time' -n 16 --temp 1 --seed " + seed[1].str());
    EXPECT_EQ(again.out, a.out);
    const auto minus_one = hearth("run -m " + model + " -p 'Once upon a time' -n 16 --temp 1 --seed -1");
    EXPECT_EQ(minus_one.status, 0) << minus_one.err;
    EXPECT_NE(minus_one.err.find("seed "), std::string::npos) << minus_one.err;
    // Greedy decoding uses no seed, so none is printed.
    EXPECT_EQ(hearth("run -m " + model + " -p 'Once'" + kGreedy).err.find("seed"), std::string::npos);
}

TEST_F(CliHabits, EveryStopStringApplies) {
    const auto none = hearth("run -m " + model + " -p 'Once upon a time'" + kGreedy);
    ASSERT_NE(none.out.find("little girl"), std::string::npos) << none.out;
    const auto both = hearth("run -m " + model + " -p 'Once upon a time' --stop little --stop park" + kGreedy);
    EXPECT_EQ(both.out, ", there was a \n");
    const auto reversed = hearth("run -m " + model + " -p 'Once upon a time' --stop park --stop little" + kGreedy);
    EXPECT_EQ(reversed.out, both.out);
}

TEST_F(CliHabits, PromptFromFileStdinOrPosition) {
    const auto expected = hearth("run -m " + model + " -p 'Once upon a time'" + kGreedy);
    ASSERT_EQ(expected.status, 0) << expected.err;
    const fs::path file = fs::temp_directory_path() / ("hearth-prompt-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(file) << "Once upon a time";
    EXPECT_EQ(hearth("run -m " + model + " -f " + test::shell_quote(file.string()) + kGreedy).out, expected.out);
    EXPECT_EQ(hearth("run -m " + model + " --file " + test::shell_quote(file.string()) + kGreedy).out, expected.out);
    fs::remove(file);
    EXPECT_EQ(hearth("run -m " + model + " -p -" + kGreedy, "Once upon a time").out, expected.out);
    EXPECT_EQ(hearth("run " + model + " 'Once upon a time'" + kGreedy).out, expected.out);
    EXPECT_EQ(hearth("run --temp 0 " + model + " -n 24 'Once upon a time'").out, expected.out);  // options anywhere
    EXPECT_EQ(hearth("run -m " + model + " -p x -f /nonexistent").status, 2);  // two prompts
    EXPECT_EQ(hearth("run -m " + model).status, 2);                           // none
}

TEST_F(CliHabits, UnlimitedTokensRunToTheEnd) {
    const auto r = hearth("run -m " + model + " -p 'Once upon a time' -n -1 --temp 0 -c 128");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err.find("stop: max_tokens"), std::string::npos) << r.err;
    EXPECT_TRUE(r.err.find("stop: end_of_generation") != std::string::npos || r.err.find("stop: context_full") != std::string::npos) << r.err;
}

TEST_F(CliHabits, ChatAnswersOneQuestionAndExits) {
    const auto r = hearth("chat " + model + " 'Once upon a time'" + kGreedy, "this line is never read\n");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("little girl"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("> "), std::string::npos) << r.out;
}

TEST_F(CliHabits, PipedChatPrintsOnlyAnswersAndKnowsCommands) {
    const auto r = hearth("chat -m " + model + kGreedy,
                          "Once upon a time\n/?\n/set parameter temperature 0\n/set parameter top_k abc\n/show info\n/bogus\n/clear\n/bye\nnever\n");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("little girl"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("> "), std::string::npos) << "the prompt belongs on stderr when stdout is piped: " << r.out;
    EXPECT_EQ(r.out.find("/set parameter"), std::string::npos) << r.out;  // help goes to stderr
    EXPECT_NE(r.err.find("/set parameter NAME VALUE"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("temperature = 0"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("top_k expects a number"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("context       "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("unknown command '/bogus'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("conversation cleared"), std::string::npos) << r.err;
}

TEST_F(CliHabits, FullContextDropsOldestTurnsAndGoesOn) {
    std::string script;
    for (int i = 0; i < 8; ++i) script += "Once upon a time there was a little dog\n";
    const auto r = hearth("chat -m " + model + " -c 96 -n 16 --temp 0", script);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("dropped the"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("reset"), std::string::npos) << r.err;
}

TEST_F(CliHabits, VersionNamesBuildAndKernels) {
    for (const char* v : {"--version", "version"}) {
        const auto r = hearth(v);
        EXPECT_EQ(r.status, 0);
        EXPECT_NE(r.out.find("hearth 0."), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("kernels: compiled ref"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("using "), std::string::npos) << r.out;
    }
}

// `hearth bench` measures what `hearth run` uses: all cores unless -t says otherwise.
TEST_F(CliHabits, BenchDefaultsToRunsThreadCount) {
    const auto r = hearth("bench -m " + model + " -p 8 -n 4 -r 1 --json --no-bandwidth");
    ASSERT_EQ(r.status, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    ASSERT_FALSE(j.at("results").empty());
    for (const auto& result : j.at("results"))
        EXPECT_EQ(result.at("threads").get<size_t>(), std::max(1u, std::thread::hardware_concurrency())) << r.out;
    const auto one = hearth("bench -m " + model + " -p 8 -n 4 -r 1 -t 1 --json --no-bandwidth");
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_EQ(nlohmann::json::parse(one.out).at("results").at(0).at("threads"), 1);
}

TEST_F(CliHabits, LlamaCliFlagsAreAcceptedWithANote) {
    const auto r = hearth("run -m " + model + " -p Once -ngl 99 -fa on --no-warmup --color" + kGreedy);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("-ngl has no effect"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("-fa has no effect"), std::string::npos) << r.err;
    const auto fa_alone = hearth("run -m " + model + " -fa -p Once" + kGreedy);
    EXPECT_EQ(fa_alone.status, 0) << fa_alone.err;
    const auto interactive = hearth("run -m " + model + " -i -p Once");
    EXPECT_EQ(interactive.status, 2);
    EXPECT_NE(interactive.err.find("hearth chat"), std::string::npos) << interactive.err;
}

TEST_F(CliHabits, ContextAboveTrainingWarnsWithMemory) {
    const auto over = hearth("run -m " + model + " -p Once -c 1024" + kGreedy);  // stories260K trained at 512
    ASSERT_EQ(over.status, 0) << over.err;
    EXPECT_NE(over.err.find("warning: -c 1024 is above the model's training context (512)"), std::string::npos) << over.err;
    EXPECT_NE(over.err.find("KV cache takes"), std::string::npos) << over.err;
    EXPECT_EQ(hearth("run -m " + model + " -p Once -c 512" + kGreedy).err.find("warning"), std::string::npos);
}

// Like llama-quantize: every fallback says which tensor, why, and what it costs; sizes in a unit
// that shows them (stories260K's tensors are KiB, not "0.00 MiB").
TEST_F(CliHabits, QuantizeReportsFallbacksAndBitsPerWeight) {
    const fs::path out = fs::path(::testing::TempDir()) / ("cli-quantize-" + std::to_string(::getpid()) + ".gguf");
    const auto r = hearth("quantize " + model + " " + test::shell_quote(out.string()) + " q3_k_m");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("note: blk.0.ffn_down.weight: 172 columns are not a multiple of q4_K's 256-element blocks: "
                         "stored as f16 (16.00 bits per weight instead of 4.50)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("note: blk.0.attn_q.weight: 64 columns are not a multiple of q3_K's 256-element blocks: "
                         "stored as q4_0"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex("blk\\.0\\.attn_q\\.weight +f32 -> q4_0 +4\\.50 bpw +2\\.2 KiB"))) << r.err;
    EXPECT_EQ(r.err.find("0.00 MiB"), std::string::npos) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex("32\\.00 -> [0-9.]+ bits per weight"))) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex("[0-9]+ of [0-9]+ tensors fell back to another type"))) << r.err;
    const auto quiet = hearth("quantize -q " + model + " " + test::shell_quote(out.string()) + " q3_k_m");
    EXPECT_NE(quiet.err.find("note: blk.0.ffn_down.weight"), std::string::npos);  // -q keeps the notes
    EXPECT_EQ(quiet.err.find("bpw"), std::string::npos);                          // but not every tensor
    fs::remove(out);
}

TEST_F(CliHabits, UsageMistakesExitTwo) {
    for (const char* bad : {" --temp nan", " --temp inf", " --top-p x", " -n -2", " --seed -5"})
        EXPECT_EQ(hearth("run -m " + model + " -p Once" + bad).status, 2) << bad;
    // Bad values of the offline tools' options too: an unknown synth shape or weight type.
    const std::string out = test::shell_quote((fs::path(::testing::TempDir()) / "never-written.gguf").string());
    for (const std::string& bad : {"synth --shape nosuch-1b --type q4_0 -o " + out, "synth --shape llama-tiny --type q9 -o " + out,
                                  "quantize " + model + " " + out + " q9"}) {
        const auto r = hearth(bad);
        EXPECT_EQ(r.status, 2) << bad << "\n" << r.err;
        EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
    }
    EXPECT_FALSE(fs::exists(fs::path(::testing::TempDir()) / "never-written.gguf"));
    // Mistakes the parser itself catches, each said in hearth's words.
    const std::vector<std::pair<std::string, std::string>> mistakes = {
        {"run " + model + " Once --bogus 5", "unknown option '--bogus'"},
        {"run " + model + " Once upon", "unexpected argument 'upon' after PROMPT (quote a PROMPT that has spaces)"},
        {"run " + model + " Once -t 0x10", "--threads: expects an integer, got '0x10'"},
        {"run " + model + " Once -c 0", "--ctx-size: must be in [1, 16777216], got 0"},
        {"run " + model + " Once --mmap --no-mmap", "--mmap and --no-mmap exclude each other"},
        {"run", "missing MODEL"},
        {"bench " + model + " -t 1,0", "--threads: must be in [1, 1024], got 0"},
        {"list extra", "unexpected argument 'extra'"},
        {"synth --list --type q4_0", "--list takes no other options"},
        {"quantize " + model, "OUT is required"},
    };
    for (const auto& [args, message] : mistakes) {
        const auto r = hearth(args);
        EXPECT_EQ(r.status, 2) << args;
        EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
    }
}

TEST_F(CliHabits, IntegersAreDecimalAndOptionsTakeEveryForm) {
    // "010" is ten, not octal eight: the same text as a seed of 10 gives the same sampled text.
    const std::string prompt = " -p 'Once upon a time' -n 16 --temp 1";
    const auto ten = hearth("run -m " + model + prompt + " --seed 10");
    ASSERT_EQ(ten.status, 0) << ten.err;
    EXPECT_NE(ten.err.find("seed 10\n"), std::string::npos) << ten.err;
    EXPECT_EQ(hearth("run -m " + model + prompt + " --seed 010").out, ten.out);
    EXPECT_NE(hearth("run -m " + model + prompt + " --seed 8").out, ten.out);
    // --name=value, -nVALUE and the last of a repeated option, as in most CLIs.
    const auto greedy = hearth("run -m " + model + " -p Once --temp 0 -n 8");
    ASSERT_EQ(greedy.status, 0) << greedy.err;
    EXPECT_EQ(hearth("run --model=" + model + " --prompt=Once --temp=0 -n8").out, greedy.out);
    EXPECT_EQ(hearth("run " + model + " Once --temp 0 -n 3 -n 8").out, greedy.out);
}

// Every command's help comes from its option definitions: usage line first, every option with its
// value name, defaults taken from the library's own defaults.
TEST_F(CliHabits, HelpListsEveryOptionWithItsDefault) {
    for (const char* command : {"run", "chat", "eval", "info", "show", "list", "bench", "perplexity", "quantize", "synth", "serve",
                                "tokenize"}) {
        const auto r = hearth(std::string(command) + " --help");
        EXPECT_EQ(r.status, 0) << command;
        EXPECT_EQ(r.out.rfind("Usage: hearth ", 0), 0u) << command << "\n" << r.out;
        EXPECT_NE(r.out.find("-h,--help"), std::string::npos) << command;
        EXPECT_EQ(r.out.find("/work/"), std::string::npos) << command;  // no development paths
    }
    const auto run = hearth("run --help");
    for (const char* option : {"--temp,--temperature X=0.8", "--top-k K=40", "--top-p X=0.95", "--min-p X=0.05", "-n,--n-predict N=256",
                               "--repeat-last-n N=64", "-b,--batch-size N=512", "--stop TEXT", "-f,--file FILE", "--kv-type f16|q8_0",
                               "--no-mmap", "(also -ngl)"})
        EXPECT_NE(run.out.find(option), std::string::npos) << option << "\n" << run.out;
    EXPECT_NE(hearth("chat --help").out.find("-n,--n-predict N=1024"), std::string::npos);
    const auto serve = hearth("serve --help").out;
    for (const char* option : {"--host ADDR=127.0.0.1", "--port N=8080", "--parallel N=4", "--queue N=16", "--timeout S=10"})
        EXPECT_NE(serve.find(option), std::string::npos) << option << "\n" << serve;
    EXPECT_NE(hearth("quantize --help").out.find("q3_k_m"), std::string::npos);  // the recipe list
}

}  // namespace
}  // namespace hearth
