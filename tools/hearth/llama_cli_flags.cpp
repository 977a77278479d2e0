// llama-cli's names and no-op flags (see llama_cli_flags.hpp).
#include "llama_cli_flags.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <utility>

#include "cli_app.hpp"

namespace hearth::cli {
namespace {

// llama-cli's single-dash names that are more than one letter, and what hearth calls them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kLongSingleDash = {{
    {"-ngl", "--n-gpu-layers"},
    {"-fa", "--flash-attn"},
    {"-cnv", "--conversation"},
    {"-if", "--interactive-first"},
    {"-np", "--parallel"},
}};

// Flags that llama-cli lets take one of these words as a value, or none.
constexpr std::array<std::string_view, 2> kOptionalChoiceFlags = {"--flash-attn", "--color"};
constexpr std::array<std::string_view, 3> kChoices = {"on", "off", "auto"};

template <typename List>
bool contains(const List& list, std::string_view word) {
    return std::find(list.begin(), list.end(), word) != list.end();
}

}  // namespace

std::vector<std::string> rewrite_llama_cli_names(std::span<char*> args) {
    std::vector<std::string> out;
    bool options_ended = false;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string word = args[i];
        if (options_ended || word == "--") {
            options_ended = true;
            out.push_back(std::move(word));
            continue;
        }
        for (const auto& [llama, hearth] : kLongSingleDash)
            if (word == llama) word = hearth;
        if (contains(kOptionalChoiceFlags, word) && i + 1 < args.size() && contains(kChoices, args[i + 1]))
            word = fmt::format("{}={}", word, args[++i]);
        out.push_back(std::move(word));
    }
    return out;
}

void add_llama_cli_flags(CommandLine& cli) {
    const char* group = "llama-cli flags (accepted so scripts keep working; no effect on a CPU engine)";
    CLI::App& app = cli.app();
    CLI::Option* gpu_layers =
        app.add_option("--n-gpu-layers,--gpu-layers", "(also -ngl) layers to offload to a GPU")->type_name("N")->group(group);
    CLI::Option* no_warmup = app.add_flag("--no-warmup")->description("skip the warm-up run")->group(group);
    CLI::Option* flash_attn = app.add_flag("--flash-attn")->description("(also -fa) [on|off|auto]: fused attention")->group(group);
    CLI::Option* color = app.add_flag("--color")->description("[on|off|auto]: coloured output")->group(group);
    CLI::Option* interactive = app.add_flag("-i,--interactive,--conversation,--interactive-first")
                                   ->description("(also -cnv, -if) refused: `hearth chat` is the conversation")
                                   ->group(group);
    cli.after_parse([=] {
        auto note = [](std::string_view what) { fmt::print(stderr, "[hearth] note: {}\n", what); };
        if (gpu_layers->count()) note("-ngl has no effect: hearth runs on the CPU");
        if (no_warmup->count()) note("--no-warmup has no effect: hearth needs no warm-up run");
        if (flash_attn->count()) note("-fa has no effect: hearth's attention is always the fused (flash) kernel");
        if (color->count()) note("--color has no effect: hearth prints plain text");
        if (interactive->count())
            throw UsageError("for a conversation use `hearth chat MODEL` (interactive, with the model's chat template)");
    });
}

}  // namespace hearth::cli
