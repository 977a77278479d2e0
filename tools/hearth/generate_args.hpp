// Options shared by the commands that run a model (run, chat, eval, perplexity, serve): model,
// threads, context and sampling options, with the same names, defaults and help everywhere.
#pragma once

#include <string>
#include <vector>

#include "cli_app.hpp"
#include "hearth/hearth.hpp"

namespace hearth::cli {

struct ModelArgs {
    std::string path;
    std::string name;  // what the model goes by: its name in a local store, or the file's stem
    ModelOptions model;
    SessionOptions session;
    bool force = false;  // --force: skip the fit check
};

// MODEL (-m or the first positional, then the command's positionals `rest`), -t, the session
// options, --mlock, --mmap/--no-mmap, --force and llama-cli's no-op flags. After parsing, m.path
// and m.name name the resolved model; the positionals after it are cli.rest().
void add_model_options(CommandLine& cli, ModelArgs& m, const Positionals& rest = {});
// -c/--ctx-size, -b/--batch-size, --kv-type (also for `info --memory`).
void add_session_options(CommandLine& cli, SessionOptions& session);
// --mmap (mapped), --no-mmap (copied), neither (automatic); they exclude each other.
void add_weight_storage(CommandLine& cli, WeightStorage& storage);

// Checks with the fit planner that the model and context fit in available memory (unless
// m.force), then loads the model with a progress bar on a TTY. Throws Error(out_of_memory) with
// the planner's advice when they do not fit.
Model load_model(const ModelArgs& m);
// --temp, --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n, --frequency-penalty,
// --presence-penalty, -s/--seed (none or -1: a random one, printed with the stats).
void add_sampling_options(CommandLine& cli, SamplerOptions& sampling);
// The sampling options plus -n/--n-predict (default_max_tokens when absent; -1 = no limit).
void add_generate_options(CommandLine& cli, GenerateOptions& gen, size_t default_max_tokens);

// "load 12 ms | prompt 5 tok, 1234.5 tok/s | generation 64 tok, 456.7 tok/s | stop: max_tokens | seed 42" on
// stderr (the seed when sampling is random).
void print_generation_stats(double load_seconds, const GenerateResult& r, const SamplerOptions& sampling);
// A fresh random seed in [0, INT64_MAX].
uint64_t random_seed();

}  // namespace hearth::cli
