// Options shared by the commands that run a model (run, chat, eval): model/threads/context and
// sampling flags, with the same names and defaults everywhere.
#pragma once

#include <string>
#include <vector>

#include "args.hpp"
#include "hearth/hearth.hpp"

namespace hearth::cli {

struct ModelArgs {
    std::string path;
    std::string name;  // what the model goes by: its name in a local store, or the file's stem
    ModelOptions model;
    SessionOptions session;
    bool force = false;  // --force: skip the fit check
};

// -m/--model (a path or a model name; may instead come positionally, see take_positionals), -t/--threads, -c/--ctx-size, -b/--batch-size, --kv-type, --mlock,
// --mmap/--no-mmap, --force; llama-cli's GPU/warm-up/colour flags are accepted with a note.
ModelArgs parse_model_args(Args& args);
// After every option was taken: the positional arguments, the first of them taken as the model
// when -m was not given. UsageError when there is no model either way.
std::vector<std::string> take_positionals(Args& args, ModelArgs& m);
// --mmap (mapped), --no-mmap (copied), neither (automatic); both is a UsageError.
WeightStorage parse_weight_storage(Args& args);

// Checks with the fit planner that the model and context fit in available memory (unless
// m.force), then loads the model with a progress bar on a TTY. Throws Error(out_of_memory) with
// the planner's advice when they do not fit.
Model load_model(const ModelArgs& m);
// --temp, --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n, --frequency-penalty,
// --presence-penalty, --seed.
SamplerOptions parse_sampling(Args& args);
// The sampling flags plus -n/--n-predict (default_max_tokens when absent; -1 = no limit).
GenerateOptions parse_generate_options(Args& args, size_t default_max_tokens);

// Help text for the two groups above.
extern const char* const kModelArgsHelp;
extern const char* const kSamplingHelp;

// "load 12 ms | prompt 5 tok, 1234.5 tok/s | generation 64 tok, 456.7 tok/s | stop: max_tokens | seed 42" on
// stderr (the seed when sampling is random).
void print_generation_stats(double load_seconds, const GenerateResult& r, const SamplerOptions& sampling);
// A fresh random seed in [0, INT64_MAX].
uint64_t random_seed();

}  // namespace hearth::cli
