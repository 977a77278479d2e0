// `hearth synth`: write a random-weight GGUF with the shape of a real model, for benchmarks.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "hearth/synth.hpp"

namespace hearth::cli {
namespace {

std::string usage() {
    return fmt::format(
    "usage: hearth synth --arch ARCH --shape SHAPE --type TYPE -o FILE.gguf [--seed N] [-t THREADS]\n"
    "       hearth synth --shape ARCH-SHAPE (gemma3-12b) --type TYPE -o FILE.gguf ...\n"
    "       hearth synth --list\n"
    "  Writes a model with random weights (N(0, 1/fan_in)) and a synthetic SentencePiece vocabulary,\n"
    "  shaped like a real model, so prompt and generation speed can be measured without a download.\n"
    "  The file also loads in llama.cpp. Its text is nonsense by design.\n"
    "  --type   {}\n"
    "           (as hearth quantize: K-quant types follow llama-quantize's per-tensor rules, the\n"
    "            others give every matrix one type)\n"
    "  --repeat-layers  every layer reuses the first layer's random tensors of the same type: the\n"
    "           same file size and speed figures, written in minutes for 10B+ shapes (quantizing\n"
    "           every layer of a 12B takes about an hour on two busy cores)\n",
    quant::recipe_names());
}

}  // namespace

int cmd_synth(std::span<char*> argv) {
    Args args(argv);
    if (args.help()) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    if (args.flag({"--list"})) {
        args.finish();
        std::printf("%-8s %-7s %-24s %6s %6s %5s %4s %6s %7s  %s\n", "arch", "shape", "like", "dim", "layers", "heads", "kv",
                    "ffn", "vocab", "experts");
        for (const synth::Shape& s : synth::shapes()) {
            std::printf("%-8.*s %-7.*s %-24.*s %6zu %6zu %5zu %4zu %6zu %7zu", int(s.arch.size()), s.arch.data(),
                        int(s.name.size()), s.name.data(), int(s.like.size()), s.like.data(), s.n_embd, s.n_layer,
                        s.n_head, s.n_head_kv, s.n_ff, s.n_vocab);
            if (s.n_expert) std::printf("  %zu (%zu used) x ffn %zu", s.n_expert, s.n_expert_used, s.n_ff_exp);
            std::printf("\n");
        }
        return 0;
    }
    auto arch = args.value({"--arch"});
    auto shape = args.value({"--shape"});
    auto type = args.value({"--type"});
    auto out = args.value({"-o", "--output"});
    auto seed = args.integer({"--seed"}, 0, INT64_MAX);
    auto threads = args.integer({"-t", "--threads"}, 0, 1024);
    const bool repeat_layers = args.flag({"--repeat-layers"});
    args.finish();
    if (!shape || !type || !out) throw UsageError("--shape, --type and -o are required (and --arch, unless --shape is ARCH-NAME)");

    const synth::Shape& s =
        parse_option_value([&]() -> const synth::Shape& { return arch ? synth::find_shape(*arch, *shape) : synth::find_shape(*shape); });
    const quant::Recipe q = parse_option_value([&] { return quant::parse_recipe(*type); });
    auto t0 = std::chrono::steady_clock::now();
    synth::write_model(s, q, static_cast<uint64_t>(seed.value_or(1)), *out, static_cast<size_t>(threads.value_or(0)),
                       repeat_layers);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "wrote %s (%s %s, like %.*s) in %.1f s\n", out->c_str(), std::string(s.arch).c_str(), type->c_str(),
                 int(s.like.size()), s.like.data(), secs);
    return 0;
}

}  // namespace hearth::cli
