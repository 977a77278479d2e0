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
};

// -m/--model (required), -t/--threads, -c/--ctx-size, -b/--batch-size.
ModelArgs parse_model_args(Args& args);
// --temp, --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n, --frequency-penalty,
// --presence-penalty, --seed.
SamplerOptions parse_sampling(Args& args);

// Help text for the two groups above.
extern const char* const kModelArgsHelp;
extern const char* const kSamplingHelp;

// "load 12 ms | prompt 5 tok, 1234.5 tok/s | generation 64 tok, 456.7 tok/s | stop: max_tokens" on stderr.
void print_generation_stats(double load_seconds, const GenerateResult& r);

}  // namespace hearth::cli
