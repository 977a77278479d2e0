// hearth: one binary, subcommands like ollama's. Errors print "error: ..." to stderr with exit
// status 1; usage mistakes exit 2.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "usage_error.hpp"
#include "commands.hpp"
#include "hearth/error.hpp"
#include "hearth/version.hpp"

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
    {"list", hearth::cli::cmd_list, "the GGUF models on this machine (hearth, Ollama, LM Studio, HF cache)"},
    {"info", hearth::cli::cmd_info, "show a GGUF file's architecture, metadata and tensors"},
    {"show", hearth::cli::cmd_info, "the same as info, by model name or file"},
    {"bench", hearth::cli::cmd_bench, "measure prompt and generation speed (like llama-bench)"},
    {"perplexity", hearth::cli::cmd_perplexity, "measure how well a model predicts a text file"},
    {"imatrix", hearth::cli::cmd_imatrix, "compute an importance matrix on a text, for quantize --imatrix"},
    {"quantize", hearth::cli::cmd_quantize, "convert a model's weights to another type (e.g. F16 -> Q4_K_M)"},
    {"convert", hearth::cli::cmd_convert, "convert a Hugging Face model folder (safetensors) to GGUF, optionally quantized"},
    {"synth", hearth::cli::cmd_synth, "write a random-weight model of a real model's shape (for benchmarks)"},
    {"serve", hearth::cli::cmd_serve, "HTTP server: OpenAI and Ollama APIs and a chat page (-m MODEL)"},
    {"tokenize", hearth::cli::cmd_tokenize, "split text into the model's token ids (or --jsonl batches)"},
    {"embed", hearth::cli::cmd_embed, "print the embedding vector of each text (or --jsonl batches)"},
};

// Model files are memory-mapped: if one is truncated or replaced on disk while hearth runs, the
// next read of a vanished page raises SIGBUS. Say what happened instead of dying with "Bus error".
// Only async-signal-safe calls here (write, _exit).
extern "C" void on_sigbus(int) {
    static const char msg[] =
        "error: a model file changed on disk while hearth was using it (truncated or rewritten); run the command again\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(1);
}

void install_sigbus_handler() {
    struct sigaction sa {};
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, nullptr);
}

int print_version() {
    const hearth::BuildInfo b = hearth::build_info();
    auto join = [](const std::vector<std::string>& v) {
        std::string out;
        for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
        return out;
    };
    std::printf("hearth %s (%s build, %s)\nkernels: compiled %s; this CPU runs %s; using %s\n", b.version.c_str(), b.build_type.c_str(),
                b.compiler.c_str(), join(b.isa_compiled).c_str(), join(b.isa_supported).c_str(), b.isa_active.c_str());
    return 0;
}

void print_usage(std::FILE* out) {
    std::fprintf(out, "usage: hearth <command> [options]\n\ncommands:\n");
    for (const Command& c : kCommands) std::fprintf(out, "  %-11s %s\n", c.name, c.summary);
    std::fprintf(out, "  %-11s %s\n", "version", "version, build and the CPU kernels in use (also --version)");
    std::fprintf(out, "\nrun 'hearth <command> --help' for a command's options\n");
}

}  // namespace

int main(int argc, char** argv) {
    install_sigbus_handler();
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    std::string_view name = argv[1];
    if (name == "--version" || name == "version") return print_version();
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
