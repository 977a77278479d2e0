// The shared command-line layer: CLI11 set up the hearth way (see cli_app.hpp).
#include "cli_app.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "llama_cli_flags.hpp"

namespace hearth::cli {
namespace {

// CLI11's help with the usage line first, as man pages and most CLIs print it (CLI11 puts the
// description above it).
class UsageFirstFormatter : public CLI::Formatter {
public:
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
        return make_usage(app, std::move(name)) + "\n" + make_description(app) + make_positionals(app) + make_groups(app, mode);
    }
};

}  // namespace

CommandLine::CommandLine(const std::string& name, std::string description) : app_(std::move(description), "hearth " + name) {
    // Set before any option is added: options copy these defaults when they are created.
    app_.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app_.set_help_flag("-h,--help", "print this help and exit");
    app_.formatter(std::make_shared<UsageFirstFormatter>());
    app_.get_formatter()->column_width(32);
    // Unmatched words are reported by parse() in hearth's words (CLI11 would say "The following
    // argument was not expected").
    app_.allow_extras();
}

void CommandLine::add_model(const std::string& model_help, const Positionals& rest) {
    rest_spec_ = rest;
    model_flag_ = app_.add_option("-m,--model", model_option_, model_help + " (or as the first argument)")->type_name("MODEL");
    // Positionals are collected as typed and assigned in settle_positionals(): whether the first
    // is MODEL depends on -m, which CLI11 cannot know while it fills them in order.
    app_.add_option_function<std::string>("MODEL", [this](const std::string& v) { positionals_.insert(positionals_.begin(), v); },
                                          model_help)
        ->type_name("");
    if (rest.max == 1) {
        app_.add_option_function<std::string>(rest.name, [this](const std::string& v) { positionals_.push_back(v); }, rest.help)
            ->type_name("");
    } else if (rest.max > 1) {
        app_.add_option_function<std::vector<std::string>>(
                rest.name, [this](const std::vector<std::string>& v) { positionals_.insert(positionals_.end(), v.begin(), v.end()); },
                rest.help)
            ->type_name("");
    }
    after_parse([this] { settle_positionals(); });
}

void CommandLine::settle_positionals() {
    std::vector<std::string> given = std::move(positionals_);
    if (model_flag_->count() > 0) {
        model_ = model_option_;
    } else if (!given.empty()) {
        model_ = given.front();
        given.erase(given.begin());
    }
    if (given.size() > rest_spec_.max) {
        const std::string& extra = given[rest_spec_.max];
        throw UsageError(rest_spec_.max == 0 ? fmt::format("unexpected argument '{}'", extra)
                                             : fmt::format("unexpected argument '{}' after {} (quote a {} that has spaces)", extra,
                                                           rest_spec_.name, rest_spec_.name));
    }
    rest_ = std::move(given);
}

const std::string& CommandLine::model() const {
    if (model_.empty()) throw UsageError("missing MODEL (-m MODEL, or the model as the first argument)");
    return model_;
}

bool CommandLine::parse(std::span<char*> args) {
    std::vector<std::string> words = rewrite_llama_cli_names(args);
    std::reverse(words.begin(), words.end());  // CLI11 takes the arguments last first
    try {
        app_.parse(words);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app_.help().c_str(), stdout);
        return false;
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }
    reject_extras();
    for (const auto& step : after_parse_) step();
    return true;
}

void CommandLine::reject_extras() const {
    const std::vector<std::string> extras = app_.remaining();
    if (extras.empty()) return;
    const std::string& first = extras.front();
    if (first.size() > 1 && first[0] == '-') throw UsageError(fmt::format("unknown option '{}'", first));
    if (rest_spec_.max > 0)
        throw UsageError(fmt::format("unexpected argument '{}' after {} (quote a {} that has spaces)", first, rest_spec_.name,
                                     rest_spec_.name));
    throw UsageError(fmt::format("unexpected argument '{}'", first));
}

CLI::Option* add_threads(CommandLine& cli, size_t& threads) {
    return cli.app()
        .add_option("-t,--threads", threads, "worker threads (default: all cores)")
        ->type_name("N")
        ->transform(integer_in(0, 1024));
}

CLI::Validator integer_in(int64_t min, int64_t max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            int64_t n = 0;
            const char* end = text.data() + text.size();
            const auto [stop, ec] = std::from_chars(text.data(), end, n);
            if (ec == std::errc() && stop == end && n >= min && n <= max) {
                text = fmt::format("{}", n);
                return {};
            }
            if (ec == std::errc() && stop == end) return fmt::format("must be in [{}, {}], got {}", min, max, text);
            return fmt::format("expects an integer, got '{}'", text);
        },
        "");
}

CLI::Validator number_in(double min, double max, bool above_min) {
    return CLI::Validator(
        [min, max, above_min](std::string& text) -> std::string {
            char* stop = nullptr;
            const double d = std::strtod(text.c_str(), &stop);
            const bool number = !text.empty() && stop == text.c_str() + text.size() && std::isfinite(d);
            if (!number) return fmt::format("expects a finite number, got '{}'", text);
            if (above_min ? d <= min : d < min) return fmt::format("must be {} {}, got {}", above_min ? ">" : ">=", min, text);
            if (d > max) return fmt::format("must be <= {}, got {}", max, text);
            return {};
        },
        "");
}

}  // namespace hearth::cli
