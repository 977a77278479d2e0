// The model, memory and sampling options shared by the commands that run a model, loading the
// model they name, and the speed line printed after a generation.
#include "generate_args.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "llama_cli_flags.hpp"
#include "output_format_args.hpp"
#include "model_summary.hpp"

namespace hearth::cli {

void add_model_options(CommandLine& cli, ModelArgs& m, const Positionals& rest) {
    CLI::App& app = cli.app();
    cli.add_model("GGUF file, or a model name from `hearth list`", rest);
    const char* group = "Model and memory";
    add_threads(cli, m.model.threads)->group(group);
    add_session_options(cli, m.session);
    app.add_flag("--mlock", m.model.mlock, "lock the weights in RAM (fails with the limit when refused)")->group(group);
    add_weight_storage(cli, m.model.weights);
    app.add_flag("--force,--no-fit-check", m.force, "run even when the fit planner says model + context do not fit")->group(group);
    add_llama_cli_flags(cli);
    cli.after_parse([&cli, &m] {
        LocalModel found = resolve_model_arg_named(cli.model());
        m.path = found.path.string();
        m.name = std::move(found.name);
    });
}

void add_session_options(CommandLine& cli, SessionOptions& session) {
    CLI::App& app = cli.app();
    const char* group = "Model and memory";
    app.add_option("-c,--ctx-size", session.n_ctx, "context length in tokens (default: min(training context, 4096))")
        ->type_name("N")
        ->transform(integer_in(1, 1 << 24))
        ->group(group);
    app.add_option("-b,--batch-size", session.n_batch, "prompt tokens per forward pass")
        ->type_name("N")
        ->transform(integer_in(1, 1 << 16))
        ->capture_default_str()
        ->group(group);
    const CLI::Validator kv_type(
        [](std::string& text) { return parse_kv_type(text) ? std::string() : fmt::format("must be f16 or q8_0, not '{}'", text); }, "");
    app.add_option_function<std::string>(
           "--kv-type", [&session](const std::string& text) { session.kv_type = *parse_kv_type(text); },
           "KV cache element type (default f16; q8_0 takes about half)")
        ->type_name("f16|q8_0")
        ->check(kv_type)
        ->group(group);
}

void add_weight_storage(CommandLine& cli, WeightStorage& storage) {
    CLI::App& app = cli.app();
    const char* group = "Model and memory";
    CLI::Option* mapped = app.add_flag("--mmap")->description("zero copy: use the weights in place from the mapped file")->group(group);
    CLI::Option* copied = app.add_flag("--no-mmap")->description(
                                       "copy the weights into 2 MiB-page memory (faster decoding)\n"
                                       "(default: copy when the page cache maps the file with 4 KiB\n"
                                       "pages and the weights take at most half the available memory)")
                              ->group(group);
    // Checked here rather than with CLI11's excludes(), which would print "Excludes: ..." in the
    // option column of the help.
    cli.after_parse([&storage, mapped, copied] {
        if (mapped->count() && copied->count()) throw UsageError("--mmap and --no-mmap exclude each other");
        storage = mapped->count() ? WeightStorage::mapped : copied->count() ? WeightStorage::copied : WeightStorage::automatic;
    });
}

Model load_model(const ModelArgs& m) {
    const FitPlan plan = plan_fit(m.path, m.session);  // header only: cheap
    if (!m.force && !plan.fits())
        throw Error(ErrorCode::out_of_memory, fmt::format("{} at -c {}: {} (--force runs anyway)", m.path, plan.n_ctx, plan.advice));
    ModelOptions options = m.model;
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    if (tty) {
        options.progress = [](double fraction) {
            constexpr int kWidth = 30;
            const int filled = static_cast<int>(fraction * kWidth + 0.5);
            std::fprintf(stderr, "\r[hearth] loading [%.*s%*s] %3.0f%%", filled, "##############################",
                         kWidth - filled, "", fraction * 100.0);
            if (fraction >= 1.0) std::fputs("\r\033[K", stderr);  // the bar disappears once done
            std::fflush(stderr);
        };
    }
    Model model = Model::load(m.path, options);
    // As llama.cpp does: past its training context a model's answers degrade, and the cache grows.
    if (const size_t trained = model.config().n_ctx_train; plan.n_ctx > trained)
        std::fprintf(stderr, "[hearth] warning: -c %zu is above the model's training context (%zu); output may degrade past it. "
                             "The KV cache takes %s (%s in all, %s available)\n",
                     plan.n_ctx, trained, format_bytes(plan.kv_cache_bytes).c_str(), format_bytes(plan.needed()).c_str(),
                     format_bytes(plan.available_bytes).c_str());
    return model;
}

void add_sampling_options(CommandLine& cli, SamplerOptions& s) {
    CLI::App& app = cli.app();
    const char* group = "Sampling";
    constexpr double kAny = HUGE_VAL;
    auto number = [&](const char* names, float& value, const char* help, const CLI::Validator& range) {
        app.add_option(names, value, help)->type_name("X")->check(range)->capture_default_str()->group(group);
    };
    number("--temp,--temperature", s.temperature, "temperature, 0 = greedy", number_in(0, kAny));
    app.add_option("--top-k", s.top_k, "keep the K most likely tokens, 0 = off")
        ->type_name("K")
        ->transform(integer_in(0, 1 << 30))
        ->capture_default_str()
        ->group(group);
    number("--top-p", s.top_p, "nucleus sampling, 1 = off", number_in(0, 1, true));
    number("--min-p", s.min_p, "drop tokens below P x the top probability, 0 = off", number_in(0, 1));
    number("--repeat-penalty", s.repeat_penalty, "penalize recent tokens, 1 = off", number_in(0, kAny, true));
    app.add_option("--repeat-last-n", s.penalty_last_n, "window of the penalties")
        ->type_name("N")
        ->transform(integer_in(0, 1 << 20))
        ->capture_default_str()
        ->group(group);
    number("--frequency-penalty", s.frequency_penalty, "subtract X x count", number_in(-kAny, kAny));
    number("--presence-penalty", s.presence_penalty, "subtract X once per present token", number_in(-kAny, kAny));
    // No seed, or -1 (llama.cpp's and Ollama's "random"): a fresh one, printed with the stats so
    // the run can be repeated with --seed.
    s.seed = random_seed();
    app.add_option_function<int64_t>(
           "-s,--seed", [&s](int64_t seed) { s.seed = seed >= 0 ? static_cast<uint64_t>(seed) : random_seed(); },
           "random seed; -1 or none: a random one (printed with the stats)")
        ->type_name("S")
        ->transform(integer_in(-1, INT64_MAX))
        ->group(group);
}

void add_generate_options(CommandLine& cli, GenerateOptions& gen, size_t default_max_tokens) {
    gen.max_tokens = default_max_tokens;
    cli.app()
        .add_option_function<int64_t>(
            "-n,--n-predict", [&gen](int64_t n) { gen.max_tokens = n < 0 ? SIZE_MAX : static_cast<size_t>(n); },
            "tokens to generate at most; -1 = until the end of the text or a full context")
        ->type_name("N")
        ->transform(integer_in(-1, 1 << 24))
        ->default_str(fmt::format("{}", default_max_tokens));
    add_sampling_options(cli, gen.sampling);
    add_output_format_options(cli, gen);
}

void print_generation_stats(double load_seconds, const GenerateResult& r, const SamplerOptions& sampling) {
    const size_t evaluated = r.prompt_tokens - r.reused_tokens;
    auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
    const std::string seed = sampling.temperature > 0 ? fmt::format(" | seed {}", sampling.seed) : "";
    std::fprintf(stderr, "\n[hearth] load %.0f ms | prompt %zu tok (%zu reused), %.1f tok/s | generation %zu tok, %.1f tok/s | stop: %s%s\n",
                 load_seconds * 1000.0, r.prompt_tokens, r.reused_tokens, rate(double(evaluated), r.prompt_seconds),
                 r.tokens.size(), rate(double(r.tokens.size()), r.generate_seconds), to_string(r.stop_reason), seed.c_str());
}

uint64_t random_seed() {
    std::random_device rd;
    return (uint64_t{rd()} << 32 | rd()) & INT64_MAX;  // fits --seed's range, so it can be given back
}

}  // namespace hearth::cli
