// `hearth run`: load a model, continue a prompt, stream the text to stdout and the speed to stderr.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "commands.hpp"
#include "generate_args.hpp"

namespace hearth::cli {

namespace {

constexpr const char* kDescription =
    "Continues PROMPT and prints the continuation (streamed) to stdout; load time and prompt /\n"
    "generation speed go to stderr. BOS is added as the model asks.";

std::string read_stream(std::istream& in) { return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()}; }

// Where the prompt comes from: exactly one of -p TEXT, -p - (stdin), -f FILE or PROMPT.
struct PromptSource {
    std::string text, file;
    CLI::Option *text_option = nullptr, *file_option = nullptr;
};

std::string read_prompt(const PromptSource& p, const std::vector<std::string>& positionals) {
    const bool text = p.text_option->count() > 0, file = p.file_option->count() > 0;
    if (int(text) + int(file) + int(!positionals.empty()) > 1) throw UsageError("give the prompt once: -p TEXT, -f FILE or PROMPT");
    if (file) {
        std::ifstream in(p.file, std::ios::binary);
        if (!in) throw Error(ErrorCode::io, fmt::format("{}: cannot open the prompt file", p.file));
        return read_stream(in);
    }
    if (text && p.text == "-") return read_stream(std::cin);
    if (text) return p.text;
    if (!positionals.empty()) return positionals.front();
    throw UsageError("missing prompt: -p TEXT, -p - (stdin), -f FILE or PROMPT after the model");
}
}  // namespace

int cmd_run(std::span<char*> argv) {
    CommandLine cli("run", kDescription);
    ModelArgs m;
    add_model_options(cli, m, {"PROMPT", "the text to continue (or -p, -f)", 1});
    GenerateOptions gen;
    add_generate_options(cli, gen, 256);
    CLI::App& app = cli.app();
    PromptSource source;
    source.text_option = app.add_option("-p,--prompt", source.text, "the text to continue ('-' reads it from stdin)")->type_name("TEXT");
    source.file_option = app.add_option("-f,--file", source.file, "read the prompt from FILE")->type_name("FILE");
    app.add_option("--stop", gen.stop, "stop when TEXT appears (not printed); may be given several times")
        ->type_name("TEXT")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
    gen.parse_special = false;
    app.add_flag("--special", gen.parse_special, "recognise special token texts (e.g. <|im_start|>) in PROMPT");
    if (!cli.parse(argv)) return 0;
    const std::string prompt = read_prompt(source, cli.rest());

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
