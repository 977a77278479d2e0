// `hearth synth`: write a random-weight GGUF with the shape of a real model, for benchmarks.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli_app.hpp"
#include "commands.hpp"
#include "hearth/synth.hpp"

namespace hearth::cli {
namespace {

std::string description() {
    return fmt::format(
        "Writes a model with random weights (N(0, 1/fan_in)) and a synthetic SentencePiece vocabulary\n"
        "(WordPiece for bert),\n"
        "shaped like a real model, so prompt and generation speed can be measured without a download.\n"
        "The file also loads in llama.cpp. Its text is nonsense by design. --list shows the shapes.\n"
        "TYPE: {}\n"
        "(as hearth quantize: K-quant types follow llama-quantize's per-tensor rules, the others give\n"
        "every matrix one type)",
        quant::recipe_names());
}

int print_shapes() {
    std::printf("%-8s %-7s %-24s %6s %6s %5s %4s %6s %7s  %s\n", "arch", "shape", "like", "dim", "layers", "heads", "kv", "ffn",
                "vocab", "experts");
    for (const synth::Shape& s : synth::shapes()) {
        std::printf("%-8.*s %-7.*s %-24.*s %6zu %6zu %5zu %4zu %6zu %7zu", int(s.arch.size()), s.arch.data(), int(s.name.size()),
                    s.name.data(), int(s.like.size()), s.like.data(), s.n_embd, s.n_layer, s.n_head, s.n_head_kv, s.n_ff,
                    s.n_vocab);
        if (s.n_expert) std::printf("  %zu (%zu used) x ffn %zu", s.n_expert, s.n_expert_used, s.n_ff_exp);
        std::printf("\n");
    }
    return 0;
}

}  // namespace

int cmd_synth(std::span<char*> argv) {
    CommandLine cli("synth", description());
    CLI::App& app = cli.app();
    std::string arch, shape, type, out;
    uint64_t seed = 1;
    size_t threads = 0;
    bool list = false, repeat_layers = false;
    app.add_flag("--list", list, "the shapes hearth can write, and exit");
    CLI::Option* arch_option = app.add_option("--arch", arch, "architecture (llama, qwen2, ...), unless SHAPE is ARCH-NAME")
                                   ->type_name("ARCH");
    const std::vector<CLI::Option*> needed = {
        app.add_option("--shape", shape, "a shape from --list, e.g. 1b, or ARCH-NAME such as gemma3-12b")->type_name("SHAPE"),
        app.add_option("--type", type, "weight type or mix (see above)")->type_name("TYPE"),
        app.add_option("-o,--output", out, "the file to write")->type_name("FILE.gguf")};
    app.add_option("--seed", seed, "random seed of the weights")->type_name("N")->transform(integer_in(0, INT64_MAX))->capture_default_str();
    add_threads(cli, threads);
    app.add_flag("--repeat-layers", repeat_layers,
                 "every layer reuses the first layer's random tensors of the same type: the same\n"
                 "file size and speed figures, written in minutes for 10B+ shapes (quantizing every\n"
                 "layer of a 12B takes about an hour on two busy cores)");
    if (!cli.parse(argv)) return 0;
    if (list) {
        if (arch_option->count() || std::any_of(needed.begin(), needed.end(), [](CLI::Option* o) { return o->count() > 0; }))
            throw UsageError("--list takes no other options");
        return print_shapes();
    }
    for (CLI::Option* o : needed)
        if (o->count() == 0) throw UsageError("--shape, --type and -o are required (and --arch, unless --shape is ARCH-NAME)");
    const synth::Shape& s = parse_option_value([&]() -> const synth::Shape& {
        return arch_option->count() ? synth::find_shape(arch, shape) : synth::find_shape(shape);
    });
    const quant::Recipe q = parse_option_value([&] { return quant::parse_recipe(type); });
    auto t0 = std::chrono::steady_clock::now();
    synth::write_model(s, q, seed, out, threads, repeat_layers);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "wrote %s (%s %s, like %.*s) in %.1f s\n", out.c_str(), std::string(s.arch).c_str(), type.c_str(),
                 int(s.like.size()), s.like.data(), secs);
    return 0;
}

}  // namespace hearth::cli
