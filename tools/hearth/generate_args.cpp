// Parsing of the model and sampling options shared by run, chat and eval.
#include "generate_args.hpp"

#include "model_summary.hpp"

#include <unistd.h>

#include <cstdio>
#include <random>

namespace hearth::cli {

const char* const kModelArgsHelp =
    "  -m, --model MODEL        GGUF file, or a model name from `hearth list` (required)\n"
    "  -t, --threads N          worker threads (default: all cores)\n"
    "  -c, --ctx-size N         context length in tokens (default: min(training context, 4096))\n"
    "  -b, --batch-size N       prompt tokens per forward pass (default 512)\n"
    "  --kv-type f16|q8_0       KV cache element type (default f16; q8_0 takes about half)\n"
    "  --mlock                  lock the weights in RAM (fails with the limit when refused)\n"
    "  --mmap                   zero copy: use the weights in place from the mapped file\n"
    "  --no-mmap                copy the weights into 2 MiB-page memory (faster decoding)\n"
    "                           (default: copy when the page cache maps the file with 4 KiB pages\n"
    "                           and the weights take at most half of the available memory)\n"
    "  --force                  run even when the fit planner says model + context do not fit\n";

const char* const kSamplingHelp =
    "  --temp T                 temperature, 0 = greedy (default 0.8)\n"
    "  --top-k K                keep the K most likely tokens, 0 = off (default 40)\n"
    "  --top-p P                nucleus sampling, 1 = off (default 0.95)\n"
    "  --min-p P                drop tokens below P x the top probability, 0 = off (default 0.05)\n"
    "  --repeat-penalty R       penalize recent tokens, 1 = off (default 1)\n"
    "  --repeat-last-n N        window of the penalties (default 64)\n"
    "  --frequency-penalty F    subtract F x count (default 0)\n"
    "  --presence-penalty P     subtract P once per present token (default 0)\n"
    "  --seed S                 random seed; -1 or none: a random one (printed with the stats)\n";

// llama-cli habits that mean nothing for a CPU engine: accepted with a note, so scripts keep working.
void accept_llama_cli_flags(Args& args) {
    auto note = [](const char* what) { std::fprintf(stderr, "[hearth] note: %s\n", what); };
    if (args.value({"-ngl", "--n-gpu-layers", "--gpu-layers"})) note("-ngl has no effect: hearth runs on the CPU");
    if (args.flag({"--no-warmup"})) note("--no-warmup has no effect: hearth needs no warm-up run");
    if (args.flag_with_choice({"-fa", "--flash-attn"}, {"on", "off", "auto"}))
        note("-fa has no effect: hearth's attention is always the fused (flash) kernel");
    if (args.flag_with_choice({"--color"}, {"on", "off", "auto"})) note("--color has no effect: hearth prints plain text");
    if (args.flag({"-i", "--interactive", "-cnv", "--conversation", "-if", "--interactive-first"}))
        throw UsageError("for a conversation use `hearth chat MODEL` (interactive, with the model's chat template)");
}

void set_model(ModelArgs& m, const std::string& name_or_path) {
    LocalModel found = resolve_model_arg_named(name_or_path);
    m.path = found.path.string();
    m.name = std::move(found.name);
}

ModelArgs parse_model_args(Args& args) {
    ModelArgs m;
    accept_llama_cli_flags(args);
    if (auto path = args.value({"-m", "--model"})) set_model(m, *path);
    if (auto t = args.integer({"-t", "--threads"}, 1, 1024)) m.model.threads = static_cast<size_t>(*t);
    if (auto c = args.integer({"-c", "--ctx-size"}, 1, 1 << 24)) m.session.n_ctx = static_cast<size_t>(*c);
    if (auto b = args.integer({"-b", "--batch-size"}, 1, 1 << 16)) m.session.n_batch = static_cast<size_t>(*b);
    if (auto kv = args.value({"--kv-type"})) {
        const auto type = parse_kv_type(*kv);
        if (!type) throw UsageError("--kv-type must be f16 or q8_0, not '" + *kv + "'");
        m.session.kv_type = *type;
    }
    m.model.mlock = args.flag({"--mlock"});
    m.model.weights = parse_weight_storage(args);
    m.force = args.flag({"--force", "--no-fit-check"});
    return m;
}

WeightStorage parse_weight_storage(Args& args) {
    const bool mmap = args.flag({"--mmap"});
    const bool no_mmap = args.flag({"--no-mmap"});
    if (mmap && no_mmap) throw UsageError("--mmap and --no-mmap exclude each other");
    return mmap ? WeightStorage::mapped : no_mmap ? WeightStorage::copied : WeightStorage::automatic;
}

std::vector<std::string> take_positionals(Args& args, ModelArgs& m) {
    std::vector<std::string> rest = args.positional();
    if (m.path.empty() && !rest.empty()) {
        set_model(m, rest.front());
        rest.erase(rest.begin());
    }
    if (m.path.empty()) throw UsageError("missing MODEL (-m MODEL, or the model as the first argument)");
    return rest;
}

Model load_model(const ModelArgs& m) {
    if (m.path.empty()) throw UsageError("missing -m MODEL");
    const FitPlan plan = plan_fit(m.path, m.session);  // header only: cheap
    if (!m.force && !plan.fits())
        throw Error(ErrorCode::out_of_memory, m.path + " at -c " + std::to_string(plan.n_ctx) + ": " + plan.advice +
                                                  " (--force runs anyway)");
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

SamplerOptions parse_sampling(Args& args) {
    SamplerOptions s;
    if (auto v = args.number({"--temp", "--temperature"})) s.temperature = static_cast<float>(*v);
    if (auto v = args.integer({"--top-k"}, 0, 1 << 30)) s.top_k = static_cast<int32_t>(*v);
    if (auto v = args.number({"--top-p"})) s.top_p = static_cast<float>(*v);
    if (auto v = args.number({"--min-p"})) s.min_p = static_cast<float>(*v);
    if (auto v = args.number({"--repeat-penalty"})) s.repeat_penalty = static_cast<float>(*v);
    if (auto v = args.integer({"--repeat-last-n"}, 0, 1 << 20)) s.penalty_last_n = static_cast<int32_t>(*v);
    if (auto v = args.number({"--frequency-penalty"})) s.frequency_penalty = static_cast<float>(*v);
    if (auto v = args.number({"--presence-penalty"})) s.presence_penalty = static_cast<float>(*v);
    // No seed, or -1 (llama.cpp's and Ollama's "random"): a fresh one, printed with the stats so
    // the run can be repeated with --seed.
    const auto seed = args.integer({"--seed", "-s"}, -1, INT64_MAX);
    s.seed = seed && *seed >= 0 ? static_cast<uint64_t>(*seed) : random_seed();
    if (s.temperature < 0) throw UsageError("--temp must be >= 0");
    if (s.top_p <= 0 || s.top_p > 1) throw UsageError("--top-p must be in (0, 1]");
    if (s.min_p < 0 || s.min_p > 1) throw UsageError("--min-p must be in [0, 1]");
    if (s.repeat_penalty <= 0) throw UsageError("--repeat-penalty must be > 0");
    return s;
}

GenerateOptions parse_generate_options(Args& args, size_t default_max_tokens) {
    GenerateOptions gen;
    gen.sampling = parse_sampling(args);
    gen.max_tokens = default_max_tokens;
    if (auto n = args.integer({"-n", "--n-predict"}, -1, 1 << 24))  // -1: until end of text or a full context
        gen.max_tokens = *n < 0 ? SIZE_MAX : static_cast<size_t>(*n);
    return gen;
}

void print_generation_stats(double load_seconds, const GenerateResult& r, const SamplerOptions& sampling) {
    const size_t evaluated = r.prompt_tokens - r.reused_tokens;
    auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
    const std::string seed = sampling.temperature > 0 ? " | seed " + std::to_string(sampling.seed) : "";
    std::fprintf(stderr, "\n[hearth] load %.0f ms | prompt %zu tok (%zu reused), %.1f tok/s | generation %zu tok, %.1f tok/s | stop: %s%s\n",
                 load_seconds * 1000.0, r.prompt_tokens, r.reused_tokens, rate(double(evaluated), r.prompt_seconds),
                 r.tokens.size(), rate(double(r.tokens.size()), r.generate_seconds), to_string(r.stop_reason), seed.c_str());
}

uint64_t random_seed() {
    std::random_device rd;
    return (uint64_t{rd()} << 32 | rd()) & INT64_MAX;  // fits --seed's range, so it can be given back
}

}  // namespace hearth::cli
