// What every subcommand's command line shares: a CLI11 app that prints "hearth <command>" in its
// help, the llama-cli pre-pass, usage mistakes as UsageError (exit 2), the model given by -m or as
// the first positional argument, -t, and the validators that keep hearth's number rules.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "usage_error.hpp"

namespace hearth::cli {

// The positional arguments a command takes after MODEL (run's PROMPT, tokenize's TEXT...).
struct Positionals {
    std::string name;  // as the help shows it: "PROMPT"
    std::string help;
    size_t max = 0;  // how many at most: 0 none, 1 one, SIZE_MAX any number
};

// One subcommand's command line. Options keep their last value when repeated (as most CLIs do)
// unless they say otherwise (--stop collects them all).
class CommandLine {
public:
    // name: the subcommand ("run"); description: the paragraph the help starts with.
    CommandLine(const std::string& name, std::string description);
    CommandLine(const CommandLine&) = delete;
    CommandLine& operator=(const CommandLine&) = delete;

    CLI::App& app() { return app_; }

    // -m/--model MODEL, or MODEL as the first positional argument, followed by the command's own
    // positional arguments. With -m, every positional argument is the command's.
    void add_model(const std::string& model_help, const Positionals& rest = {});
    // After parse(): the model as typed (a path or a name from `hearth list`). UsageError when
    // neither -m nor a positional gave one.
    const std::string& model() const;
    // After parse(): the command's positional arguments (those after MODEL).
    const std::vector<std::string>& rest() const { return rest_; }

    // Work to do once the arguments are parsed, in the order added (e.g. resolving the model,
    // checks that involve two options).
    void after_parse(std::function<void()> step) { after_parse_.push_back(std::move(step)); }

    // Parses the arguments after the subcommand's name. False when -h/--help printed the help to
    // stdout (the command then exits 0); UsageError for every mistake.
    bool parse(std::span<char*> args);

private:
    void settle_positionals();
    // UsageError naming the first word that matched no option or positional argument.
    void reject_extras() const;

    CLI::App app_;
    std::vector<std::function<void()>> after_parse_;
    std::string model_option_;               // -m's value
    CLI::Option* model_flag_ = nullptr;      // -m/--model, when add_model was called
    std::vector<std::string> positionals_;   // MODEL and the rest, as typed
    Positionals rest_spec_;
    std::string model_;
    std::vector<std::string> rest_;
};

// -t/--threads N into threads (0 = all cores, the default everywhere).
CLI::Option* add_threads(CommandLine& cli, size_t& threads);

// Validators. Give integer_in to transform(), not check(): check() would not let it rewrite the
// text. CLI11 itself would read "010" as octal and accept "nan": these check the text the
// way hearth always did (decimal integers, finite numbers) and report the range on a mistake.
// A decimal integer in [min, max] (rewritten without leading zeros before CLI11 converts it).
CLI::Validator integer_in(int64_t min, int64_t max);
// A finite number in [min, max]; with above_min, min itself is refused (--top-p 0).
CLI::Validator number_in(double min, double max, bool above_min = false);

}  // namespace hearth::cli
