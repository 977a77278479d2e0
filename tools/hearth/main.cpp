// hearth: one binary, subcommands like ollama's. Errors print "error: ..." to stderr with exit
// status 1; usage mistakes exit 2.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "args.hpp"
#include "commands.hpp"
#include "hearth/error.hpp"

namespace {

struct Command {
    const char* name;
    int (*run)(std::span<char*> args);
    const char* summary;
};

constexpr Command kCommands[] = {
    {"run", hearth::cli::cmd_run, "continue a prompt and stream the text (-m MODEL -p PROMPT)"},
    {"chat", hearth::cli::cmd_chat, "interactive chat with the model's chat template"},
    {"eval", hearth::cli::cmd_eval, "write the logits of every prompt position (float32 rows)"},
    {"info", hearth::cli::cmd_info, "show a GGUF file's architecture, metadata and tensors"},
    {"bench", hearth::cli::cmd_bench, "measure prompt and generation speed (like llama-bench)"},
    {"perplexity", hearth::cli::cmd_perplexity, "measure how well a model predicts a text file"},
    {"quantize", hearth::cli::cmd_quantize, "convert a model's weights to another type (e.g. F16 -> Q4_K_M)"},
    {"synth", hearth::cli::cmd_synth, "write a random-weight model of a real model's shape (for benchmarks)"},
    {"serve", hearth::cli::cmd_serve, "HTTP server: OpenAI and Ollama APIs and a chat page (-m MODEL)"},
    {"tokenize", hearth::cli::cmd_tokenize, "split text into the model's token ids (or --jsonl batches)"},
};

void print_usage(std::FILE* out) {
    std::fprintf(out, "usage: hearth <command> [options]\n\ncommands:\n");
    for (const Command& c : kCommands) std::fprintf(out, "  %-11s %s\n", c.name, c.summary);
    std::fprintf(out, "\nrun 'hearth <command> --help' for a command's options\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    std::string_view name = argv[1];
    if (name == "-h" || name == "--help" || name == "help") {
        print_usage(stdout);
        return 0;
    }
    for (const Command& c : kCommands) {
        if (name != c.name) continue;
        try {
            return c.run(std::span<char*>(argv + 2, static_cast<size_t>(argc - 2)));
        } catch (const hearth::cli::UsageError& e) {
            std::fprintf(stderr, "error: %s\n(see 'hearth %s --help')\n", e.what(), c.name);
            return 2;
        } catch (const hearth::Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "error: unknown command '%s'\n\n", argv[1]);
    print_usage(stderr);
    return 2;
}
