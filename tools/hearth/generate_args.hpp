// Options shared by the commands that run a model (run, chat, eval): model/threads/context and
// sampling flags, with the same names and defaults everywhere.
#pragma once

#include <string>

#include "args.hpp"
#include "hearth/hearth.hpp"

namespace hearth::cli {

struct ModelArgs {
    std::string path;
    ModelOptions model;
    SessionOptions session;
    bool force = false;  // --force: skip the fit check
};

// -m/--model (required), -t/--threads, -c/--ctx-size, -b/--batch-size, --kv-type, --mlock,
// --mmap/--no-mmap, --force.
ModelArgs parse_model_args(Args& args);
// --mmap (mapped), --no-mmap (copied), neither (automatic); both is a UsageError.
WeightStorage parse_weight_storage(Args& args);

// Checks with the fit planner that the model and context fit in available memory (unless
// m.force), then loads the model with a progress bar on a TTY. Throws Error(out_of_memory) with
// the planner's advice when they do not fit.
Model load_model(const ModelArgs& m);
// --temp, --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n, --frequency-penalty,
// --presence-penalty, --seed.
SamplerOptions parse_sampling(Args& args);
// The sampling flags plus -n/--n-predict (default_max_tokens when absent).
GenerateOptions parse_generate_options(Args& args, size_t default_max_tokens);

// Help text for the two groups above.
extern const char* const kModelArgsHelp;
extern const char* const kSamplingHelp;

// "load 12 ms | prompt 5 tok, 1234.5 tok/s | generation 64 tok, 456.7 tok/s | stop: max_tokens" on stderr.
void print_generation_stats(double load_seconds, const GenerateResult& r);

}  // namespace hearth::cli
