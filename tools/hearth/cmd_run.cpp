// `hearth run`: load a model, continue a prompt, stream the text to stdout and the speed to stderr.
#include <chrono>
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "generate_args.hpp"

namespace hearth::cli {

namespace {
constexpr const char* kUsage =
    "usage: hearth run -m MODEL -p PROMPT [-n N] [options]\n"
    "\n"
    "Continues PROMPT and prints the continuation (streamed) to stdout; load time and prompt /\n"
    "generation speed go to stderr. BOS is added as the model asks.\n"
    "\n"
    "  -p, --prompt TEXT        the text to continue (required)\n"
    "  -n, --n-predict N        tokens to generate at most (default 256)\n"
    "  --stop TEXT              stop when TEXT appears (not printed)\n"
    "  --special                recognise special token texts (e.g. <|im_start|>) in PROMPT\n";
}  // namespace

int cmd_run(std::span<char*> argv) {
    Args args(argv);
    if (args.help()) {
        std::printf("%s%s%s", kUsage, kModelArgsHelp, kSamplingHelp);
        return 0;
    }
    const ModelArgs m = parse_model_args(args);
    GenerateOptions gen = parse_generate_options(args, 256);
    const auto prompt = args.value({"-p", "--prompt"});
    if (!prompt) throw UsageError("missing -p PROMPT");
    if (auto stop = args.value({"--stop"})) gen.stop.push_back(*stop);
    gen.parse_special = args.flag({"--special"});
    args.finish();

    const auto t0 = std::chrono::steady_clock::now();
    const Model model = load_model(m);  // fit check + progress bar
    Session session(model, m.session);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const GenerateResult r = session.generate(*prompt, gen, [](std::string_view piece, TokenId) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        return true;
    });
    std::fputc('\n', stdout);
    print_generation_stats(load_s, r);
    return 0;
}

}  // namespace hearth::cli
