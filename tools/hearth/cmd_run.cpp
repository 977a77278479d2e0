// `hearth run`: load a model, continue a prompt, stream the text to stdout and the speed to stderr.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "generate_args.hpp"

namespace hearth::cli {

namespace {
constexpr const char* kUsage =
    "usage: hearth run MODEL [PROMPT] [-n N] [options]      (or -m MODEL -p PROMPT)\n"
    "\n"
    "Continues PROMPT and prints the continuation (streamed) to stdout; load time and prompt /\n"
    "generation speed go to stderr. BOS is added as the model asks. MODEL is a GGUF file or a\n"
    "model name from `hearth list`.\n"
    "\n"
    "  -p, --prompt TEXT        the text to continue ('-' reads it from stdin)\n"
    "  -f, --file FILE          read the prompt from FILE\n"
    "  -n, --n-predict N        tokens to generate at most (default 256; -1 = until the end of the\n"
    "                           text or a full context)\n"
    "  --stop TEXT              stop when TEXT appears (not printed); may be given several times\n"
    "  --special                recognise special token texts (e.g. <|im_start|>) in PROMPT\n";

std::string read_stream(std::istream& in) { return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()}; }

// Exactly one of -p TEXT, -p - (stdin), -f FILE, or a positional PROMPT.
std::string read_prompt(const std::optional<std::string>& text, const std::optional<std::string>& file,
                        const std::vector<std::string>& positionals) {
    if (positionals.size() > 1) throw UsageError("expected one PROMPT argument (quote it), got " + std::to_string(positionals.size()));
    if (int(text.has_value()) + int(file.has_value()) + int(!positionals.empty()) > 1)
        throw UsageError("give the prompt once: -p TEXT, -f FILE or PROMPT");
    if (file) {
        std::ifstream in(*file, std::ios::binary);
        if (!in) throw Error(ErrorCode::io, *file + ": cannot open the prompt file");
        return read_stream(in);
    }
    if (text && *text == "-") return read_stream(std::cin);
    if (text) return *text;
    if (!positionals.empty()) return positionals.front();
    throw UsageError("missing prompt: -p TEXT, -p - (stdin), -f FILE or PROMPT after the model");
}
}  // namespace

int cmd_run(std::span<char*> argv) {
    Args args(argv);
    if (args.help()) {
        std::printf("%s%s%s", kUsage, kModelArgsHelp, kSamplingHelp);
        return 0;
    }
    ModelArgs m = parse_model_args(args);
    GenerateOptions gen = parse_generate_options(args, 256);
    const auto text = args.value({"-p", "--prompt"});
    const auto file = args.value({"-f", "--file"});
    gen.stop = args.values({"--stop"});
    gen.parse_special = args.flag({"--special"});
    const std::vector<std::string> rest = take_positionals(args, m);
    args.finish();
    const std::string prompt = read_prompt(text, file, rest);

    const auto t0 = std::chrono::steady_clock::now();
    const Model model = load_model(m);  // fit check + progress bar
    Session session(model, m.session);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const GenerateResult r = session.generate(prompt, gen, [](std::string_view piece, TokenId) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        return true;
    });
    std::fputc('\n', stdout);
    print_generation_stats(load_s, r, gen.sampling);
    return 0;
}

}  // namespace hearth::cli
